"""Numbers in a message that are signs (P4a, P4i): body temperatures and pain scores.

Part of reading a message, like ``messages.reading_match``: it finds candidates
and ``messages.reading`` decides their polarity and action. A temperature is
fever when in range near a temperature word (or the whole message), a normal
one is a negated mention; a bare decimal in range in a message about feeling
unwell asks the fever question, and with a medicine named it is a fever ("39.5
last night, 37.2 now after paracetamol"). A pain score "out of 10" reads as the
severity it names. Pure: standard library only.
"""

from __future__ import annotations

from messages.reading_lexicon import Lexicon
from messages.reading_match import Match, Word


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _said(words: list[Word], cue: str, lexicon: Lexicon, sentence: int | None = None) -> bool:
    """Whether a cue phrase of ``lexicon.cues[cue]`` occurs (in ``sentence``, or anywhere)."""
    texts = [w.text for w in words if sentence is None or w.sentence == sentence]
    return any(tuple(texts[i:i + len(p)]) == p for p in lexicon.cues[cue] for i in range(len(texts)))


def temperature_matches(words: list[Word], lexicon: Lexicon) -> list[Match]:
    """Body temperatures: ``temperature`` (fever), ``normal_temperature`` (a negated mention) or
    ``bare_temperature`` (a decimal with no temperature word in a message about feeling unwell: ask)."""
    t = lexicon.temperature
    found = []
    if not any(word.text[:1].isdigit() for word in words):
        return found  # no number, no temperature (most messages: the cue scans below are not free)
    alone = [w.text for w in words if w.text not in ("°",) and w.text not in t["celsius_units"] | t["fahrenheit_units"]]
    unwell = _said(words, "unwell", lexicon)
    medicine = _said(words, "medicine", lexicon)
    for i, word in enumerate(words):
        value = _number(word.text) if word.text[:1].isdigit() else None
        if value is None:
            continue
        after = words[i + 1].text if i + 1 < len(words) and words[i + 1].sentence == word.sentence else ""
        before = words[i - 1].text if i > 0 and words[i - 1].sentence == word.sentence else ""
        unit_after = after in t["cues"] and after not in t["not_after"]  # "I'm 38 degrees" is a temperature
        if after in t["not_after"] or (before in t["not_before"] and not unit_after):
            continue
        if any(w.text in t["not_with"] for w in words if w.sentence == word.sentence):
            continue
        near = [w for w in words[max(0, i - t["window"]): i + t["window"] + 1]
                if w is not word and w.sentence == word.sentence]
        cued = any(w.text in t["cues"] or (w.bases & t["cues"]) for w in near)
        if not cued and alone != [word.text]:
            if any(c in word.text for c in ".,") and (unwell or medicine) and _bare(value, t):
                found.append(Match("temperature" if medicine else "bare_temperature", "fever", (i,)))
            continue
        unit = "c" if after in t["celsius_units"] else "f" if after in t["fahrenheit_units"] else ""
        scales = {"c": ("celsius",), "f": ("fahrenheit",), "": ("celsius", "fahrenheit")}[unit]
        for scale in scales:
            low, high = t[f"fever_{scale}"]
            if low <= value <= high:
                found.append(Match("temperature", "fever", (i,)))
                break
            low, high = t[f"normal_{scale}"]
            if low <= value <= high and cued:
                found.append(Match("normal_temperature", "fever", (i,)))
                break
    return found


def _bare(value: float, t) -> bool:
    return any(t[f"bare_{scale}"][0] <= value <= t[f"bare_{scale}"][1] for scale in ("celsius", "fahrenheit"))


def score_matches(words: list[Word], lexicon: Lexicon) -> list[Match]:
    """Pain scores: "pain 9/10", "it hurts, 8 out of ten", "pain is a 9". From ``very_severe_from`` the
    score is ``pain:very_severe``, from ``severe_from`` ``pain:severe``, from the optional ``moderate_from``
    ``pain:moderate`` (C10 from day 8), below that ``pain`` (asked)."""
    p, not_after = lexicon.pain_score, lexicon.temperature["not_after"]
    found = []
    for i, word in enumerate(words):
        if not word.text.isdigit() or int(word.text) > p["out_of"]:
            continue
        if int(word.text) == p["out_of"] and any(w.text.isdigit() and w.sentence == word.sentence
                                                 for w in words[max(0, i - 3): i - 1]):
            continue  # the scale of a score before it ("7 von 10", "7 out of 10"), not a score itself
        rest = [w.text for w in words[i + 1: i + 4] if w.sentence == word.sentence]
        out_of = rest[:2] == ["out", "of"] and len(rest) == 3 and rest[2] in (str(p["out_of"]), "ten")
        before = [w for w in words[max(0, i - 3): i] if w.sentence == word.sentence]
        right_after_cue = any(w.text in p["cues"] or w.bases & p["cues"] for w in before) \
            and not (rest and rest[0] in not_after)
        in_sentence = any(w.text in p["cues"] or w.bases & p["cues"] for w in words if w.sentence == word.sentence)
        if not (out_of and in_sentence or right_after_cue):
            continue
        score = int(word.text)
        token = "pain:very_severe" if score >= p["very_severe_from"] else "pain:severe" \
            if score >= p["severe_from"] else "pain:moderate" if score >= p.get("moderate_from", p["severe_from"]) \
            else "pain"
        found.append(Match("form", token, (i,)))
    return found

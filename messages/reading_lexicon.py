"""Load and validate the lexicon of signs (``messages/lexicon/<lang>.toml``) into an immutable ``Lexicon``.

Message and lexicon are spelled alike by the lexicon's ``Spelling``
(``messages.reading_spelling``: lower case, no accents, contractions, emoji and
numbers in words); this module adds the word endings a sign word may take and
the one-typo index, so that a phrase in the file and the same words typed by a
patient always compare equal. Pure: standard library only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

from messages.reading_spelling import NO_SPELLING, PIECE, Spelling, one_edit, parse_spelling

ACTIONS = ("emergency", "urgent", "confirm", "ask")
_CUE_KEYS = ("clause_breakers", "negation", "negation_fillers", "negation_after", "passed", "past", "persistence", "uncertainty",
             "hypothetical", "others", "patient_links", "first_person", "third_person", "coordinators", "hedges",
             "ellipsis", "medicine", "unwell", "things", "thing_links", "passing_after",
             "locations", "examples", "others_treatment")
# Cue lists a lexicon may leave out (added after other languages' lexicons were written), with their default:
# the small words between a location word and the body part it places ("on my cheek", "an der Wange"), and
# ways of moving one's own appointment (none unless the language lists them), phrases that open with a clause
# breaker but break no clause (German "außer Atem" is out of breath, not "except breath"), and the words a
# language sets after a comma to open a subordinate clause ("gefallen, als ich die Rechnung sah"), over which
# an other-sense phrase may reach.
# "answer_no" opens a sentence that answers No to a short question before it ("Eiter? Nein, nur Schüppchen").
# "framing" words open a clause that frames the next one as a feeling or thought ("hatte das Gefühl, der Hals macht
# zu"): a past frame makes the sign after its comma past too (P4i).
_OPTIONAL_CUES = {"owners": ("my", "the", "her", "his", "their", "your", "a"), "rebooking": (), "unbroken": (),
                  "subordinators": (), "answer_no": (), "framing": ()}
_TOKEN_KEYS = {"action", "forms", "hedged", "topics", "other_senses", "confirm_from_day", "urgent_until_day",
               "confirm_with", "safety", "unsettled"}
_ENDINGS = ("s", "es", "ed", "d", "ing", "y", "ish", "ies", "ied")

Phrase = tuple[str, ...]


def words_of(phrase: str, spelling: Spelling = NO_SPELLING) -> Phrase:
    """A lexicon phrase as normalised words (the same splitting the reader uses)."""
    return tuple(re.findall(PIECE, spelling.normalise(phrase, typos=False)))


def variants(word: str, endings: tuple[str, ...] | None = None) -> set[str]:
    """``word`` with its plural and -s/-es/-ed/-ing/-y/-ish endings (P4a), never -ly.

    ``endings`` is another language's list (the lexicon's ``endings``): plain suffixes, added as they are,
    without the English spelling rules (doubled consonant, dropped e, y to ies)."""
    if len(word) <= 2 or not word.isalpha():
        return {word}
    if endings is not None:
        return {word} | {word + end for end in endings}
    out = {word} | {word + end for end in _ENDINGS}
    if word.endswith("e"):
        out |= {word[:-1] + end for end in ("ing", "y", "ish", "ed")}
    if word.endswith("y"):
        out |= {word[:-1] + end for end in ("ies", "ied", "iness")}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        out |= {word + word[-1] + end for end in ("ed", "ing", "y", "ish")}  # throb -> throbbing, red -> reddish
    return out


def _doubled(word: str) -> str | None:
    """``word`` with the consonant before its -ing/-ed/-y/-ish ending doubled ("spining" -> "spinning")."""
    for end in ("ing", "ed", "y", "ish"):
        stem = word[: -len(end)]
        if word.endswith(end) and len(stem) >= 3 and stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou":
            return stem + stem[-1] + end
    return None


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


@dataclass(frozen=True)
class TokenEntry:
    """How one §0 token is written, and what an affirmed mention of it does."""

    token: str
    action: str
    forms: tuple[Phrase, ...]
    hedged: tuple[Phrase, ...]
    topics: tuple[Phrase, ...]
    other_senses: tuple[Phrase, ...]
    confirm_from_day: int | None
    urgent_until_day: int | None
    confirm_with: tuple[str, ...]
    safety: bool = False  # an emergency family (P4f): asking about it is the Q1 safety screen
    # Of ``hedged``, the wordings that say something is off with the function without saying what ("breathing
    # feels weird"): an unsettled mention (P4f), whose question left unanswered 12 h is contact_provider.
    unsettled: frozenset[Phrase] = frozenset()


@dataclass(frozen=True)
class Pair:
    """A body part class and a state class that, said together, are a sign of ``token``
    (``hedged``: a weaker sign the bot asks about, as lip tingling asks the cold-sore question)."""

    token: str
    parts: tuple[str, ...]
    states: tuple[str, ...]
    hedged: bool = False


LONG_LINK = 8  # a treatment word this long forgives one typo (messages/reading_match.py cue_matches)


@dataclass(frozen=True)
class Lexicon:
    """The whole validated lexicon, with the indexes the reader needs."""

    version: str
    language: str
    max_chars: int
    tokens: Mapping[str, TokenEntry]
    cues: Mapping[str, tuple[Phrase, ...]]
    parts: Mapping[str, tuple[Phrase, ...]]
    states: Mapping[str, tuple[Phrase, ...]]
    pairs: tuple[Pair, ...]
    defaults: Mapping[str, str]
    temperature: Mapping[str, Any]
    pain_score: Mapping[str, Any]
    english_words: frozenset[str]
    spelling: Spelling
    short_typo_words: frozenset[str]          # sign words under 5 letters that still forgive one typo (P4i)
    bases: Mapping[str, frozenset[str]]       # inflected variant -> lexicon words it stands for
    typo_index: Mapping[str, tuple[str, ...]]  # deletion key -> variants of 5+ letters and short typo words
    by_first_word: Mapping[str, tuple[tuple[str, str, Phrase], ...]]  # word -> (kind, token or class, phrase)
    cues_by_first_word: Mapping[str, tuple[tuple[str, Phrase], ...]]  # word -> (cue list name, phrase)
    reviewed: bool = False  # read by the clinic's clinician (``reviewed = true``); aftercare doctor --strict needs it
    # cue list name -> its one-word phrases ("locations": {"on", "near", ...}), derived once at load
    cue_words: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    # the one-word treatment links of LONG_LINK letters or more, sorted: those that forgive one typo (reading_match)
    long_links: tuple[str, ...] = ()

    def normalise(self, text: str) -> str:
        """``text`` spelled the way this lexicon's phrases are (see ``messages.reading_spelling``)."""
        return self.spelling.normalise(text)

    def base_words(self, word: str) -> frozenset[str]:
        """The lexicon words a typed word stands for: itself, an inflection, or one typo away
        (in a word of five letters or more, or in one of the short sign words: "lios", "eyse")."""
        found = self.bases.get(word)
        if found is not None:
            # A doubled letter typed once before an ending ("spining", "slured") can look like an ending of
            # another word ("spin", "slur"): it is still the one typo of the doubled form ("spinning").
            doubled = None if word in found or word in self.english_words else _doubled(word)
            return frozenset(found) | self.bases.get(doubled, frozenset()) if doubled else found
        if len(word) < 3 or not word.isalpha() or word in self.english_words:
            return frozenset()
        hits: set[str] = set()
        for key in _deletions(word):
            for variant in self.typo_index.get(key, ()):
                if one_edit(word, variant) and (len(word) >= 5 and len(variant) >= 5
                                                or variant in self.short_typo_words):
                    hits |= self.bases[variant]
        return frozenset(hits)


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"lexicon: {where}: {message}")


def _spelled_phrases(where: str, value: Any, spelling: Spelling = NO_SPELLING) -> tuple[Phrase, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) and words_of(p, spelling) for p in value):
        raise _fail(where, "needs a list of non-empty phrases")
    return tuple(words_of(p, spelling) for p in value)


def _day(where: str, value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise _fail(where, "must be a whole day number >= 0")
    return value


def parse_lexicon(data: Mapping[str, Any], english_words: frozenset[str] = frozenset()) -> Lexicon:
    """Validate a parsed lexicon file; ValueError names the offending token or key."""
    from messages.triage_vocab import SEVERITY_ITEMS, UnknownToken, parse_tokens  # §0: every token belongs to it

    if not isinstance(data.get("version"), str) or not data["version"]:
        raise _fail("version", "must be a non-empty string")
    spelling = parse_spelling("spelling", data.get("spelling"), english_words, _fail)
    _phrases = partial(_spelled_phrases, spelling=spelling)  # every phrase spelled the way messages are

    tokens: dict[str, TokenEntry] = {}
    for name, raw in data.get("token", {}).items():
        try:
            if name not in SEVERITY_ITEMS:  # a bare severity item is a sign whose severity is asked
                parse_tokens([name])
        except UnknownToken:
            raise _fail(f"token.{name}", "not a §0 token") from None
        unknown = set(raw) - _TOKEN_KEYS
        if unknown:
            raise _fail(f"token.{name}", f"unknown key(s) {', '.join(sorted(unknown))}")
        if raw.get("action") not in ACTIONS:
            raise _fail(f"token.{name}", f"action must be one of {ACTIONS}")
        if not raw.get("forms"):
            raise _fail(f"token.{name}", "needs forms")
        unsettled = _phrases(f"token.{name}.unsettled", raw.get("unsettled", []))
        hedged = _phrases(f"token.{name}.hedged", raw.get("hedged", []))
        tokens[name] = TokenEntry(
            name, raw["action"], _phrases(f"token.{name}.forms", raw["forms"]),
            tuple(dict.fromkeys(hedged + unsettled)),  # read like hedged wordings, remembered as unsettled
            *(_phrases(f"token.{name}.{key}", raw.get(key, [])) for key in ("topics", "other_senses")),
            _day(f"token.{name}.confirm_from_day", raw.get("confirm_from_day")),
            _day(f"token.{name}.urgent_until_day", raw.get("urgent_until_day")),
            tuple(raw.get("confirm_with", [])), raw.get("safety", False) is True, frozenset(unsettled),
        )
    for entry in tokens.values():
        for other in entry.confirm_with:
            if other not in tokens:
                raise _fail(f"token.{entry.token}.confirm_with", f"unknown token {other!r}")
    cues = {key: _phrases(f"cues.{key}", data.get("cues", {}).get(key)) for key in _CUE_KEYS}
    for key, default in _OPTIONAL_CUES.items():  # a language that needs its own list names it
        cues[key] = _phrases(f"cues.{key}", data.get("cues", {}).get(key, list(default)))
    parts = {name: _phrases(f"parts.{name}", value) for name, value in data.get("parts", {}).items()}
    states = {name: _phrases(f"states.{name}", value) for name, value in data.get("states", {}).items()}
    pairs = []
    for index, raw in enumerate(data.get("pair", [])):
        where = f"pair #{index + 1}"
        if raw.get("token") not in tokens:
            raise _fail(where, f"unknown token {raw.get('token')!r}")
        if not raw.get("parts") or not set(raw["parts"]) <= set(parts):
            raise _fail(where, "parts must name [parts] classes")
        if not raw.get("states") or not set(raw["states"]) <= set(states):
            raise _fail(where, "states must name [states] classes")
        pairs.append(Pair(raw["token"], tuple(raw["parts"]), tuple(raw["states"]), raw.get("hedged", False) is True))
    defaults = dict(data.get("defaults", {}))
    for state, token in defaults.items():
        if state not in states or token not in tokens:
            raise _fail(f"defaults.{state}", "must map a state class to a token")
    temperature = dict(data.get("temperature", {}))
    for key in ("cues", "celsius_units", "fahrenheit_units", "not_after", "not_before", "not_with"):
        temperature[key] = frozenset(w for p in _phrases(f"temperature.{key}", temperature.get(key)) for w in p)
    for key in ("fever_celsius", "fever_fahrenheit", "normal_celsius", "normal_fahrenheit", "bare_celsius",
                "bare_fahrenheit"):
        pair = temperature.get(key)
        if not (isinstance(pair, list) and len(pair) == 2 and pair[0] < pair[1]):
            raise _fail(f"temperature.{key}", "needs [low, high]")
    if type(temperature.get("window")) is not int:
        raise _fail("temperature.window", "needs a whole number of words")
    pain_score = dict(data.get("pain_score", {}))
    pain_score["cues"] = frozenset(w for p in _phrases("pain_score.cues", pain_score.get("cues")) for w in p)
    for key in ("severe_from", "very_severe_from", "out_of"):
        if type(pain_score.get(key)) is not int:
            raise _fail(f"pain_score.{key}", "needs a whole number")
    if "moderate_from" in pain_score and type(pain_score["moderate_from"]) is not int:
        raise _fail("pain_score.moderate_from", "needs a whole number")
    short = data.get("short_typo_words", [])
    if not isinstance(short, list) or not all(isinstance(w, str) and w.isalpha() for w in short):
        raise _fail("short_typo_words", "needs a list of words")
    max_chars = data.get("max_chars")
    if type(max_chars) is not int or max_chars < 100:
        raise _fail("max_chars", "needs a whole number >= 100")
    endings = data.get("endings")
    if endings is not None and not (isinstance(endings, list) and all(isinstance(e, str) and e.isalpha()
                                                                       for e in endings)):
        raise _fail("endings", "needs a list of word endings")
    endings = tuple(endings) if endings is not None else None
    vocabulary = {w for entry in tokens.values()
                  for group in (entry.forms, entry.hedged, entry.topics, entry.other_senses) for p in group for w in p}
    vocabulary |= {w for group in (parts, states) for ps in group.values() for p in ps for w in p}
    vocabulary |= temperature["cues"] | pain_score["cues"]
    bases: dict[str, set[str]] = {}
    for word in vocabulary:
        for variant in variants(word, endings):
            bases.setdefault(variant, set()).add(word)
    typo_index: dict[str, set[str]] = {}
    for variant in bases:
        if (len(variant) >= 5 or variant in short) and variant.isalpha():
            for key in _deletions(variant):
                typo_index.setdefault(key, set()).add(variant)
    by_first: dict[str, list[tuple[str, str, Phrase]]] = {}
    for entry in tokens.values():
        for kind, group in (("form", entry.forms), ("hedged", entry.hedged), ("topic", entry.topics),
                            ("other", entry.other_senses)):
            for phrase in group:
                by_first.setdefault(phrase[0], []).append((kind, entry.token, phrase))
    for kind, classes in (("part", parts), ("state", states)):
        for name, group in classes.items():
            for phrase in group:
                by_first.setdefault(phrase[0], []).append((kind, name, phrase))
    cues_by_first: dict[str, list[tuple[str, Phrase]]] = {}
    for name, phrases in cues.items():
        for phrase in phrases:
            cues_by_first.setdefault(phrase[0], []).append((name, phrase))
    return Lexicon(
        version=data["version"], language=str(data.get("language", "")), max_chars=max_chars,
        reviewed=data.get("reviewed") is True,
        tokens=MappingProxyType(tokens), cues=MappingProxyType(cues), parts=MappingProxyType(parts),
        states=MappingProxyType(states), pairs=tuple(pairs), defaults=MappingProxyType(defaults),
        temperature=MappingProxyType(temperature), pain_score=MappingProxyType(pain_score),
        english_words=english_words, spelling=spelling, short_typo_words=frozenset(short),
        bases=MappingProxyType({k: frozenset(v) for k, v in bases.items()}),
        typo_index=MappingProxyType({k: tuple(sorted(v)) for k, v in typo_index.items()}),
        by_first_word=MappingProxyType({k: tuple(v) for k, v in by_first.items()}),
        cues_by_first_word=MappingProxyType({k: tuple(v) for k, v in cues_by_first.items()}),
        cue_words=MappingProxyType({name: frozenset(p[0] for p in phrases if len(p) == 1)
                                    for name, phrases in cues.items()}),
        long_links=tuple(sorted(p[0] for p in cues.get("patient_links", ())
                                if len(p) == 1 and len(p[0]) >= LONG_LINK)),
    )


@lru_cache(maxsize=4)
def load_lexicon(language: str = "en") -> Lexicon:
    """Read and validate the lexicon shipped in ``messages/lexicon/`` (cached)."""
    folder = resources.files("messages").joinpath("lexicon")
    data = tomllib.loads(folder.joinpath(f"{language}.toml").read_text(encoding="utf-8"))
    words_file = data.get("words_file") or data.get("english_words_file")  # the language's real words
    english = frozenset()
    if words_file:
        english = frozenset(line.strip() for line in folder.joinpath(words_file).read_text(encoding="utf-8")
                            .splitlines() if line.strip() and not line.startswith("#"))
    return parse_lexicon(data, english)

"""What the check-in decides, as pure functions of plain values: the shell only carries it out.

- the tick rules of the multi-select question and how a typed text reads
  (an answer to the question on screen, a sign to act on, confirm or ask about, or nothing);
- what to do after an answer (P9a: advice and alert at once for an urgent rule) and when
  a check-in is left unfinished (P5a: triaged on the answers given, marked partial);
- what counts as a risk, which verdicts alert the clinic (once per check-in and reason),
  the 12-hour windows, the history tokens, and the advice as catalog keys.

```mermaid
flowchart TD
  typed[typed text] --> red{affirmed emergency / urgent sign?}
  red -->|emergency| e4([E4: emergency advice + alert, then Q1])
  red -->|urgent| u10([U10: urgent advice + alert, then confirm in one tap])
  red -->|no| answer{an answer to the question on screen?}
  answer -->|yes| next([record it, next question])
  answer -->|no| other{a sign to confirm, or a negated one?}
  other -->|confirm| confirm([one-tap confirmation; unanswered in 12 h = Yes])
  other -->|negated / hedged| ask([just to check, in one tap])
  other -->|nothing| m11([M11: answer, clinic contact, check-in buttons])
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable

from messages import questionnaire as q
from messages.reading import Reading, read_all
from messages.reading_lexicon import Lexicon
from messages.triage import LEVELS, Reason, UnknownToken, Verdict, evaluate_tokens
from messages.triage_vocab import SEVERITY_ITEMS
from messages.words import Words
from messages.yes_no import read_yes_no

ALERT_FROM = LEVELS.index("contact_provider")  # the clinic hears of contact_provider and above
ACT_AT_ONCE = LEVELS.index("urgent")           # P9a: advice and alert before the last question
NO_RESPONSE_AFTER = timedelta(hours=12)        # P5 / P5a: a prompt or an open check-in this old is closed
TIPS = 5
HISTORY = ("risk:", "previous_outcome:", "rash_first_reported_day:")
# A previous check-in's tokens -> the "Still there?" item that re-asks them.
_STILL_OF = {"pimples": "pimples", "pus": "pus", "yellow_crusts": "pus", "blisters": "blisters",
             "cold_sores": "blisters", "spots": "spots", "peeling": "peeling", "bruising": "bruising",
             "lip_swelling": "lips", "eye_problem": "eye", "lumps": "lumps", "scar_lines": "lines",
             "hives": "hives", "spreading_redness": "spreading"}


def rank(level: str) -> int:
    return LEVELS.index(level)


def needs_alert(level: str) -> bool:
    return rank(level) >= ALERT_FROM


def risk_tokens(immunocompromised: str | None, cold_sore_history: str | None, skin_type: str | None) -> list[str]:
    """Profile risks (P6). An unsure immune answer counts as yes: it can only raise a level."""
    tokens = []
    if immunocompromised in {"yes", "unsure"}:
        tokens.append("risk:immunocompromised")
    if cold_sore_history == "yes":
        tokens.append("risk:cold_sore_history")
    if skin_type in {"IV", "V", "VI"}:
        tokens.append("risk:fitzpatrick_iv_vi")
    return tokens


def history_tokens(previous_level: str | None, rash_onset: int | None, day: int) -> list[str]:
    """What the rules need from earlier check-ins: the previous outcome and the rash onset (P1b, P3)."""
    tokens = [f"previous_outcome:{previous_level}"] if previous_level else []
    if rash_onset is not None and rash_onset <= day:
        tokens.append(f"rash_first_reported_day:{rash_onset}")
    return tokens


def shown_answers(tokens: Iterable[str]) -> list[str]:
    """The tokens that are the patient's own answers (not history, risks or free text), for summaries."""
    return [t for t in tokens if not t.startswith(HISTORY + ("free_text:",))]


def still_items(previous_tokens: Iterable[str]) -> tuple[str, ...]:
    """§4 "Still there?": every item at mild or above, or present, in the previous check-in."""
    found = set()
    for token in previous_tokens:
        name, _, value = token.partition(":")
        if name in q.SKIN_ITEMS + ("rash",) and value and value != "none":
            found.add(name)
        elif name in _STILL_OF and value != "none":
            found.add(_STILL_OF[name])
    return tuple(item for item in q.STILL_ORDER if item in found)


def still_items_after(history: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """The "still there?" items of a new check-in, from the token lists of earlier verdicts (oldest first):
    the newest one that holds answers (a day without any answer says nothing about what went away)."""
    answered = [tokens for tokens in map(list, history) if shown_answers(tokens) not in ([], ["no_response"])]
    return still_items(answered[-1]) if answered else ()


def tick(selection: list[str], pick: str) -> tuple[list[str], str | None]:
    """One tap on a multi-select option: the new ticks, and the answer when the tap completes it.

    "None of these" with nothing ticked answers in one tap; with ticks it clears them (Done confirms)."""
    if pick == "none" and not selection:
        return [], "none"
    if pick == "none":
        return ([] if "none" in selection else ["none"]), None
    if pick in selection:
        return [s for s in selection if s != pick], None
    return [s for s in selection if s != "none"] + [pick], None


def done(question: q.Question, selection: list[str]) -> str | None:
    """Done on a multi-select question: its answer in option order, or None when nothing is ticked."""
    return ",".join(o for o in question.options if o in selection) or None


def read_typed(question: q.Question, text: str, words: Words, sentence: bool = True) -> str | None:
    """The option a typed answer stands for (its label, its value, a word form, a 0-4 score), else None.

    At a yes / no question (the Q1 safety screen, a one-tap confirmation) with ``sentence``, the obvious sentence
    too ("No, nothing like that", "no dear": messages.yes_no; a hedged one is Not sure). ``read_text`` passes
    ``sentence=False`` when the text names any sign, so a sign is never answered away as a plain No."""
    if question.multi:
        picks = words.read_many(text, question.options)
        if picks and ("none" not in picks or picks == ("none",)):
            return ",".join(o for o in question.options if o in picks)
        return None
    answer = words.read(text, question.options)
    if answer is None and sentence and {"yes", "no"} <= set(question.options):
        answer = read_yes_no(text, words)
    return answer if answer in question.options else None


@dataclass(frozen=True)
class TextReading:
    """What a typed message means here: act on signs, take it as the answer, ask, or just reply (M11)."""

    kind: str                      # "emergency" | "urgent" | "answer" | "asks" | "nothing"
    answer: str | None = None      # the option, when kind == "answer"
    signs: tuple[str, ...] = ()    # tokens of the affirmed signs that act at once
    asks: tuple[str, ...] = ()     # one-tap questions to ask first (confirm_* / ask_*)
    safety: bool = False           # Reading.safety_question: show the emergency advice or ask Q1 at once (P4f, P4i)
    # The asks matter beside another answer (an everyday question, a caption, an edit): a red-flag mention the
    # patient must be asked about, or a sign that, confirmed, calls for the clinic on this day ("my cheeks are
    # still red" on day 10 is C8), unlike "is it normal to peel on day 4?" (N6), which only the everyday answer needs.
    worrying: bool = False
    # P4g: in a language no installed lexicon reads: Q1 in one tap, and a person reads it (the clinic chat).
    unread: bool = False


def read_text(text: str, question: q.Question | None, words: Words, day: int | None = None,
              lexicon: Lexicon | None = None) -> TextReading:
    """How a typed text reads in the chat (P4c), with the question on screen if a check-in is open.

    Affirmed emergency and urgent signs come first (never "please tap a button"); then a typed
    answer to the question on screen; then signs to confirm and negated or hedged mentions to ask about.
    ``day`` (days since treatment) lets day-bound signs read as the rules do: blisters are urgent only to day 14,
    redness "still there" is confirmed only from day 8; without it the safer reading is used."""
    reading = read_all(text, lexicon, day=day)
    asks = tuple(dict.fromkeys([q.sign_question("confirm", token).id for token in reading.urgent]
                               + [q.sign_question("confirm", token).id for token in reading.confirm]
                               + [q.sign_question("ask", token).id for token in reading.passed + reading.ask]))
    safety = reading.safety_question
    if safety and not reading.emergency:  # P4f: an unsettled or passed red-flag mention gets the Q1 screen first,
        asks = ("safety",) + tuple(a for a in asks if q.sign_token(a) not in Q1_SIGNS)  # which asks about those
    asks += _unsettled_marks(reading, asks) + tuple(q.PASSED + token for token in reading.passed)
    if reading.emergency:
        return TextReading("emergency", signs=reading.emergency, safety=True)
    if question is not None and (answer := affirmation(question, reading)) is not None:
        return TextReading("answer", answer=answer, safety=safety)
    if reading.urgent:
        return TextReading("urgent", signs=reading.urgent, asks=asks, safety=safety)
    answer = read_typed(question, text, words, sentence=not reading.signs) if question is not None else None
    if answer is None and question is not None:
        answer = denial(question, reading)
    if answer is not None:
        return TextReading("answer", answer=answer, safety=safety)
    if reading.unread:  # P4g: not "nothing found": the Q1 safety screen in one tap first, and the clinic reads it
        return TextReading("asks", asks=asks if "safety" in asks else ("safety",) + asks, safety=True,
                           worrying=True, unread=True)
    if asks:
        worrying = safety or day is None or _calls_for_the_clinic(reading.confirm + reading.ask + reading.passed, day)
        return TextReading("asks", asks=asks, safety=safety, worrying=worrying)
    return TextReading("nothing")


# The signs the Q1 safety screen itself asks about (§4 Q1: breathing, swallowing, tongue or throat, faint, confused).
Q1_SIGNS = frozenset({"breathing_difficulty", "tongue_throat_swelling", "faint", "confusion"})


def _unsettled_marks(reading: Reading, asks: tuple[str, ...]) -> tuple[str, ...]:
    """P4f: the marks ("p4f:safety:tongue_throat_swelling", "p4f:ask_eye_problem:eye_problem") of the asks that are
    about a mention the reader could not settle: the sign's own question, and the Q1 screen for an emergency
    family. They are kept with the check-in's asks (``q.next_question`` passes over them)."""
    marks = []
    for token in reading.unsettled:
        about = [q.sign_question("ask", token).id] + (["safety"] if token in reading.safety_tokens else [])
        marks += [q.unsettled_mark(ask, token) for ask in about if ask in asks]
    return tuple(marks)


def _calls_for_the_clinic(tokens: tuple[str, ...], day: int) -> bool:
    """Whether signs to confirm would, confirmed at their mildest, call for the clinic on ``day`` (C-rules and up);
    a token the rules cannot take counts as worrying (the safer reading)."""
    if not tokens:
        return False
    mildest = [t if ":" in t or t not in SEVERITY_ITEMS else f"{t}:mild" for t in tokens]
    try:
        level = evaluate_tokens(mildest, day).level
    except UnknownToken:
        return True
    return LEVELS.index(level) >= LEVELS.index("contact_provider")


def affirmation(question: q.Question, reading: Reading) -> str | None:
    """At a sign's confirmation ("just to be sure: do you have a fever right now?", asked after its advice), a
    message affirming that sign and nothing else ("yes I have a fever") is the answer Yes, not the advice again."""
    if not question.id.startswith("confirm_") or "yes" not in question.options:
        return None
    name = q.sign_token(question.id).partition(":")[0]
    affirmed = reading.urgent + reading.confirm
    return "yes" if affirmed and all(token.partition(":")[0] == name for token in affirmed) else None


def denial(question: q.Question, reading: Reading) -> str | None:
    """At the question about one sign (its one-tap question, or the check-in's own: "How much pain?", "A fever?"),
    a message that only denies that sign ("no fever", "no pain", "temp is 36.8") answers it: No, or None.
    A hedged, someone else's or possible mention, or any other sign in the message, answers nothing."""
    name = q.sign_token(question.id) if question.id.startswith(("confirm_", "ask_")) else question.id
    denied = {token.partition(":")[0] for token in reading.denied}
    if name.partition(":")[0] not in denied or any(sign.token.partition(":")[0] not in denied
                                                    for sign in reading.signs):
        return None
    return next((option for option in ("no", "none") if option in question.options), None)


FREE_TEXT_RULES = {"emergency": "E4", "urgent": "U10"}  # a typed sign's own rule: one rule, many signs (P4c)


def free_text_verdict(kind: str, signs: tuple[str, ...], rules_version: str) -> Verdict:
    """E4 / U10: an affirmed emergency or urgent sign in typed text acts at once (P4c)."""
    rule = FREE_TEXT_RULES[kind]
    return Verdict(kind, (Reason(rule, kind, signs),), rules_version)


def merge(earlier: Verdict | None, later: Verdict) -> Verdict:
    """The check-in's verdict so far and a newer one: later answers can raise a level, never lower it.

    E4 and U10 keep every sign typed in the check-in ("lips swelling", then "temp 38.9": U10 names both, P9b)."""
    if earlier is None:
        return later
    reasons = {r.rule: r for r in earlier.reasons}
    for r in later.reasons:
        kept = reasons.get(r.rule)
        if kept is not None and r.rule in FREE_TEXT_RULES.values():
            r = Reason(r.rule, r.level, tuple(dict.fromkeys(kept.answers + r.answers)))
        reasons[r.rule] = r
    ordered = sorted(reasons.values(), key=lambda r: -rank(r.level))
    if later.level == "normal" and earlier.level == "normal":
        ordered = list(later.reasons)
    level = max(earlier.level, later.level, key=rank)
    if level != "normal":  # reassurance is not a reason once something worse was found
        ordered = [r for r in ordered if r.level != "normal"]
    return Verdict(level, tuple(ordered), later.rules_version)


def advised_later(verdict: Verdict) -> bool:
    """P10: a verdict reached after the patient left sends its advice, from monitor up. A normal one does not: half
    a check-in is no ground for reassurance (P5), and nothing asks the patient to act on it."""
    return rank(verdict.level) >= rank("monitor")


def plans_followup(verdict: Verdict) -> bool:
    """A monitor result adds a check-in prompt next morning (§4 cadence)."""
    return verdict.level == "monitor"


def acts_now(verdict: Verdict) -> bool:
    """P9a: answers so far match an urgent (or emergency) rule, so advice and alert come at once."""
    return rank(verdict.level) >= ACT_AT_ONCE


def alert_reasons(verdict: Verdict) -> tuple[str, ...]:
    """What of this verdict is worth a clinic alert, as keys: the shell alerts once per check-in and key.

    A rule of the table is its own key (U4 is the lips, U1 a fever with skin symptoms); E4 and U10, which stand
    for any typed sign, count each sign apart ("U10:fever"), so a new sign alerts even after an earlier one of
    the same check-in was alerted and acknowledged, and a sign typed again does not (P9b)."""
    if not needs_alert(verdict.level):
        return ()
    keys: list[str] = []
    for r in verdict.reasons:
        if needs_alert(r.level):
            keys += [f"{r.rule}:{sign}" for sign in r.answers] if r.rule in FREE_TEXT_RULES.values() and r.answers \
                else [r.rule]
    return tuple(dict.fromkeys(keys))


def acknowledgement_key(levels: Iterable[str]) -> str:
    """What the patient is told when staff acknowledge an alert, by the highest of ``levels`` (the alert's and its
    check-in's now): an urgent or emergency instruction is repeated, never replaced by "we'll be in touch" (P10)."""
    top = max(levels, key=rank, default="contact_provider")
    return {"emergency": "clinic.acknowledged_emergency", "urgent": "clinic.acknowledged_urgent"}.get(
        top, "clinic.acknowledged")


def closing_tokens(answers: q.Answers, asks: tuple[str, ...]) -> list[str]:
    """The answers of a check-in being closed, finished or not (P5a): questions not reached are absent;
    a confirmation of a typed sign left unanswered counts as Yes (P4c); no answer at all is no_response."""
    given = dict(answers)
    tokens = q.to_tokens(answers)
    for ask in asks:
        if ask.startswith("confirm_") and ask not in given:
            name = q.sign_token(ask)
            tokens += q.sign_answer_tokens(ask, "unsure" if name in q.SKIN_ITEMS + ("rash",) else "yes")
    return list(dict.fromkeys(tokens)) or ["no_response"]


def closing_verdict(answers: q.Answers, asks: tuple[str, ...], rules_version: str) -> Verdict | None:
    """What typed text adds when a check-in closes, beside its answers: P4f, a question about an unsettled mention
    still unanswered (derived, 12 h: ``NO_RESPONSE_AFTER``), so a person looks at it; P4i, an emergency sign typed
    as passed, whatever the answers, so the clinic hears of it. Both contact_provider; None when neither."""
    given = dict(answers)
    marked = [q.unsettled_of(ask) for ask in asks if ask.startswith(q.UNSETTLED)]
    unsettled = tuple(dict.fromkeys(f"asked_about:{token}" for ask, token in marked if ask not in given))
    passed = tuple(dict.fromkeys(ask.removeprefix(q.PASSED) for ask in asks if ask.startswith(q.PASSED)))
    reasons = tuple(Reason(rule, "contact_provider", about) for rule, about in (("P4i", passed), ("P4f", unsettled))
                    if about)
    return Verdict("contact_provider", reasons, rules_version) if reasons else None


@dataclass(frozen=True)
class Advice:
    """What the patient is told about a verdict, as catalog keys plus the answers behind it."""

    keys: tuple[str, ...]
    answers: tuple[str, ...]
    mentions_message: bool = False


def advice(verdict: Verdict, day: int, has_text: Iterable[str] = ()) -> Advice:
    """The level's headline, the reasons at that level, and for normal healing the timeline and a tip.

    ``has_text`` lists the catalog keys that exist (rules without a line are skipped)."""
    known = set(has_text)
    shown = [r for r in verdict.reasons if r.level == verdict.level] or list(verdict.reasons[:1])
    keys = [f"triage.level_{verdict.level}"] + [k for r in shown if (k := f"triage.rule_{r.rule}") in known]
    answers = sorted({a for r in shown for a in r.answers if not a.startswith(("free_text:", "asked_about:"))})
    if verdict.level == "normal":
        keys += [f"timeline:{day}", f"checkin.tip_{day % TIPS}"]
    return Advice(tuple(keys), tuple(answers), any(a.startswith(("free_text:", "asked_about:"))
                                                   for r in shown for a in r.answers))

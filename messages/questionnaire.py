"""The daily check-in questions (triage-rules.md §4, v2) as a pure state machine.

Answers are an ordered list of ``(question, value)`` pairs; ``next_question``
derives what to ask from them, so "back" is just dropping the last pair and a
resumed check-in continues exactly where it stopped. Two lists fixed when a
check-in begins shape it too: ``still`` (the items of the previous check-in,
re-asked by name) and ``asks`` (one-tap questions about what the patient typed,
asked first). ``to_tokens`` turns the answers into the §0 vocabulary.

```mermaid
flowchart TD
  asks[typed sign: confirm or just-to-check] --> safety
  safety -->|yes / not sure| stop([emergency message, stop])
  safety -->|no| trend --> still[still there? each item of last time] -->|yes / not sure| sev[its severity] --> path
  still -->|no| path{day > 7 and not worse?}
  path -->|yes| anything[anything bothering your skin now?] -->|no| fever
  anything -->|yes, show me| redness
  path -->|no| redness --> swelling --> pain -->|>= moderate| interference --> itching
  pain --> itching --> now[any of these now?]
  now -->|rash| rash_severity --> rash_onset
  now -->|hives| hives_where
  now -->|dark spots| spots_darker
  now -->|spreading| spreading_sure
  now --> fever
  fever -->|worse, nothing named| what_worse[what is getting worse?] --> done([evaluate])
  fever --> done
```
"""

from __future__ import annotations

from dataclasses import dataclass

from messages.triage_vocab import SEVERITY_ITEMS, UNSURE_PRESENCE_ITEMS

SEVERITY = ("none", "mild", "moderate", "severe", "very_severe", "unsure")
INTERFERENCE = ("0", "1", "2", "3", "4")
YES_NO_UNSURE = ("yes", "no", "unsure")
YES = {"yes", "unsure"}  # P2: a Not sure counts as present
# Q7 options -> the presence tokens they stand for.
NEW_SIGNS: dict[str, tuple[str, ...]] = {
    "rash": (), "hives": (), "pimples": ("pimples",), "pus": ("pus", "yellow_crusts"),
    "blisters": ("blisters", "cold_sores"), "spreading": (), "spots": ("spots",), "peeling": ("peeling",),
    "bruising": ("bruising",), "lips": ("lip_swelling",), "eye": ("eye_problem",), "lumps": ("lumps",),
    "lines": ("scar_lines",),
}
SKIN_ITEMS = ("redness", "swelling", "pain", "itching")  # Q3-Q6
STILL_ORDER = SKIN_ITEMS + tuple(NEW_SIGNS)  # "Still there?" asks in this order
FAST_PATH_AFTER_DAY = 7
WORSE = {"worsening", "unsure"}
# Follow-up questions of a Q7 sign.
FOLLOW_UPS = {"rash": ("rash_severity", "rash_onset"), "hives": ("hives_where",), "spots": ("spots_darker",),
              "spreading": ("spreading_sure",)}


@dataclass(frozen=True)
class Question:
    """One question: its id, the allowed answers, and whether several can be ticked."""

    id: str
    options: tuple[str, ...]
    multi: bool = False


QUESTIONS = {q.id: q for q in (
    Question("safety", YES_NO_UNSURE),
    Question("trend", ("improving", "same", "worsening", "unsure")),
    Question("redness", SEVERITY), Question("swelling", SEVERITY), Question("pain", SEVERITY),
    Question("interference", INTERFERENCE), Question("itching", SEVERITY),
    Question("new", tuple(NEW_SIGNS) + ("none",), multi=True),
    Question("rash_severity", SEVERITY[1:]),
    Question("rash_onset", ("today", "yesterday", "2_days", "3plus", "unsure")),
    Question("hives_where", ("treated", "elsewhere", "unsure")),
    Question("spots_darker", YES_NO_UNSURE),
    Question("spreading_sure", ("sure", "unsure")),
    Question("fever", YES_NO_UNSURE),
    Question("anything", ("none", "tell")),
    Question("what_worse", SKIN_ITEMS + tuple(NEW_SIGNS) + ("none",), multi=True),
    *(Question(f"still_{item}", YES_NO_UNSURE) for item in STILL_ORDER),
    *(Question(f"worse_{item}", SEVERITY[1:]) for item in SKIN_ITEMS),
)}

Answers = list[tuple[str, str]]


def sign_question(kind: str, token: str) -> Question:
    """A one-tap question about a typed sign (P4c): ``kind`` is "confirm" or "ask"."""
    name, _, value = token.partition(":")
    options = SEVERITY[1:] + ("none",) if name in SEVERITY_ITEMS and not value else YES_NO_UNSURE
    return Question(f"{kind}_{token.replace(':', '.')}", options)


# An ``asks`` entry "p4f:<ask>:<token>" is no question: it marks ``ask`` as being about a mention of ``token`` the
# reader could not settle (P4f), so that, left unanswered when the check-in closes, it is contact_provider.
# "p4i:<token>" marks an emergency sign the patient typed as passed (P4i): contact_provider, whatever the answers.
UNSETTLED, PASSED = "p4f:", "p4i:"
MARKS = (UNSETTLED, PASSED)


def unsettled_mark(ask: str, token: str) -> str:
    return f"{UNSETTLED}{ask}:{token}"


def unsettled_of(mark: str) -> tuple[str, str]:
    """The ask and the token of an unsettled mark (question ids hold no colon; tokens may)."""
    ask, _, token = mark.removeprefix(UNSETTLED).partition(":")
    return ask, token


def question(question_id: str) -> Question | None:
    """The question with this id (including one-tap sign questions), or None."""
    if question_id.startswith(("confirm_", "ask_")):
        kind, _, token = question_id.partition("_")
        return sign_question(kind, token.replace(".", ":"))
    return QUESTIONS.get(question_id)


def sign_token(question_id: str) -> str:
    """The §0 token a one-tap sign question is about."""
    return question_id.partition("_")[2].replace(".", ":")


def is_emergency_stop(answers: Answers) -> bool:
    """P9: a Yes or Not sure on the safety screen ends the check-in at once."""
    return dict(answers).get("safety") in YES


def picked(given: dict[str, str], question_id: str) -> list[str]:
    return [s for s in given.get(question_id, "").split(",") if s and s != "none"]


def _signs(given: dict[str, str], still: tuple[str, ...]) -> list[str]:
    """Q7 signs present: ticked now, still there from last time, or named as getting worse."""
    signs = picked(given, "new") + picked(given, "what_worse")
    signs += [item for item in still if given.get(f"still_{item}") in YES]
    return [s for s in dict.fromkeys(signs) if s in NEW_SIGNS]


def _follow_ups(signs: list[str], onset_known: bool) -> list[str]:
    order = []
    for sign in FOLLOW_UPS:
        if sign in signs:
            order += [f for f in FOLLOW_UPS[sign] if not (f == "rash_onset" and onset_known)]
    return order


def next_question(answers: Answers, day: int, rash_onset_known: bool, still: tuple[str, ...] = (),
                  asks: tuple[str, ...] = ()) -> Question | None:
    """The next question to ask, or None when the check-in is complete."""
    given = dict(answers)
    if "safety" in asks and "safety" not in given:
        return QUESTIONS["safety"]  # P4f: an unsettled breathing, throat or faint mention is asked at once
    for ask in asks:
        if ask not in given and not ask.startswith(MARKS):
            return question(ask)
    if "safety" not in given:
        return QUESTIONS["safety"]
    if is_emergency_stop(answers):
        return None
    order: list[str] = ["trend"] if day > 0 else []
    for item in still:  # "Still there?" by name, whatever the path; Yes or Not sure asks its severity
        order.append(f"still_{item}")
        if given.get(f"still_{item}") in YES:
            order += [item] if item in SKIN_ITEMS else _follow_ups([item], rash_onset_known)
    worse = given.get("trend") in WORSE
    if day > FAST_PATH_AFTER_DAY and not worse:
        order.append("anything")
    if not (day > FAST_PATH_AFTER_DAY and not worse and given.get("anything") != "tell"):
        for item in SKIN_ITEMS:
            if f"still_{item}" not in order:
                order.append(item)
            if item == "pain" and given.get("pain") in {"moderate", "severe", "very_severe", "unsure"}:
                order.append("interference")
        order.append("new")
        order += [f for f in _follow_ups(_signs(given, still), rash_onset_known) if f not in order]
    order.append("fever")
    missing = _first_missing(order, given)
    if missing is not None:
        return missing
    if "what_worse" in given or (worse and not has_symptom(to_tokens(answers))):  # P1a: worse, nothing named
        later = ["what_worse"] + [f"worse_{item}" for item in picked(given, "what_worse") if item in SKIN_ITEMS]
        return _first_missing(later + _follow_ups(_signs(given, still), rash_onset_known), given)
    return None


def _first_missing(order: list[str], given: dict[str, str]) -> Question | None:
    return next((question(q) for q in order if q not in given), None)


def valid_answer(question: Question, value: str) -> bool:
    if question.multi:
        picks = value.split(",") if value else []
        return bool(picks) and all(p in question.options for p in picks) and (
            "none" not in picks or picks == ["none"])
    return value in question.options


def rash_onset_day(answers: Answers, day: int) -> int | None:
    """The day the rash was first reported, from the onset answer (None if not asked or not sure: P3)."""
    onset = dict(answers).get("rash_onset")
    if onset is None or onset not in {"today", "yesterday", "2_days", "3plus"}:
        return None
    back = {"today": 0, "yesterday": 1, "2_days": 2, "3plus": 3}[onset]
    # "3 or more days ago" takes the latest day it could mean: the later onset is the safer reading (C4).
    return max(0, day - back)


def sign_answer_tokens(question_id: str, value: str) -> list[str]:
    """The tokens a one-tap sign question's answer records: Yes and Not sure record the sign (P4c)."""
    token = sign_token(question_id)
    name, _, sub = token.partition(":")
    if name in SEVERITY_ITEMS and not sub:
        return [f"{name}:{value}"]
    if value == "yes":
        return [token]
    if value == "unsure":
        return [f"{name}:unsure" if name in UNSURE_PRESENCE_ITEMS and not sub else token]
    return []


def to_tokens(answers: Answers) -> list[str]:
    """The §0 vocabulary for these answers (history and risk tokens are added by the caller)."""
    given = dict(answers)
    tokens: list[str] = []
    if given.get("safety") == "yes":
        tokens.append("breathing_difficulty")
    elif given.get("safety") == "unsure":
        tokens.append("breathing_difficulty:unsure")
    if "trend" in given:
        tokens.append(f"trend:{given['trend']}")
    for question_id, value in answers:
        if question_id.startswith(("confirm_", "ask_")):
            tokens += sign_answer_tokens(question_id, value)
    for item in SKIN_ITEMS:
        if item in given:
            tokens.append(f"{item}:{given[item]}")
        elif given.get(f"still_{item}") == "no":
            tokens.append(f"{item}:none")
        if f"worse_{item}" in given:
            tokens.append(f"{item}:{given[f'worse_{item}']}")
    still = tuple(q.removeprefix("still_") for q in given if q.startswith("still_"))
    signs = _signs(given, still)
    for sign in signs:
        tokens.extend(NEW_SIGNS[sign])
    if "rash" in signs:
        tokens.append(f"rash:{given.get('rash_severity', 'unsure')}")
    elif given.get("still_rash") == "no":
        tokens.append("rash:none")
    if "hives" in signs:
        tokens.append("hives:widespread" if given.get("hives_where") in {"elsewhere", "unsure"} else "hives")
    if "spots" in signs and given.get("spots_darker") in YES:
        tokens.append("spots:darkening")
    if "spreading" in signs:
        tokens.append("spreading_redness" if given.get("spreading_sure") == "sure" else "spreading_redness:unsure")
    if given.get("fever") == "yes":
        tokens.append("fever")
    elif given.get("fever") == "unsure":
        tokens.append("fever:unsure")
    if "none" in {given.get("new"), given.get("anything"), given.get("what_worse")} and not has_symptom(tokens):
        tokens.append("none")
    return list(dict.fromkeys(tokens))


def has_symptom(tokens: list[str]) -> bool:
    """Whether any token names a symptom (P1a: trend, risk, history and ``none`` are not symptoms)."""
    return any(not t.startswith(("trend:", "risk:", "previous_outcome:", "rash_first_reported_day:"))
               and not t.endswith(":none") and t not in {"none", "no_response"} for t in tokens)

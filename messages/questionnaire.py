"""The daily check-in questions (triage-rules.md §4) as a pure state machine.

Answers are an ordered list of ``(question, value)`` pairs; ``next_question``
derives what to ask from them, so "back" is just dropping the last pair and a
resumed check-in continues exactly where it stopped. ``to_tokens`` turns the
answers into the §0 vocabulary that triage evaluates.

```mermaid
flowchart TD
  safety -->|yes / not sure| stop([emergency message, stop])
  safety -->|no| trend -->|day <= 7| redness --> swelling --> pain -->|>= moderate| interference --> itching
  pain --> itching --> new
  trend -->|day > 7| fever2[fever] --> anything -->|tell us| redness
  anything -->|none| done([evaluate])
  new -->|rash| rash_severity --> rash_onset
  new -->|hives| hives_where
  new -->|dark spots| spots_darker
  new -->|spreading| spreading_sure
  new --> fever --> done
```
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY = ("none", "mild", "moderate", "severe", "very_severe", "unsure")
INTERFERENCE = ("0", "1", "2", "3", "4")
YES_NO_UNSURE = ("yes", "no", "unsure")
# Q7 options -> the presence tokens they stand for.
NEW_SIGNS: dict[str, tuple[str, ...]] = {
    "rash": (), "hives": (), "pimples": ("pimples",), "pus": ("pus", "yellow_crusts"),
    "blisters": ("blisters", "cold_sores"), "spreading": (), "spots": ("spots",), "peeling": ("peeling",),
    "bruising": ("bruising",), "lips": ("lip_swelling",), "eye": ("eye_problem",), "lumps": ("lumps",),
    "lines": ("scar_lines",),
}
FAST_PATH_AFTER_DAY = 7


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
    Question("rash_onset", ("today", "yesterday", "2", "3plus")),
    Question("hives_where", ("treated", "elsewhere")),
    Question("spots_darker", YES_NO_UNSURE),
    Question("spreading_sure", ("sure", "unsure")),
    Question("fever", YES_NO_UNSURE),
    Question("anything", ("none", "tell")),
)}

Answers = list[tuple[str, str]]


def _answered(answers: Answers) -> dict[str, str]:
    return dict(answers)


def is_emergency_stop(answers: Answers) -> bool:
    """P9: a Yes or Not sure on the safety screen ends the check-in at once."""
    return _answered(answers).get("safety") in {"yes", "unsure"}


def next_question(answers: Answers, day: int, rash_onset_known: bool) -> Question | None:
    """The next question to ask, or None when the check-in is complete."""
    given = _answered(answers)
    if "safety" not in given:
        return QUESTIONS["safety"]
    if is_emergency_stop(answers):
        return None
    order: list[str] = []
    if day > 0:
        order.append("trend")
    if day > FAST_PATH_AFTER_DAY:
        # P1a: "worse" (or not sure) is never closed with "nothing new": the full questions find out what.
        worse = given.get("trend") in {"worsening", "unsure"}
        order += ["fever"] + ([] if worse else ["anything"])
        if not worse and given.get("anything") != "tell":
            return _first_missing(order, given)
    order += ["redness", "swelling", "pain"]
    if given.get("pain") in {"moderate", "severe", "very_severe", "unsure"}:
        order.append("interference")
    order += ["itching", "new"]
    signs = set(given.get("new", "").split(",")) if "new" in given else set()
    if "rash" in signs:
        order.append("rash_severity")
        if not rash_onset_known:
            order.append("rash_onset")
    if "hives" in signs:
        order.append("hives_where")
    if "spots" in signs:
        order.append("spots_darker")
    if "spreading" in signs:
        order.append("spreading_sure")
    if "fever" not in order:
        order.append("fever")
    return _first_missing(order, given)


def _first_missing(order: list[str], given: dict[str, str]) -> Question | None:
    return next((QUESTIONS[q] for q in order if q not in given), None)


def valid_answer(question: Question, value: str) -> bool:
    if question.multi:
        picked = value.split(",") if value else []
        return bool(picked) and all(p in question.options for p in picked) and (
            "none" not in picked or picked == ["none"])
    return value in question.options


def rash_onset_day(answers: Answers, day: int) -> int | None:
    """The day the rash was first reported, from the onset answer (None if not asked)."""
    onset = _answered(answers).get("rash_onset")
    if onset is None:
        return None
    back = {"today": 0, "yesterday": 1, "2": 2, "3plus": 3}[onset]
    # "3 or more days ago" takes the latest day it could mean: the later onset is the safer reading (C4).
    return max(0, day - back)


def to_tokens(answers: Answers) -> list[str]:
    """The §0 vocabulary for these answers (history and risk tokens are added by the caller)."""
    given = _answered(answers)
    tokens: list[str] = []
    if given.get("safety") == "yes":
        tokens.append("breathing_difficulty")
    elif given.get("safety") == "unsure":
        tokens.append("breathing_difficulty:unsure")
    elif "safety" in given:
        pass  # a No on the safety screen is not itself a symptom
    if "trend" in given:
        tokens.append(f"trend:{given['trend']}")
    for item in ("redness", "swelling", "pain", "itching"):
        if item in given:
            tokens.append(f"{item}:{given[item]}")
    signs = [s for s in given.get("new", "").split(",") if s and s != "none"]
    for sign in signs:
        tokens.extend(NEW_SIGNS[sign])
    if "rash" in signs:
        tokens.append(f"rash:{given.get('rash_severity', 'unsure')}")
    if "hives" in signs:
        tokens.append("hives:widespread" if given.get("hives_where") == "elsewhere" else "hives")
    if "spots" in signs and given.get("spots_darker") in {"yes", "unsure"}:
        tokens.append("spots:darkening")
    if "spreading" in signs:
        tokens.append("spreading_redness" if given.get("spreading_sure") == "sure" else "spreading_redness:unsure")
    if given.get("fever") == "yes":
        tokens.append("fever")
    elif given.get("fever") == "unsure":
        tokens.append("fever:unsure")
    if given.get("new") == "none" or given.get("anything") == "none":
        if not any(t for t in tokens if not t.startswith("trend:") and not t.endswith(":none")):
            tokens.append("none")
    return tokens

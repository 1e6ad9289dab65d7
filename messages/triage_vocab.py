"""The fixed check-in vocabulary (triage-rules.md §0): tokens in, a validated ``CheckIn`` out.

Parsing applies the token hygiene of P1b: a severity item always has a value,
repeated or conflicting tokens resolve to the worst value, and ``none`` never
cancels symptoms listed with it. The safe defaults (P2, P3) are NOT applied
here: a ``CheckIn`` records what the patient said; ``triage.evaluate`` decides
what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

LEVELS = ("normal", "monitor", "contact_provider", "urgent", "emergency")

SEVERITY_ITEMS = ("redness", "swelling", "pain", "itching", "rash")
#: Index is the PRO-CTCAE score 0-4.
SEVERITY_VALUES = ("none", "mild", "moderate", "severe", "very_severe")
UNSURE = "unsure"

PRESENCE_ITEMS = (
    "none", "peeling", "bruising", "pimples", "spots", "spots:darkening", "pus",
    "yellow_crusts", "blisters", "cold_sores", "hives", "hives:widespread", "lumps",
    "scar_lines", "spreading_redness", "fever", "chills", "eye_problem", "lip_swelling",
    "tongue_throat_swelling", "breathing_difficulty", "faint", "confusion",
)
#: The ✱ items of §0.2, which also accept ``:unsure``.
UNSURE_PRESENCE_ITEMS = frozenset(
    {"spreading_redness", "fever", "lip_swelling", "tongue_throat_swelling", "breathing_difficulty"}
)
#: Every name a rule condition may test for presence.
ITEMS = SEVERITY_ITEMS + PRESENCE_ITEMS

TRENDS = ("improving", "same", "worsening", "unsure")
RISKS = ("immunocompromised", "fitzpatrick_iv_vi", "cold_sore_history")

# Worst-wins ranks for repeated tokens. "unsure" is evaluated as severe (P2),
# so it ranks just above severe and below very_severe.
_SEVERITY_RANK = {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0, UNSURE: 3.5, 4: 4.0}
_TREND_RANK = {"improving": 0, "same": 1, "unsure": 2, "worsening": 3}


class UnknownToken(ValueError):
    """A check-in token outside the §0 vocabulary, or one that breaks its hygiene rules."""

    def __init__(self, token: str, why: str = "not in the check-in vocabulary") -> None:
        super().__init__(f"invalid check-in token {token!r}: {why}")
        self.token = token


@dataclass(frozen=True)
class CheckIn:
    """What the patient answered in one check-in, validated but not yet interpreted."""

    severities: Mapping[str, int | str] = field(default_factory=lambda: MappingProxyType({}))
    presences: frozenset[str] = frozenset()
    unsure: frozenset[str] = frozenset()
    trend: str | None = None
    rash_first_reported_day: int | None = None
    previous_outcome: str | None = None
    risks: frozenset[str] = frozenset()
    free_text: tuple[str, ...] = ()
    no_response: bool = False

    @property
    def has_answers(self) -> bool:
        """True when there is a structured answer: a severity, a presence or a trend (P4)."""
        return bool(self.severities or self.presences or self.unsure or self.trend is not None)

    def severity_token(self, item: str) -> str | None:
        """The token the patient gave for a severity item, e.g. ``redness:severe``."""
        value = self.severities.get(item)
        if value is None:
            return None
        return f"{item}:{value if value == UNSURE else SEVERITY_VALUES[value]}"

    def tokens(self) -> tuple[str, ...]:
        """The check-in written back as canonical tokens (parse_tokens round-trips them)."""
        out = [self.severity_token(item) or "" for item in SEVERITY_ITEMS if item in self.severities]
        out += [item for item in PRESENCE_ITEMS if item in self.presences]
        out += [f"{item}:{UNSURE}" for item in sorted(self.unsure)]
        if self.trend is not None:
            out.append(f"trend:{self.trend}")
        if self.rash_first_reported_day is not None:
            out.append(f"rash_first_reported_day:{self.rash_first_reported_day}")
        if self.previous_outcome is not None:
            out.append(f"previous_outcome:{self.previous_outcome}")
        out += [f"risk:{risk}" for risk in RISKS if risk in self.risks]
        out += [f"free_text:{text}" for text in self.free_text]
        if self.no_response:
            out.append("no_response")
        return tuple(out)


def _split(tokens: Iterable[str] | str) -> list[str]:
    """Accept an iterable of tokens or one ``;``-separated string; drop blanks."""
    if isinstance(tokens, str):
        tokens = [tokens]
    return [part.strip() for token in tokens for part in token.split(";") if part.strip()]


def _day_number(token: str, value: str) -> int:
    if not value.isdigit():
        raise UnknownToken(token, "needs a whole day number such as rash_first_reported_day:2")
    return int(value)


def parse_tokens(tokens: Iterable[str] | str, *, day: int | None = None) -> CheckIn:
    """Validate §0 tokens into a ``CheckIn``; with ``day``, also check the rash onset against it."""
    severities: dict[str, int | str] = {}
    presences: set[str] = set()
    unsure: set[str] = set()
    risks: set[str] = set()
    texts: list[str] = []
    trend: str | None = None
    onset: int | None = None
    onset_token = ""
    previous: str | None = None
    no_response = False
    for token in _split(tokens):
        lowered = token.lower()
        name, has_value, value = lowered.partition(":")
        if name in SEVERITY_ITEMS:
            if value == UNSURE:
                new: int | str = UNSURE
            elif value in SEVERITY_VALUES:
                new = SEVERITY_VALUES.index(value)
            else:
                allowed = " | ".join(SEVERITY_VALUES + (UNSURE,))
                raise UnknownToken(token, f"{name} needs a value: {name}:<{allowed}>")
            old = severities.get(name)
            if old is None or _SEVERITY_RANK[new] > _SEVERITY_RANK[old]:
                severities[name] = new
        elif lowered in PRESENCE_ITEMS:
            presences.add(lowered)
        elif name in UNSURE_PRESENCE_ITEMS and value == UNSURE:
            unsure.add(name)
        elif name == "trend" and value in TRENDS:
            if trend is None or _TREND_RANK[value] > _TREND_RANK[trend]:
                trend = value
        elif name == "rash_first_reported_day" and has_value:
            # DECIDED (see triage.toml): conflicting onsets resolve to the latest.
            number = _day_number(token, value)
            if onset is None or number > onset:
                onset, onset_token = number, token
        elif name == "previous_outcome" and value in LEVELS:
            if previous is None or LEVELS.index(value) > LEVELS.index(previous):
                previous = value
        elif name == "risk" and value in RISKS:
            risks.add(value)
        elif name == "free_text" and value.strip(" _"):
            # P4: lower-cased, spaces replaced by "_".
            texts.append("_".join(value.split()))
        elif lowered == "no_response":
            no_response = True
        else:
            raise UnknownToken(token, _why(name, value))
    if day is not None and onset is not None and onset > day:
        raise UnknownToken(onset_token, f"the rash cannot start after today (day {day})")
    return CheckIn(
        severities=MappingProxyType(severities),
        presences=frozenset(presences),
        unsure=frozenset(unsure - presences),  # a definite "yes" is the answer to keep
        trend=trend,
        rash_first_reported_day=onset,
        previous_outcome=previous,
        risks=frozenset(risks),
        free_text=tuple(texts),
        no_response=no_response,
    )


def _why(name: str, value: str) -> str:
    """Explain why a token with a known name was refused."""
    if name == "trend":
        return "trend needs one of: " + ", ".join(TRENDS)
    if name == "previous_outcome":
        return "previous_outcome needs a level: " + ", ".join(LEVELS)
    if name == "risk":
        return "risk needs one of: " + ", ".join(RISKS)
    if name == "free_text":
        return "free_text needs some words"
    if name == "rash_first_reported_day":
        return "needs a day number such as rash_first_reported_day:2"
    if name in PRESENCE_ITEMS or name == "no_response":
        forms = [item for item in PRESENCE_ITEMS if item == name or item.startswith(f"{name}:")]
        if name in UNSURE_PRESENCE_ITEMS:
            forms.append(f"{name}:{UNSURE}")
        return f"{value!r} is not a value of {name}; use " + " or ".join(forms or [name])
    return "not in the check-in vocabulary"

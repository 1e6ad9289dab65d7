"""Temporary stand-in for the free-text reader (P4a-P4c), used until messages/reading.py exists.

Interface: ``read_message(text) -> Reading`` with ``Reading.signs`` a tuple of
``Sign(token, action)``, action one of "emergency", "urgent", "confirm", "ask".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIGNS = (  # (pattern, token, action when affirmed)
    (r"can'?t breathe|breathing is hard|hard to breathe|short of breath|brething", "breathing_difficulty", "emergency"),
    (r"(throat|tongue)\b.*\b(swell|swollen|tight|closing)", "tongue_throat_swelling", "emergency"),
    (r"\bfaint(ed)?\b(?! red)|passed out|really dizzy|very dizzy", "faint", "emergency"),
    (r"\bconfused\b", "confusion", "emergency"),
    (r"\blips?\b.*\b(swell|swollen|puffy|huge)", "lip_swelling", "urgent"),
    (r"\bfever\b|\btemp(erature)? (is )?3[89]", "fever", "urgent"),
    (r"\bpus\b", "pus", "urgent"),
    (r"hives all over|hives .*(arms|legs|chest|body)", "hives:widespread", "urgent"),
    (r"unbearable|excruciating|agony", "pain:very_severe", "urgent"),
    (r"\bcrust", "yellow_crusts", "confirm"),
    (r"still red|redness not going", "redness", "confirm"),
)
_NEGATION = re.compile(r"\b(no|not|never|without|isn'?t|haven'?t)\b|\bfine\b")


@dataclass(frozen=True)
class Sign:
    token: str
    action: str


@dataclass(frozen=True)
class Reading:
    signs: tuple[Sign, ...] = ()

    def _of(self, action: str) -> tuple[Sign, ...]:
        return tuple(s for s in self.signs if s.action == action)

    @property
    def emergency(self) -> tuple[Sign, ...]:
        return self._of("emergency")

    @property
    def urgent(self) -> tuple[Sign, ...]:
        return self._of("urgent")

    @property
    def confirm(self) -> tuple[Sign, ...]:
        return self._of("confirm")

    @property
    def ask(self) -> tuple[Sign, ...]:
        return self._of("ask")

    @property
    def level(self) -> str:
        return "emergency" if self.emergency else "urgent" if self.urgent else "monitor"


def read_message(text: str) -> Reading:
    """The signs in one typed message, each with what the bot should do about it."""
    signs: list[Sign] = []
    for clause in re.split(r"[.,;:!?]|\bbut\b|\bjust\b", text.lower()[:2000]):
        for pattern, token, action in _SIGNS:
            if re.search(pattern, clause):
                hedged = _NEGATION.search(clause) and action in {"emergency", "urgent"}
                signs.append(Sign(token, "ask" if hedged else action))
    return Reading(tuple(dict.fromkeys(signs)))

"""What one typed message alone deserves: ``assess(text, day) -> Assessment``.

The one function the chat and the benchmark share (bench/reading_score.py),
so that a scored level is the level a patient gets. It reads the message once
(``messages.reading.read_message``, P4a-P4i) and triages it as the §0 token
``free_text:<words>`` on its own (``messages.triage.evaluate_tokens``): E4 and
U10 for affirmed emergency and urgent signs, the §2 rules for signs to
confirm (as if confirmed, P4c), P4i for a passed emergency sign, M11 for the
rest. ``safety_question`` says whether the patient must at once get the
emergency advice or the Q1 safety screen. Pure: no Telegram, no database, no
clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from messages.reading import Reading, free_text_token, read_all
from messages.triage import Verdict, evaluate_tokens

__all__ = ["Assessment", "assess"]


@dataclass(frozen=True)
class Assessment:
    """The level a typed message alone gets, whether Q1 (or the emergency advice) must come at once, and why."""

    level: str              # normal | monitor | contact_provider | urgent | emergency
    safety_question: bool   # emergency advice or the Q1 safety screen at once (P4c, P4f, P4i)
    reading: Reading
    verdict: Verdict | None = None  # None for a message with nothing to read (no letter, digit or known emoji)


def assess(text: str, day: int, language: str = "en") -> Assessment:
    """Read ``text`` typed on ``day`` days since treatment, by a patient writing in ``language``, and triage it
    alone (no structured answers)."""
    from messages.routing import lexicon_for  # the one place the reading's language is chosen

    lexicon = lexicon_for(language)
    reading = read_all(text, lexicon, day=day)
    token = free_text_token(text)
    if token is None:
        return Assessment("monitor", reading.safety_question or reading.unread, reading)
    verdict = evaluate_tokens([token], day, lexicon=lexicon)
    return Assessment(verdict.level, reading.safety_question or reading.unread or verdict.level == "emergency",
                      reading, verdict)

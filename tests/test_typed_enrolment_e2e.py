"""End to end: what patients type during enrolment and in /settings gets a fitting answer, and nothing wrong is stored."""

from __future__ import annotations

from datetime import date

import pytest

CHAT = 1001


async def at_date_question(phone) -> None:
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "London")


@pytest.mark.parametrize("typed, stored, reply", [
    ("23.11.", date(2026, 11, 23), "Treatment date: 23 Nov 2026"),
    ("20th of November", date(2026, 11, 20), "Treatment date: 20 Nov 2026"),
    ("2 days ago", date(2026, 11, 21), "Treatment date: 21 Nov 2026"),
    ("30/02", None, "isn't a day in the calendar"),
    ("31 June", None, "isn't a day in the calendar"),
    ("next week", None, "Which day exactly?"),
    ("Tuesday", None, "could be 17 November 2026 or 24 November 2026"),
])
async def test_typed_treatment_date_is_read_or_explained(phone, typed, stored, reply):
    """A date typed the way people write it is stored; an impossible or vague one is explained, nothing stored."""
    await at_date_question(phone)
    replies = await phone.send(CHAT, typed)
    assert reply in replies[0].text
    assert phone.store.patient(CHAT).draft_date == stored

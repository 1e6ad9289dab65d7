"""messages/parsing.py and messages/dates.py: treatment dates as patients type them on a phone."""

from __future__ import annotations

from datetime import date

import pytest

from messages.catalog import load_catalog
from messages.parsing import date_problem, date_readings
from messages.words import Words

WORDS = Words.from_texts(load_catalog().texts)
TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize("typed, readings, problem", [
    ("23.11.", [date(2026, 11, 23)], None),  # the bot's own example ("e.g. 20.11.")
    ("20.11.2026.", [date(2026, 11, 20)], None),
    ("Nov 20", [date(2026, 11, 20)], None),
    ("20th of November", [date(2026, 11, 20)], None),
    ("November 20th, 2026", [date(2026, 11, 20)], None),
    ("20 nov 2026", [date(2026, 11, 20)], None),
    ("2 days ago", [date(2026, 11, 21)], None),
    ("a week ago", [date(2026, 11, 16)], None),
    ("in 3 days", [date(2026, 11, 26)], None),
    ("tomorrow", [date(2026, 11, 24)], None),
    ("the day before yesterday", [date(2026, 11, 21)], None),
    ("this morning", [date(2026, 11, 23)], None),
    ("last Tuesday", [date(2026, 11, 17)], None),
    ("last monday", [date(2026, 11, 16)], None),
    ("next Friday", [date(2026, 11, 27)], None),
    ("Monday", [date(2026, 11, 23), date(2026, 11, 30)], None),  # today or next week: asked, never guessed
    ("it was on Friday", [date(2026, 11, 20), date(2026, 11, 27)], None),
    ("30/02", [], "impossible"),
    ("31 June", [], "impossible"),
    ("2026-02-30", [], "impossible"),
    ("13/13", [], "impossible"),
    ("next week", [], "vague"),
    ("a few days ago", [], "vague"),
    ("hello", [], None),
    ("Monday 20 Nov", [], None),
])
def test_typed_dates_read_or_say_why_not(typed, readings, problem):
    """A date typed in words or with a trailing dot is read; an impossible or vague one says which it is."""
    assert date_readings(typed, TODAY, WORDS) == readings
    assert date_problem(typed, TODAY, WORDS) == problem

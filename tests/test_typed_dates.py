"""messages/parsing.py and messages/dates.py: dates, reminder times and quiet hours as patients type them on a phone."""

from __future__ import annotations

from datetime import date, time

import pytest

from messages.catalog import load_catalog
from messages.parsing import date_problem, date_readings, night_reading, parse_quiet, parse_times, skin_types
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
    ("I had my treatment yesterday", [date(2026, 11, 22)], None),
    ("it was 2 days ago", [date(2026, 11, 21)], None),
    ("on the 20th", [date(2026, 11, 20), date(2026, 10, 20)], None),  # this month or last: asked
    ("hello", [], None),
    ("Monday 20 Nov", [], None),
])
def test_typed_dates_read_or_say_why_not(typed, readings, problem):
    """A date typed in words or with a trailing dot is read; an impossible or vague one says which it is."""
    assert date_readings(typed, TODAY, WORDS) == readings
    assert date_problem(typed, TODAY, WORDS) == problem


@pytest.mark.parametrize("typed, times", [
    ("8am and 9pm", [time(8), time(21)]), ("08:00-21:00", [time(8), time(21)]), ("7:30 – 21:00", [time(7, 30), time(21)]),
    ("morning 7, evening 10pm", [time(7), time(22)]), ("noon", [time(12)]), ("at 8 o'clock", [time(8)]),
    ("25:00", None), ("half an hour", None), ("8 and 9 and 10", None),
])
def test_typed_reminder_times(typed, times):
    """Reminder times typed with a dash, words around them or "noon" are read; impossible ones are not."""
    assert parse_times(typed, WORDS) == times


@pytest.mark.parametrize("typed, quiet", [
    ("from 11 pm until 7 am", (time(23), time(7))), ("between 11pm and 7am", (time(23), time(7))),
    ("11pm to 7am", (time(23), time(7))), ("none", "off"), ("midnight till 6", (time(0), time(6))),
])
def test_typed_quiet_hours(typed, quiet):
    """Quiet hours typed as a sentence are read."""
    assert parse_quiet(typed, WORDS) == quiet


@pytest.mark.parametrize("typed, types", [
    ("type IV", ("IV",)), ("type 2", ("II",)), ("skin type 5", ("V",)), ("iv", ("IV",)), ("3", ("III",)),
    ("I tan easily", ("IV",)), ("fair", ("I", "II")), ("olive", ("III", "IV")), ("dont know", ()), ("no", ()),
    ("purple", None), ("7", None), ("type", None),
])
def test_typed_skin_types(typed, types):
    """A skin type typed as "type IV", a number or the legend's words is read; "fair" and "olive" give two to ask."""
    assert skin_types(typed, WORDS) == types


@pytest.mark.parametrize("typed, times", [
    ("half past seven", [time(7, 30)]), ("quarter past eight", [time(8, 15)]), ("a quarter to eight", [time(7, 45)]),
    ("half past 7 and half past 9pm", [time(7, 30), time(21, 30)]), ("seven and ten pm", [time(7), time(22)]),
    ("quarter to one", [time(12, 45)]), ("half past", None),
])
def test_times_in_words(typed, times):
    """Times written in words ("half past seven", "quarter to eight") are read like their digits."""
    assert parse_times(typed, WORDS) == times


@pytest.mark.parametrize("typed, night", [
    ("10-7", (time(22), time(7))), ("from half past ten until seven", (time(22, 30), time(7))),
    ("10am-7", None), ("22-7", None), ("11pm to 7am", None), ("1-5", None),
])
def test_quiet_hours_from_the_morning_have_a_night_reading(typed, night):
    """Quiet hours like "10-7" (21 hours from 10:00) have a night reading to ask about; clear ones have none."""
    assert night_reading(typed, parse_quiet(typed, WORDS)) == night

"""Dates written the catalog's way (``formats.<style>``: CLDR patterns written by Babel), and dates
typed in words ("tomorrow", "last Tuesday", "20th of November").

Pure: the caller passes the local date or instant (already in the patient's zone), or today's local date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from messages.catalog import Catalog
from messages.formatting import written_date
from messages.words import Words, normalise


def names(catalog: Catalog, key: str) -> list[str]:
    """A catalog list written "a | b | c"."""
    return [part.strip() for part in catalog.render(key).split("|")]


def format_date(catalog: Catalog, style: str, when: date | datetime) -> str:
    """``when`` in the catalog's ``formats.<style>``, a CLDR pattern Babel writes in the catalog's language
    (e.g. ``date``: "20 Nov 2026", "20. Nov. 2026", "20 nov 2026"). An instant is written in its own zone."""
    return written_date(catalog.language, catalog.render(f"formats.{style}"), when)


# Typed dates in words (the word lists are catalog data: words.date_*). Pure: ``today`` is passed in.
MONTHS = tuple(f"date_month_{n}" for n in range(1, 13))
WEEKDAYS = tuple(f"date_weekday_{n}" for n in range(7))
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^(\d{4})$")


def word_dates(text: str, today: date, words: Words) -> tuple[list[date], str | None]:
    """Every date a date typed in words can mean ("tomorrow", "2 days ago", "last Tuesday", "Nov 20",
    "20th of November 2026"), and why there is none: "impossible" (31 June), "vague" (next week) or None.

    A bare weekday ("Monday") gives two readings, the latest one up to today and the next one, so the patient
    is asked; a day and month without a year is the nearest such date to today."""
    if words.read(text, ("date_vague",)) is not None:
        return [], "vague"
    near = {"date_tomorrow": 1, "date_before_yesterday": -2, "date_after_tomorrow": 2}
    if (word := words.read(text, tuple(near))) is not None:
        return [today + timedelta(days=near[word])], None
    tokens = [t for t in normalise(text).replace(",", " ").split() if words.read(t, ("date_filler",)) is None]
    offsets = {"date_today": 0, "date_yesterday": -1, **near}
    if (word := words.read(" ".join(tokens), tuple(offsets))) is not None:  # "I had it yesterday"
        return [today + timedelta(days=offsets[word])], None
    if len(tokens) == 1 and (day := _DAY.match(tokens[0])) and tokens[0] != day[1]:  # "the 20th": which month?
        last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return [d for d in (safe_date(today.year, today.month, int(day[1])), safe_date(last.year, last.month, int(day[1])))
                if d], None
    if (days := _days_off(tokens, words)) is not None:
        return [today + timedelta(days=days)], None
    if (found := _weekday(tokens, words)) is not None:
        weekday, which = found
        back = today - timedelta(days=(today.weekday() - WEEKDAYS.index(weekday)) % 7)
        ahead = today + timedelta(days=(WEEKDAYS.index(weekday) - today.weekday() - 1) % 7 + 1)
        if which == "date_last":
            return [back if back != today else back - timedelta(days=7)], None
        return ([ahead], None) if which == "date_next" else ([back, ahead], None) if which == "both" else ([], None)
    return _month_date(tokens, today, words)


def _weekday(tokens: list[str], words: Words) -> tuple[str, str | None] | None:
    """A weekday alone ("Monday": "both"), or with a word for last or next before or after it ("last Tuesday",
    "letzten Dienstag", "el martes pasado", "el lunes que viene"): the weekday and which, None for another word."""
    if not 1 <= len(tokens) <= 3:
        return None
    for at in (len(tokens) - 1, 0):
        if (weekday := words.read(tokens[at], WEEKDAYS)) is not None:
            rest = " ".join(tokens[:at] + tokens[at + 1:])
            if len(tokens) == 1:
                return weekday, "both"
            which = words.read(rest, ("date_last", "date_next"))
            if which is None and not (at == 1 and len(tokens) == 2):
                continue  # "tuesday 20 november": not a weekday phrase ("this tuesday" is one, read as none)
            return weekday, which
    return None


def _days_off(tokens: list[str], words: Words) -> int | None:
    """ "2 days ago" (-2), "a week ago" (-7), "in 3 days" (3), and "ago" before the count ("vor 2 Tagen",
    "hace dos días"), else None."""
    if len(tokens) != 3:
        return None
    ago = words.read(tokens[2], ("date_ago",)) is not None
    ago_first = not ago and words.read(tokens[0], ("date_ago",)) is not None
    if not ago and not ago_first and words.read(tokens[0], ("date_in",)) is None:
        return None
    count, unit = (tokens[0], tokens[1]) if ago else (tokens[1], tokens[2])
    ago = ago or ago_first
    number = int(count) if count.isdigit() and len(count) <= 3 else \
        {"date_one": 1, "date_two": 2, "date_three": 3}.get(words.read(count, ("date_one", "date_two", "date_three")))
    size = {"date_unit_day": 1, "date_unit_week": 7}.get(words.read(unit, ("date_unit_day", "date_unit_week")))
    if number is None or size is None:
        return None
    return number * size * (-1 if ago else 1)


def _month_date(tokens: list[str], today: date, words: Words) -> tuple[list[date], str | None]:
    """A day and a month by name, with or without a year, in any order ("Nov 20", "20 November 2026")."""
    months = [m for t in tokens if (m := words.read(t, MONTHS)) is not None]
    days = [int(m[1]) for t in tokens if (m := _DAY.match(t))]
    years = [int(m[1]) for t in tokens if (m := _YEAR.match(t))]
    if len(months) != 1 or len(days) != 1 or len(years) > 1 or len(tokens) != 2 + len(years):
        return [], None
    month, day = MONTHS.index(months[0]) + 1, days[0]
    candidates = [d for y in (years or (today.year - 1, today.year, today.year + 1)) if (d := safe_date(y, month, day))]
    if not candidates:
        return [], "impossible"
    return [min(candidates, key=lambda d: abs((d - today).days))], None


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (30 February)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None

"""Dates are written from the catalog's formats, exactly as the English strftime patterns they replaced."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from messages.catalog import load_catalog
from messages.dates import format_date, names

CATALOG = load_catalog()
WHEN = datetime(2026, 3, 5, 7, 9, tzinfo=timezone.utc)  # a Thursday


@pytest.mark.parametrize("style, when, pattern", [
    ("date", date(2026, 3, 5), "%d %b %Y"),
    ("date_long", date(2026, 3, 5), "%-d %B %Y"),
    ("date_button", date(2026, 3, 5), "%a %d %b"),
    ("when", WHEN, "%a %d %b %H:%M"),
    ("until", WHEN, "%a %d %b, %H:%M"),
    ("stamp_utc", WHEN, "%d %b %H:%M UTC"),
])
def test_english_formats_match_the_old_patterns(style, when, pattern):
    """Each English format writes a date as the strftime pattern it replaced did."""
    assert format_date(CATALOG, style, when) == when.strftime(pattern)


def test_every_weekday_and_month_has_a_name():
    """The catalog names seven weekdays and twelve months."""
    assert len(names(CATALOG, "formats.weekdays")) == 7
    assert len(names(CATALOG, "formats.months")) == len(names(CATALOG, "formats.months_long")) == 12

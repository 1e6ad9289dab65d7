"""Dates are written from the catalog's formats (CLDR patterns, through Babel); English exactly as the strftime
patterns they replaced."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from messages.catalog import load_catalog
from messages.dates import format_date

CATALOG = load_catalog()
WHEN = datetime(2026, 3, 5, 7, 9, tzinfo=timezone.utc)  # a Thursday


@pytest.mark.parametrize("style, when, pattern", [
    ("date", date(2026, 3, 5), "%d %b %Y"),
    ("date_long", date(2026, 3, 5), "%-d %B %Y"),
    ("date_button", date(2026, 3, 5), "%a %d %b"),
    ("when", WHEN, "%a %d %b %H:%M"),
    ("until", WHEN, "%a %d %b, %H:%M"),
    ("stamp_utc", WHEN, "%d %b %H:%M UTC"),
    ("date_weekday", date(2026, 3, 5), "%A %-d %B"),
    ("moment", WHEN, "%a %d %b %Y %H:%M"),
])
def test_english_formats_match_the_old_patterns(style, when, pattern):
    """Each English format writes a date as the strftime pattern it replaced did."""
    assert format_date(CATALOG, style, when) == when.strftime(pattern)


@pytest.mark.parametrize("language, style, written", [
    ("de", "date", "5. März 2026"), ("de", "date_button", "Do. 5. März"), ("de", "until", "Do. 5. März, 07:09 Uhr"),
    ("es", "date", "5 mar 2026"), ("es", "date_long", "5 de marzo de 2026"), ("es", "when", "jue 5 mar 07:09"),
    ("de", "date_weekday", "Donnerstag, 5. März"), ("es", "date_weekday", "jueves 5 de marzo"),
    ("de", "moment", "Do. 5. März 2026, 07:09"), ("es", "moment", "jue 5 mar 2026, 07:09"),
])
def test_german_and_spanish_dates_are_written_by_babel_in_their_own_grammar(language, style, written):
    """German and Spanish dates take CLDR's names and order (Babel), not English pieces in another order."""
    when = WHEN if style in ("when", "until", "stamp_utc", "moment") else WHEN.date()
    assert format_date(load_catalog(language), style, when) == written


@pytest.mark.parametrize("language", ["en", "de", "es"])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_style_writes_every_month_in_every_language(language, month):
    """Every date style of every language writes a date of every month, with no pattern letter or brace left."""
    catalog, when = load_catalog(language), datetime(2026, month, 28, 21, 45, tzinfo=timezone.utc)
    timed = ("when", "until", "stamp_utc", "moment")
    for style in ("date", "date_long", "date_button", "date_weekday", *timed):
        written = format_date(catalog, style, when if style in timed else when.date())
        assert "28" in written and "{" not in written and "MMM" not in written and "EEE" not in written
        assert ("21:45" in written) == (style in timed), (style, written)

"""messages/zones.py: time zones as patients type them (cities in a sentence, countries, flags, offsets, typos)."""

from __future__ import annotations

import pytest

from messages.catalog import load_catalog
from messages.words import Words
from messages.zones import read_zone

WORDS = Words.from_texts(load_catalog().texts)


@pytest.mark.parametrize("typed, reading", [
    ("NYC", ("America/New_York", None)), ("Europe/Berlin", ("Europe/Berlin", None)),
    ("London time", ("Europe/London", None)), ("I live in Sydney", ("Australia/Sydney", None)),
    ("I'm in London", ("Europe/London", None)), ("Paris, France", ("Europe/Paris", None)),
    ("berlin germany", ("Europe/Berlin", None)), ("Sydney, Australia", ("Australia/Sydney", None)),
    ("UK", ("Europe/London", None)), ("I live in the UK", ("Europe/London", None)),
    ("Germany", ("Europe/Berlin", None)), ("France", ("Europe/Paris", None)), ("🇬🇧", ("Europe/London", None)),
    ("USA", (None, "several")), ("Australia", (None, "several")), ("Spain", (None, "several")),
    ("GMT+2", (None, "offset")), ("UTC+5:30", (None, "offset")), ("+2", (None, "offset")),
    ("EST", (None, "abbreviation")), ("here", (None, "here")), ("my location", (None, "here")),
    ("Europe/Londn", ("Europe/London", "typo")), ("Londn", ("Europe/London", "typo")),
    ("london or paris", (None, None)), ("I'm in new jersey", (None, None)), ("😊", (None, None)),
    ("can I travel to Paris?", (None, None)),
])
def test_typed_zone_is_read_or_says_why_not(typed, reading):
    """A zone named in a sentence, a country or a flag is read; an offset, "here" or a typo says which it is."""
    assert read_zone(typed, WORDS) == reading

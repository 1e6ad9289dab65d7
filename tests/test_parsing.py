"""messages/parsing.py: which /settings item typed text names (more parsers are hammered in test_fuzz.py)."""

from __future__ import annotations

from datetime import date

import pytest

from messages.catalog import load_catalog
from messages.parsing import settings_item
from messages.words import Words

WORDS = Words.from_texts(load_catalog().texts)


@pytest.mark.parametrize("typed, item", [
    ("7:30", "times"), ("change my reminder time", "times"), ("8 and 20", "times"), ("Reminder times", "times"),
    ("quiet hours 23:00 to 7:00", "quiet"), ("quiet time", "quiet"), ("my time zone", "zone"), ("Berlin", "zone"),
    ("Europe/Berlin", "zone"), ("change the date", "date"), ("25/11", "date"), ("Health questions", "health"),
    ("cold sores", "health"), ("midday sunscreen", "midday"), ("Done!", "done"), ("that's all", "done"),
    ("hello", None), ("no", None), ("sunscreen reminders", None), ("time zone and reminder times", None),
])
def test_settings_item_names_one_item_or_none(typed, item):
    """Typed text names one settings item (a phrase anywhere, or a value's shape), or none: several is never guessed."""
    assert settings_item(typed, WORDS, date(2026, 11, 23)) == item

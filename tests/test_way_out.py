"""Rules v3 P11: every reply that does not answer ends with the way out, the emergency line."""

from __future__ import annotations

import pytest

from messages.catalog import load_catalog

CATALOG = load_catalog()
VALUES = {"clinic_name": "Example Skin Clinic", "clinic_phone": "+44 20 7946 0000", "emergency_number": "999",
          "out_of_hours": "", "options": "", "reference": "Ana"}
LINE = "Trouble breathing or swallowing, or swelling of the lips or tongue: call 999 now."

# Every text the bot sends when it could not answer what the patient sent (P11's list, and the two hints).
NON_ANSWERS = ("common.not_understood", "checkin.m11", "checkin.hint", "questions.unknown",
               "questions.unknown_no_relay", "control.media_photo", "control.media_other", "control.too_long",
               "clinic.relayed")


@pytest.mark.parametrize("key", NON_ANSWERS)
def test_every_non_answer_ends_with_the_emergency_line(key):
    """Each reply that does not answer ends with the emergency line, rendered with the clinic's number."""
    assert CATALOG.render(key, **VALUES).endswith("\n" + LINE)


def test_the_emergency_line_is_written_once():
    """The line is one catalog text that the others take by placeholder, so a translator words it once."""
    assert sum(LINE.split(":")[0] in text for text in CATALOG.texts.values()) == 1
    assert all("{emergency_line}" in CATALOG.texts[key] for key in NON_ANSWERS)


def test_a_shared_line_is_not_needed_as_a_value():
    """The shared line is filled from the catalog itself; a caller that supplies it explicitly wins."""
    assert CATALOG.render("common.not_understood", **VALUES, emergency_line="X").endswith("\nX")

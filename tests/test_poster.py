"""The poster (R14): the clinic's name and phone, "You need Telegram", three short steps and "Not for emergencies:
call {emergency}", all from the catalog with the clinic's own values, and the QR code still read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.clinic_profile import load_clinic
from bot.tools.poster import poster_lines, write_poster
from messages.catalog import load_catalog

LINK = "https://t.me/riverside_aftercare_bot?start=microneedling"
CLINICS = [
    {"clinic_name": "Riverside Skin & Laser Clinic", "clinic_phone": "0161 496 0123", "emergency_number": "999",
     "out_of_hours": ""},
    {"clinic_name": "Hautpraxis am See", "clinic_phone": "+49 30 1234567", "emergency_number": "112",
     "out_of_hours": ""},
]


@pytest.mark.parametrize("contact", CLINICS)
def test_the_poster_says_who_to_call_that_telegram_is_needed_the_steps_and_not_for_emergencies(tmp_path, contact):
    """Written for a clinic, the poster's lines (kept in the PNG and PDF metadata) name the clinic and its phone,
    say you need Telegram, give three numbered steps, and send emergencies to the clinic's emergency number."""
    png, pdf = write_poster(LINK, contact, tmp_path)
    with Image.open(png) as image:
        text = image.info["Description"]
    assert contact["clinic_name"] in text and f"on {contact['clinic_phone']}" in text
    assert "You need Telegram" in text
    assert [line[:3] for line in text.splitlines() if line[:1].isdigit()] == ["1. ", "2. ", "3. "]
    assert f"Not for emergencies: call {contact['emergency_number']}" in text
    assert "{" not in text and "_" not in text.replace(contact["clinic_name"], "")
    assert f"Not for emergencies: call {contact['emergency_number']}".encode() in pdf.read_bytes()  # its metadata


def test_every_poster_line_comes_from_the_catalog_with_the_example_profile():
    """With the shipped example profile the lines render from catalog keys (none is missing or left raw)."""
    clinic = load_clinic(str(Path(__file__).resolve().parent.parent / "bot" / "clinics" / "example.toml"))
    lines = poster_lines(load_catalog(), clinic.contact_values())
    assert set(lines) == {"name", "poster_subtitle", "poster_need_telegram", "poster_scan", "poster_steps",
                          "poster_phone", "poster_emergency"}
    assert lines["poster_emergency"] == f"Not for emergencies: call {clinic.emergency_number}"
    assert clinic.phone in lines["poster_phone"]

"""Every patient-facing text, rendered with several clinic profiles, reads as whole, plain sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.clinic_profile import default_clinic_file, load_clinic
from messages.answer_words import describe
from messages.catalog import load_catalog
from messages.triage_vocab import LEVELS, PRESENCE_ITEMS, RISKS, SEVERITY_ITEMS, SEVERITY_VALUES, TRENDS, \
    UNSURE_PRESENCE_ITEMS

CATALOG = load_catalog()
SHIPPED = Path(default_clinic_file()).read_text(encoding="utf-8")
OUT_OF_HOURS = re.search(r'^out_of_hours = .*\n', SHIPPED, flags=re.M)[0]

# Areas and keys the patient never sees whole: typed word lists (read, not shown), date formats (pieces of
# other texts, tested in test_dates.py), the operator's set-up answers
# and what only the clinic team's chat receives.
NOT_PATIENT_FACING = re.compile(r"^(words\.|formats\.|setup\.|alerts\.|staff\.|checkin\.(alert|flagged|admins_only|level_label)"
                                r"|clinic\.(to_clinic|reply_|day_part|caption_part|reference_))")
SAMPLE = {"day": 3, "days": 2, "date": "23 Nov 2026", "morning": "08:00", "evening": "21:00", "zone": "Europe/London",
          "quiet": "22:00-07:00", "until": "Thu 26 Nov, 09:00", "when": "Thu 26 Nov 09:00", "name": "Ana",
          "name_part": ", Ana", "text": "my skin feels tight", "answers": "mild redness", "what": "sunscreen reminders",
          "item": "redness", "level": "mild", "sign": "swollen lips", "number": 2, "max_days": 60, "max_ahead": 30,
          "retention_days": 90, "plan_title": "Microneedling aftercare", "question": "Skin type:", "answer": "IV",
          "topic": "your time zone", "clinic_zone": "Europe/London", "tip": "Pat, don't rub.", "count": 2,
          "first": "sunscreen reminders", "second": "11 December 2026", "last": "check-ins", "options": " (Yes, No, Not sure)",
          "reference": "P-1234", "day_part": "morning", "caption": "Your skin by day", "pause_line": "",
          "control": "Messages:\nSunscreen reminders: on", "immune": "no", "cold_sores": "no", "skin": "IV",
          "sunscreen": "on", "skincare": "on", "checkin": "on", "second": "11 December 2026", "time": "21:30",
          "midday": "13:00 on days 1 to 7", "now": "13:00 on days 1 to 7"}


def _profile(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_clinic(path)


@pytest.fixture(params=["shipped", "no_out_of_hours", "out_of_hours_without_full_stop", "out_of_hours_in_lower_case",
                        "plain_name"])
def clinic(request, tmp_path):
    """The shipped profile, one without out-of-hours advice, one whose advice lacks a full stop, one written as
    the end of a sentence ("call NHS 111 ..."), another name."""
    text = {"shipped": SHIPPED, "no_out_of_hours": SHIPPED.replace(OUT_OF_HOURS, ""),
            "out_of_hours_without_full_stop": SHIPPED.replace(
                OUT_OF_HOURS, 'out_of_hours = "Out of hours, ring 111 for advice"\n'),
            "out_of_hours_in_lower_case": SHIPPED.replace(
                OUT_OF_HOURS, 'out_of_hours = "call NHS 111 or go to A&E"\n'),
            "plain_name": SHIPPED.replace('name = "Example Skin Clinic"', 'name = "Dr. Lee\'s Skin Rooms"')
            .replace('"+44 20 7946 0000"', '"0800 123 456"')}[request.param]
    return _profile(tmp_path, request.param, text)


def problems(text: str, out_of_hours: str) -> list[str]:
    """What is wrong with one rendered text: internal words, doubled punctuation, broken sentences."""
    found = []
    checks = {
        "an underscore": r"_", "a placeholder left over": r"[{}]", "a token name": r"\b[a-z]+:[a-z]+",
        "an internal word": r"(?i)previous outcome|free text|no response|contact provider|very_severe",
        "doubled punctuation": r"\.\.(?!\.)|,,|\.\s+\.|,\s*\.|\.\s*,|\s[.,;:!?](?!\w)|\(\s*\)|::",
        "a broken sentence": r"\b(?:use|call|or|and|to|on|at|the|(?<=[a-z]) )\s*If\b|\b(?:use|or|and) (?:Call|Go)\b",
        "a blank left by an empty field": r"  |\n\n\n|,\s*$|:\s*[.,]",
    }
    for what, pattern in checks.items():
        if re.search(pattern, text):
            found.append(what)
    if out_of_hours and out_of_hours in text:
        before = text[:text.index(out_of_hours)]
        if before and not re.search(r"(^|\n|[.!?]\s)$", before):
            found.append("out-of-hours advice inside a sentence")
        if not out_of_hours[0].isupper():  # "... on 0161 496 0123. call NHS 111 or go to A&E."
            found.append("out-of-hours advice starting in lower case")
    return found


def test_every_patient_facing_text_reads_cleanly(clinic):
    """Every patient-facing catalog text renders with this clinic and has no internal word or broken sentence."""
    values = {**SAMPLE, **clinic.contact_values()}
    bad = {}
    for key in sorted(CATALOG.texts):
        if NOT_PATIENT_FACING.match(key):
            continue
        # A placeholder without a sample gets plain words, so a new text is checked from its first day.
        text = CATALOG.render(key, **{name: values.get(name, "some words") for name in CATALOG.placeholders(key)})
        if issues := problems(text, clinic.out_of_hours):
            bad[key] = (issues, text[:160])
    assert bad == {}


def test_out_of_hours_advice_is_one_whole_sentence(clinic):
    """The urgent advice keeps the clinic's out-of-hours sentence whole, or leaves no trace when there is none."""
    advice = CATALOG.render("triage.level_urgent", **clinic.contact_values())
    assert "use If" not in advice and ".." not in advice and advice.endswith(".")
    if clinic.out_of_hours:
        assert advice.endswith(clinic.out_of_hours) and clinic.out_of_hours[-1] == "."
    else:
        assert advice.endswith(f"on {clinic.phone}.")
    help_text = CATALOG.render("common.help", **clinic.contact_values())
    assert "\n\n\n" not in help_text and f"{clinic.phone}\nIn an emergency" in help_text or clinic.out_of_hours


def _tokens() -> list[str]:
    tokens = [f"{item}:{value}" for item in SEVERITY_ITEMS for value in SEVERITY_VALUES + ("unsure",)]
    tokens += list(PRESENCE_ITEMS) + [f"{item}:unsure" for item in UNSURE_PRESENCE_ITEMS]
    tokens += [f"trend:{t}" for t in TRENDS] + [f"previous_outcome:{level}" for level in LEVELS]
    tokens += [f"risk:{risk}" for risk in RISKS] + ["rash_first_reported_day:2", "free_text:is_this_normal",
                                                   "no_response"]
    return tokens


@pytest.mark.parametrize("token", _tokens())
def test_every_answer_reads_in_plain_words(token):
    """Each check-in token the triage vocabulary knows has its own plain words (never the neutral fallback)."""
    words = describe(CATALOG, token)
    assert words != CATALOG.render("answers.unknown") and not problems(words, "")
    assert ":" not in words

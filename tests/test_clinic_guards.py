"""What the clinic enters is guarded where it is read: the profile loader, `aftercare doctor` (every problem in
one run, in plain words with the fix), and the urgent advice a patient is then sent."""

from __future__ import annotations

import io
import os
from pathlib import Path

from bot.clinic_profile import default_clinic_file
from bot.store import open_store
from bot.tools.doctor import doctor_command
from tests.conftest import DATA_KEY, enrol, make_settings, open_phone

SHIPPED = Path(default_clinic_file()).read_text(encoding="utf-8")


def profile(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The shipped clinic profile with each (old, new) edit made; its path."""
    text = SHIPPED
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def doctor(tmp_path: Path, clinic: Path, *argv: str, **environ: str) -> tuple[int, list[str]]:
    os.chmod(tmp_path, 0o700)
    out = io.StringIO()
    code = doctor_command({"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
                           "AFTERCARE_CLINIC_FILE": str(clinic), **environ}, out=out, argv=list(argv))
    return code, [line for line in out.getvalue().splitlines() if line.startswith("problem:")]


# ---- R3: reminder defaults inside the quiet hours ----------------------------------------------------------

def test_an_evening_default_inside_the_quiet_hours_fails_doctor_with_the_fix(tmp_path):
    """Evening 22:30 with quiet hours 22:00-07:00 (the bot would refuse its own default): a doctor problem, also
    under --strict, naming the time, the quiet hours and what to change."""
    clinic = profile(tmp_path, ('evening = "21:00"', 'evening = "22:30"'))
    for argv in ((), ("--strict",)):
        code, problems = doctor(tmp_path, clinic, *argv)
        assert code == 1 and len(problems) == 1, problems
        assert "evening reminder default 22:30 falls inside the quiet hours 22:00-07:00" in problems[0]
        assert "[reminders] evening" in problems[0] and "quiet_start" in problems[0]


def test_quiet_hours_that_swallow_the_midday_default_fail_doctor(tmp_path):
    """Quiet hours 12:00-14:00 swallow the 13:00 default: refused the same way, from the quiet hours' side."""
    clinic = profile(tmp_path, ('quiet_start = "22:00"', 'quiet_start = "12:00"'),
                     ('quiet_end = "07:00"', 'quiet_end = "14:00"'))
    code, problems = doctor(tmp_path, clinic)
    assert code == 1 and ["midday reminder default 13:00 falls inside the quiet hours 12:00-14:00" in p
                          for p in problems] == [True]


# ---- R12: every problem at once, in plain words ---------------------------------------------------------------

def test_doctor_reports_every_problem_in_one_run(tmp_path):
    """A missing phone, a malformed time and a bad admin list are three lines in one run, each with its fix."""
    clinic = profile(tmp_path, ('phone = "+44 20 7946 0000"\n', ""), ('morning = "08:00"', 'morning = "8 o\'clock"'))
    code, problems = doctor(tmp_path, clinic, AFTERCARE_ADMIN_IDS="12, bob")
    assert code == 1 and len(problems) == 3, problems
    assert "[clinic] phone is missing: add phone = " in problems[0]
    assert '[reminders] morning must be a time like "08:00"' in problems[1]
    assert "AFTERCARE_ADMIN_IDS must be comma-separated" in problems[2]


def test_a_toml_syntax_error_names_the_file_the_line_and_what_to_do(tmp_path):
    """A missing quote is told as the file, the line number and the line, and how a line is written, not in the
    TOML parser's words."""
    clinic = profile(tmp_path, ('emergency_number = "999"', "emergency_number = 999\""))
    code, problems = doctor(tmp_path, clinic)
    number = SHIPPED.splitlines().index('emergency_number = "999"') + 1
    assert code == 1 and len(problems) == 1, problems
    assert f"clinic file {clinic} cannot be read: line {number} ('emergency_number = 999\"')" in problems[0]
    assert 'name = "text" (in double quotes)' in problems[0] and "fix that line" in problems[0]
    assert "Expected" not in problems[0] and "column" not in problems[0]


# ---- R4: the out-of-hours advice reads as its own sentence -------------------------------------------------

async def test_urgent_advice_reads_the_out_of_hours_advice_as_its_own_sentence(tmp_path, clock):
    """A profile whose advice was typed as the end of a sentence ("call NHS 111 or go to A&E") still sends the
    patient a whole sentence after the clinic's number: capital first letter, final full stop."""
    clinic = profile(tmp_path, ('out_of_hours = "If we are closed, call NHS 111 or go to an urgent treatment centre."',
                                'out_of_hours = "call NHS 111 or go to A&E"'),
                     ('phone = "+44 20 7946 0000"', 'phone = "0161 496 0123"'))
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_FILE=str(clinic))
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    try:
        await enrol(phone)
        told = await phone.send(1001, "I have a fever and there is pus")
        texts = [m.text for m in told + await phone.send(1001, "/help")]
    finally:
        await phone.app.shutdown()
        store.close()
    urgent = [text for text in texts if "0161 496 0123" in text and "NHS 111" in text]
    assert len(urgent) == 2, texts  # the urgent advice to the fever, and /help
    assert "0161 496 0123. Call NHS 111 or go to A&E." in urgent[0], urgent
    assert not any("call NHS 111" in text for text in texts)


# ---- R2: a clinic's time zone keeps summer time -----------------------------------------------------------

def test_a_fixed_offset_clinic_zone_fails_doctor_with_the_city_zone_to_use(tmp_path):
    """A profile with timezone "GMT" (patients would be offered "tap to use GMT", an hour out all summer) is a
    doctor problem that says why and names the city zone to use instead."""
    for fixed, suggested in (("GMT", "Europe/London"), ("EST", "America/New_York"), ("Etc/GMT-1", "Europe/Berlin")):
        clinic = profile(tmp_path, ('timezone = "Europe/London"', f'timezone = "{fixed}"'))
        code, problems = doctor(tmp_path, clinic)
        assert code == 1 and len(problems) == 1, problems
        assert f"timezone '{fixed}' keeps the same clock all year (no summer time)" in problems[0]
        assert f"such as {suggested}" in problems[0]

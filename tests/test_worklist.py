"""The daily worklist in the clinic chat, through the real Application: at opening on working days only (weekends
and public holidays by the profile's country), once a day, what staff should do (alerts by state, patients to call,
new patients, ratings), by number and reference, one line or nothing on a quiet day, and never when switched off."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.store import open_store
from tests.conftest import CLINIC_CHAT, clinic_file, clinic_settings, enrol, open_phone, severe_redness_on_day_four
from tests.texts import said

CHAT = 1001
MONDAY_OPEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # London is UTC in winter; the example opens 09:00


def profile(tmp_path: Path, **worklist: str) -> str:
    """The example clinic with the worklist on (and its [worklist] keys replaced as given)."""
    path = Path(clinic_file(tmp_path, worklist=True))
    text = path.read_text(encoding="utf-8")
    for key, value in worklist.items():
        text = text.replace(f'\n{key} = "line"\n' if key == "when_empty" else f"\n{key} = true\n", f"\n{key} = {value}\n")
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
async def desk(tmp_path, clock):
    settings = clinic_settings(tmp_path, AFTERCARE_CLINIC_FILE=profile(tmp_path))
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


def worklists(phone) -> list[str]:
    return [m.text for m in phone.telegram.chat(CLINIC_CHAT) if m.text.startswith("📋")]


async def test_at_opening_it_lists_alerts_new_patients_and_ratings_by_number_once_a_day(desk):
    await enrol(desk, CHAT)
    await severe_redness_on_day_four(desk, CHAT)  # Friday 27 Nov: a contact-provider alert, left open
    await desk.run_jobs(MONDAY_OPEN - timedelta(minutes=5))
    assert not [t for t in worklists(desk) if "30 Nov" in t]  # not before opening
    await desk.run_jobs(MONDAY_OPEN + timedelta(minutes=2))
    (text,) = [t for t in worklists(desk) if "30 Nov" in t]
    assert said("worklist.alerts", count=1) in text and said("staff.flagged_group_open", count=1) in text
    assert "patient no. 1" in text and "Ana" not in text  # by number, never by name
    assert said("worklist.late") not in text
    await desk.run_jobs(MONDAY_OPEN + timedelta(hours=3))
    assert len([t for t in worklists(desk) if "30 Nov" in t]) == 1  # once a day, whatever runs later


async def test_weekends_and_public_holidays_get_none_and_a_late_start_says_so(desk):
    await enrol(desk, CHAT)
    sunday, christmas = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc), datetime(2026, 12, 25, 12, 0, tzinfo=timezone.utc)
    for day in (sunday, christmas):  # the example is closed on Sundays; 25 Dec is a GB public holiday
        desk.clock.set(day)
        await desk.run_jobs(day)
    assert not [t for t in worklists(desk) if "29 Nov" in t or "25 Dec" in t]
    late = datetime(2026, 12, 24, 15, 0, tzinfo=timezone.utc)  # Thursday, the bot only running from 15:00
    desk.clock.set(late)
    await desk.run_jobs(late)
    (text,) = [t for t in worklists(desk) if "24 Dec" in t]
    assert said("worklist.late") in text


async def test_patients_who_stopped_answering_are_to_call(desk):
    await enrol(desk, CHAT)
    store = desk.store
    treatment = store.patient(CHAT).treatment
    for day in (3, 4):  # the last two check-ins of week 1 unanswered
        store.record_no_response(CHAT, treatment.id, day, MONDAY_OPEN - timedelta(days=1))
    await desk.run_jobs(MONDAY_OPEN)
    (text,) = [t for t in worklists(desk) if "30 Nov" in t]
    assert said("worklist.call_line", name="patient no. 1", missed=2, day=4) in text


async def test_a_rating_since_the_last_worklist_is_listed(desk):
    await enrol(desk, CHAT)
    desk.store.record_relay(CHAT, "to_clinic", "rating 4/5", None, None, MONDAY_OPEN - timedelta(hours=2))
    await desk.run_jobs(MONDAY_OPEN)
    (text,) = [t for t in worklists(desk) if "30 Nov" in t]
    assert said("worklist.rating_line", name="patient no. 1", stars="4") in text


@pytest.mark.parametrize(("when_empty", "expected"), [('"line"', 1), ('"silent"', 0)])
async def test_a_quiet_day_gets_one_line_or_nothing(tmp_path, clock, when_empty, expected):
    settings = clinic_settings(tmp_path, AFTERCARE_CLINIC_FILE=profile(tmp_path, when_empty=when_empty),
                               AFTERCARE_BACKUP_AT="off")
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    try:
        await phone.run_jobs(MONDAY_OPEN)
        assert worklists(phone) == [said("worklist.nothing", date="30 Nov 2026")] * expected
        assert store.last_job_run("worklist") == MONDAY_OPEN  # done for the day either way
    finally:
        await phone.app.shutdown()
        store.close()


async def test_switched_off_it_never_comes(tmp_path, clock):
    settings = clinic_settings(tmp_path, AFTERCARE_CLINIC_FILE=profile(tmp_path, send="false"))
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    try:
        await enrol(phone, CHAT)
        await phone.run_jobs(MONDAY_OPEN)
        assert worklists(phone) == []
    finally:
        await phone.app.shutdown()
        store.close()


async def test_a_patient_who_enrolled_before_a_late_worklist_is_new_only_once(desk):
    """A patient enrolled after opening but before a worklist sent late is listed as new in it, and not again in
    the next day's (the list covers what came since the last one was sent, not since its opening time)."""
    desk.clock.set(MONDAY_OPEN + timedelta(hours=1))
    await enrol(desk, CHAT)
    await desk.run_jobs(MONDAY_OPEN + timedelta(hours=3))  # the bot was down at opening: sent late
    (monday,) = [t for t in worklists(desk) if "30 Nov" in t]
    assert said("worklist.late") in monday and "patient no. 1" in monday
    await desk.run_jobs(MONDAY_OPEN + timedelta(days=1, minutes=2))
    (tuesday,) = [t for t in worklists(desk) if "01 Dec" in t]
    assert said("worklist.enrolled_heading", count=1) not in tuesday

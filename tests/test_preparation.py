"""Preparation before the session (issue 24): the plan's days -7 to -1 hold the clinic's preparation notes, sent to
a patient who enrolled or was invited before the date on the days still ahead, at their morning time (what a
patient types before the session: tests/test_preparation_typed.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.care.invites import invite_for
from bot.store import open_store
from schedules.care_plan import PlanError, load_plan, parse_plan
from tests.conftest import CLINIC_CHAT as CLINIC, bot_of, clinic_settings, enrol_typing, open_phone, start
from tests.texts import said, shows

A = 1001
LONDON = ZoneInfo("Europe/London")
EARLY = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)  # a Monday, 07:00 in London, before the 08:00 morning
SESSION = date(2026, 11, 28)  # five days later
PLAN = load_plan("microneedling")
PREPARATION = sorted((day, step.message) for step in PLAN.steps for day in PLAN.sunscreen_days(step) if day < 0)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """That London wall time as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def push(key: str, first: bool = True) -> str:
    """A preparation note's push as the patient sees it: the day's timeline line, then the one headline."""
    headline = said("rhythm.open_morning", items=said(f"{key}_phrase"))
    return f"{said('timeline.before_treatment_short')}\n\n{headline}" if first else headline


@pytest.fixture
async def clinic(tmp_path, clock):
    """A clinic with its staff chat, the clock at 07:00 on a Monday."""
    clock.set(EARLY)
    settings = clinic_settings(tmp_path)
    async with bot_of(settings, clock) as bot:
        yield bot


async def days_of_pushes(bot, first: date, last: date) -> dict[int, list[str]]:
    """The dispatcher run through each morning, midday and evening from ``first`` to ``last``: the texts it sent
    the patient, by day of care."""
    sent: dict[int, list[str]] = {}
    day = first
    while day <= last:
        for hour, minute in ((8, 0), (13, 0), (21, 0), (21, 45)):
            before = len(bot.reminders(A))
            await bot.run(at(day, hour, minute))
            sent.setdefault((day - SESSION).days, []).extend(bot.reminders(A)[before:])
        day += timedelta(days=1)
    return sent


def test_the_plan_holds_a_preparation_note_on_every_day_before_the_session():
    """Days -7 to -1 each hold one note, and only notes: no check-in and no aftercare reminder before day 0."""
    assert [day for day, _ in PREPARATION] == list(range(-7, 0)) and PLAN.first_day == -7
    assert all(step.kind == "note" for step in PLAN.steps for day in PLAN.sunscreen_days(step) if day < 0)


TINY = """
name = "tiny"
title = "Tiny plan"
length_days = 10
first_day = -3
daily_budget = { "-3--1" = 1, "0-10" = 2 }

[[steps]]
key = "prep"
kind = "note"
days = ["-3--2", -1]
at = "morning"
message = "preparation.stop_actives"

[[steps]]
key = "care"
kind = "skincare"
days = ["0-3"]
at = "evening"
message = "reminders.skincare_evening"
"""


def test_a_plan_may_start_before_day_zero_with_notes_and_their_own_budget():
    """ "first_day" lets notes stand on days before the session ("-3--2" is a range), with a budget for them."""
    plan = parse_plan(TINY)
    assert plan.first_day == -3 and plan.steps[0].days == (-3, -2, -1)
    assert plan.daily_budget == ((-3, -1, 1), (0, 10, 2))


@pytest.mark.parametrize("old, new, error", [
    ('kind = "skincare"\ndays = ["0-3"]', 'kind = "skincare"\ndays = ["-1-3"]', "only notes may come before"),
    ('days = ["-3--2", -1]', 'days = ["-4--2", -1]', "outside days -3..10"),
    ("first_day = -3", "first_day = -30", "first_day"),
    ("first_day = -3\n", ""
     , "outside days 0..10"),
    ('"-3--1" = 1, ', '"-2--1" = 1, ', "day -3 is missing"),
])
def test_a_plan_before_day_zero_is_checked_at_load(old, new, error):
    """A check-in or care reminder before the session, a note before first_day, a first_day too early and a
    budget that leaves a preparation day out are refused naming the problem."""
    assert old in TINY
    with pytest.raises(PlanError, match=error):
        parse_plan(TINY.replace(old, new, 1))


async def test_a_date_up_to_sixty_days_ahead_is_taken_and_beyond_it_kindly_refused(clinic):
    """Enrolment takes a session 60 days ahead (as far as an invitation may be) and says why it refuses day 61."""
    await clinic.phone.send(A, "/start")
    await clinic.phone.tap(A, "I agree")
    await clinic.phone.send(A, "London")
    refused = await clinic.phone.send(A, "2027-01-23")
    assert refused[0].text == said("enrol.date_too_far", date="23 Jan 2027", max_ahead=60)
    await clinic.phone.send(A, "2027-01-22")
    assert clinic.store.patient(A).draft_date == date(2027, 1, 22)


async def test_a_patient_enrolled_five_days_before_gets_days_minus_five_to_minus_one_then_day_zero(clinic):
    """Enrolled with a typed date five days ahead: one preparation push a morning from day -5 (never the missed
    -7 and -6), no check-in before the session, then the aftercare plan from day 0."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    assert clinic.store.patient(A).treatment.treatment_date == SESSION
    sent = await days_of_pushes(clinic, date(2026, 11, 23), SESSION)
    notes = dict(PREPARATION)
    assert {day: texts for day, texts in sent.items() if day < 0} == {day: [push(notes[day])] for day in range(-5, 0)}
    assert not any(d.day in (-7, -6) for d in clinic.store.deliveries(A))
    assert not any(d.kind == "checkin" and d.day < 0 for d in clinic.store.deliveries(A))
    assert any(said("reminders.checkin_prompt", day=0) == text for text in sent[0])  # day 0 goes on as before
    assert shows(sent[0][0], "timeline.day_0_short")


@pytest.mark.parametrize("day, key", PREPARATION, ids=[f"day{d}" for d, _ in PREPARATION])
async def test_every_preparation_day_sends_its_note_at_the_morning_time(tmp_path, clock, day, key):
    """Each preparation day of the plan: a patient enrolled a week ahead gets that day's note at 08:00, as one
    headline under the day's timeline line, with More opening the full text in place."""
    clock.set(EARLY - timedelta(days=1))  # enrolled on the Sunday, the session seven days after it
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    try:
        await enrol_typing(bot.phone, A, zone="London", treated="29.11.2026")
        the_day = date(2026, 11, 29) + timedelta(days=day)
        due = [d for d in store.deliveries(A) if d.day == day]
        assert [(d.message_key, d.due_at) for d in due] == [(key, at(the_day, 8))]
        await bot.run(at(the_day, 8))
        note = bot.telegram.last(A)
        assert note.text == push(key)
        opened = await bot.phone.tap(A, said("rhythm.more_button"), note)
        assert said(key) in bot.telegram.last(A).text or any(said(key) in m.text for m in opened)
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_an_invited_patient_before_the_date_gets_the_days_still_ahead(clinic):
    """Invited three days before the session: never asked the date, and the notes of days -3 to -1 planned."""
    settings = clinic.phone.app.bot_data["services"].settings
    payload, _ = invite_for(settings.sealer(), settings.plans_dir, "microneedling", date(2026, 11, 26), "A-7", 14,
                            EARLY.date())
    await clinic.phone.send(A, f"/start {payload}")
    await clinic.phone.tap(A, "I agree")
    for answer in ("London", "8:00 21:00", "no", "no", "skip"):
        await clinic.phone.send(A, answer)
    assert clinic.store.patient(A).treatment.treatment_date == date(2026, 11, 26)
    planned = sorted((d.day, d.message_key) for d in clinic.store.deliveries(A) if d.day < 0)
    assert planned == [(day, key) for day, key in PREPARATION if day >= -3]
    await clinic.run(at(date(2026, 11, 23), 8))
    assert clinic.telegram.last(A).text == push(dict(PREPARATION)[-3])


async def test_moving_the_session_replans_the_preparation_days(clinic):
    """Staff move the session two days later: the preparation notes follow it (day -5 is two days later)."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    number = clinic.store.patient_number(A)
    await clinic.phone.feed(clinic.telegram.message(CLINIC, f"/patient {number} move 2026-11-30", user_id=7,
                                                    first_name="Jo", chat_type="supergroup"))
    pending = {d.day: d.due_at for d in clinic.store.deliveries(A) if d.state == "pending" and d.day < 0}
    assert pending[-7] == at(date(2026, 11, 23), 8) and pending[-1] == at(date(2026, 11, 29), 8)

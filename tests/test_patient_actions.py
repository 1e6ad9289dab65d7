"""Staff actions on a patient from the clinic chat (bot/handlers/patient_actions.py): pause, resume, end early,
move the treatment date; the patient told each time; only the clinic team may act."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.store import open_store
from tests.conftest import (CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, CLINIC_NURSE as NURSE, clinic_settings,
                            enrol, start)
from tests.texts import said, shows

A, MEMBER = 1001, 6060


@pytest.fixture
async def clinic(tmp_path, clock):
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    await enrol(bot.phone, A)
    yield bot
    await bot.phone.app.shutdown()
    store.close()


async def command(bot, text: str, user_id: int = NURSE) -> tuple[str, list]:
    """``text`` typed in the clinic chat by ``user_id``; returns the bot's answer there and what the patient got."""
    before = len(bot.telegram.chat(A))
    await bot.phone.feed(bot.telegram.message(CLINIC, text, user_id=user_id, first_name="Jo", chat_type="supergroup"))
    return bot.telegram.last(CLINIC).text, [m.text for m in bot.telegram.chat(A)[before:]]


def pending(bot) -> list:
    return [d for d in bot.store.deliveries(A) if d.state == "pending"]


async def test_pause_and_resume_stop_and_restart_the_patients_messages(clinic):
    """Paused for 3 days nothing is due before the pause ends, and the patient is told until when; resumed,
    the next days are planned again and the patient is told."""
    now = clinic.phone.clock.now()
    number = clinic.store.patient_number(A)
    staff, told = await command(clinic, f"/patient {number} pause 3")
    assert shows(staff, "staff.patient_done_pause") and len(told) == 1 and shows(told[0], "control.clinic_paused")
    assert all(d.due_at >= now + timedelta(days=3) for d in pending(clinic))
    staff, told = await command(clinic, f"/patient {number} resume")
    assert told == [said("control.clinic_resumed")] and shows(staff, "staff.patient_done_resume")
    assert any(d.due_at < now + timedelta(days=1) for d in pending(clinic))


async def test_ending_a_plan_cancels_everything_and_nothing_is_planned_again(clinic):
    """Ended early: every planned message is cancelled, a later re-plan plans nothing, and the patient is told."""
    number = clinic.store.patient_number(A)
    staff, told = await command(clinic, f"/patient {number} end", user_id=ADMIN)
    assert told == [said("control.clinic_ended")] and shows(staff, "staff.patient_done_end")
    assert pending(clinic) == []
    assert clinic.store.patient(A).treatment.ended_at is not None
    await clinic.phone.send(A, "/settings")  # a settings change re-plans: still nothing
    await clinic.run(clinic.phone.clock.now() + timedelta(days=2))
    assert pending(clinic) == []
    again, told = await command(clinic, f"/patient {number} end")
    assert again == said("staff.patient_ended_already", number=number) and told == []


async def test_moving_the_treatment_date_reschedules_the_plan(clinic):
    """Moved two days ahead: the date is the new one, the plan's day 1 is two days later, the patient is told."""
    number = clinic.store.patient_number(A)
    first_before = min(d.due_at for d in pending(clinic) if d.day == 1)
    staff, told = await command(clinic, f"/patient {number} move 2026-11-25")
    assert told == [said("control.clinic_moved", date="25 Nov 2026")]
    assert clinic.store.patient(A).treatment.treatment_date == date(2026, 11, 25)
    assert min(d.due_at for d in pending(clinic) if d.day == 1) == first_before + timedelta(days=2)
    refused, told = await command(clinic, f"/patient {number} move 2020-01-01")
    assert shows(refused, "staff.patient_bad_date") and told == []


async def test_only_the_team_acts_on_a_patient_and_bad_commands_get_the_usage(clinic):
    """A group member who is not on the team is refused and the patient hears nothing; an unknown number, an
    unknown action and a bad date get a plain answer."""
    number = clinic.store.patient_number(A)
    staff, told = await command(clinic, f"/patient {number} end", user_id=MEMBER)
    assert staff == said("staff.patient_team_only") and told == [] and pending(clinic)
    assert (await command(clinic, "/patient 999 pause"))[0] == said("staff.patient_unknown", number=999)
    assert (await command(clinic, f"/patient {number} fly"))[0] == said("staff.patient_usage")
    assert (await command(clinic, f"/patient {number} move someday"))[0] == said("staff.patient_usage")
    assert (await command(clinic, f"/patient {number} pause 400"))[0] == said("staff.patient_usage")

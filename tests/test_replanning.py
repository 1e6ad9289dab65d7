"""Changing settings re-plans only what has not been sent, in the patient's zone, times and quiet hours."""

from __future__ import annotations

from datetime import time

import pytest

from messages.parsing import parse_quiet
from tests.conftest import enrol
from tests.test_dispatch import A, DAY0_EVENING
from tests.texts import said, shows


def pending_times(bot, kind: str) -> set[str]:
    return {f"{r.due_at:%d %H:%M}" for r in bot.store.deliveries(A) if r.state == "pending" and r.kind == kind}


async def test_new_times_move_pending_reminders_and_keep_sent_ones(bot):
    """New reminder times move every pending row; what was already sent stays sent, exactly once."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    sent_before = {r.step for r in bot.store.deliveries(A) if r.state == "sent"}
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Reminder times")
    await bot.phone.send(A, "7:15 and 20:00")
    assert shows(bot.telegram.last(A).text, "enrol.summary_updated") and "07:15 and 20:00" in bot.telegram.last(A).text
    assert pending_times(bot, "skincare") >= {"24 07:15", "24 20:00"}
    assert not any(t.endswith(("08:00", "21:00")) for t in pending_times(bot, "skincare"))
    assert {r.step for r in bot.store.deliveries(A) if r.state == "sent"} == sent_before
    assert all(r.step not in sent_before for r in bot.store.deliveries(A) if r.state == "pending")


async def test_patient_quiet_hours_move_reminders_out_of_them(bot):
    """Quiet hours of the patient's own push morning and evening reminders to their end."""
    await enrol(bot.phone, A)
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Quiet hours")
    await bot.phone.send(A, "20:30-08:30")
    assert said("enrol.quiet_set", quiet="20:30-08:30") in bot.telegram.texts(A)
    assert "24 08:30" in pending_times(bot, "checkin")  # day 0's 21:00 check-in waits for the quiet end
    assert "24 08:30" in pending_times(bot, "sunscreen")  # and day 1's 08:00 sunscreen too
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Quiet hours")
    await bot.phone.tap(A, "No quiet hours")
    assert "23 21:00" in pending_times(bot, "checkin") and "24 08:00" in pending_times(bot, "sunscreen")
    assert shows((await bot.phone.send(A, "/settings"))[0].text, "common.settings", quiet=said("enrol.quiet_none"))


async def test_a_new_treatment_date_replaces_the_pending_plan(bot):
    """Moving the treatment date re-plans from the new day 0."""
    await enrol(bot.phone, A)
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Treatment date")
    await bot.phone.send(A, "2026-11-21")
    checkins = sorted(r.day for r in bot.store.deliveries(A) if r.kind == "checkin" and r.state == "pending")
    assert checkins[0] == 2  # 21 Nov is day 0, so tonight (23 Nov) is day 2
    assert bot.store.patient(A).treatment.treatment_date.isoformat() == "2026-11-21"


@pytest.mark.parametrize("text, expected", [
    ("22:30-07:00", (time(22, 30), time(7))),
    ("22 to 7", (time(22), time(7))),
    ("off", "off"),
    ("none", "off"),
    ("22:00-22:00", None),
    ("whenever", None),
    ("25:00-07:00", None),
])
def test_parse_quiet_hours(text, expected):
    """Typed quiet hours are two times, or 'off'; anything else is not understood."""
    assert parse_quiet(text) == expected


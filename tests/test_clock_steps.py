"""The dispatcher's wakes are monotonic: a wall clock stepped back or forward is re-planned, never a stall.

The alarm is started as the JobQueue would start it; time moves only with the hand-moved clock (``advance``
moves both readings, ``step_wall`` only the wall clock, as an NTP correction or a VM restore does)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.delivery.dispatch import SAFETY_INTERVAL
from bot.runtime import read_tick
from schedules.planner import Delivery
from tests.conftest import START, enrol, open_phone

A = 1001
KEYS = ["reminders.sunscreen_morning", "reminders.skincare_morning"]


async def settle(until=lambda: False, rounds: int = 2000) -> None:
    """Let the event loop run what is ready (never waits on the real clock): until ``until()`` or ``rounds``."""
    for _ in range(rounds):
        if until():
            return
        await asyncio.sleep(0)


@pytest.fixture
async def running(settings, store, clock):
    """The real Application with its dispatcher's alarm started (the JobQueue's start-up job, called by hand)."""
    phone = await open_phone(settings, store, clock)
    await enrol(phone, A)
    phone.dispatcher.start(standalone=True)
    await settle(lambda: phone.dispatcher.alarm.deadline is not None and phone.dispatcher.alarm.running)
    yield phone
    await phone.dispatcher.close()
    await phone.app.shutdown()


def plan_followups(phone, *offsets: int) -> list:
    """Replace the patient's plan with follow-ups due ``offsets`` seconds after the wall clock's now."""
    now = phone.clock.now()
    treatment = phone.store.patient(A).treatment
    planned = [Delivery(f"followup:{i}", 1, "followup", KEYS[i], now + timedelta(seconds=s), "morning")
               for i, s in enumerate(offsets)]
    phone.store.replace_pending(A, treatment.id, [], now)
    phone.store.replace_pending(A, treatment.id, planned, now)
    phone.dispatcher.wake()
    return planned


def sent_followups(phone) -> int:
    return sum(1 for row in phone.store.deliveries(A) if row.step.startswith("followup:") and row.state == "sent")


async def move(phone, seconds: float) -> None:
    phone.clock.advance(timedelta(seconds=seconds))
    await settle()


async def test_a_wall_clock_stepped_back_an_hour_still_sends_followups_due_at_40_and_100_seconds(running):
    """After the wall clock steps back an hour, follow-ups due 40 s and 100 s later still go out on time."""
    await move(running, 1)  # the first run at start-up
    running.clock.step_wall(timedelta(hours=-1))
    plan_followups(running, 40, 100)
    await move(running, 39)
    assert sent_followups(running) == 0
    await move(running, 1)
    assert sent_followups(running) == 1
    await move(running, 60)
    assert sent_followups(running) == 2
    assert running.telegram.texts(A)[-1] != running.telegram.texts(A)[-2]


async def test_a_step_back_after_the_wake_was_planned_keeps_the_dispatcher_ticking(running, settings):
    """A wake planned before the wall clock stepped back still comes on the monotonic clock, and every safety
    interval after it the dispatcher runs again (its heartbeat carries the stepped-back wall time)."""
    await move(running, 1)
    plan_followups(running, 30)
    running.clock.step_wall(timedelta(hours=-1))
    for _ in range(3):
        await move(running, SAFETY_INTERVAL.total_seconds())
        assert read_tick(settings.data_dir) == running.clock.now()
    assert sent_followups(running) == 0  # due an hour from the wall clock's now: not early either


async def test_a_wall_clock_stepped_forward_sends_what_became_due_within_the_safety_interval(running):
    """A wall clock stepped forward an hour: what is now overdue goes out by the next wake, not an hour later."""
    await move(running, 1)
    plan_followups(running, 30 * 60)
    running.clock.step_wall(timedelta(hours=1))
    await move(running, SAFETY_INTERVAL.total_seconds())
    assert sent_followups(running) == 1


async def test_the_manual_clock_steps_its_wall_reading_without_moving_the_monotonic_one():
    """``step_wall`` moves only the wall clock and ends no sleep; ``advance`` moves both and ends the sleep."""
    clock = ManualClock(START)
    sleeping = asyncio.ensure_future(clock.sleep(10))
    clock.step_wall(timedelta(hours=-1))
    await settle()
    assert (clock.now(), clock.monotonic(), sleeping.done()) == (START - timedelta(hours=1), 0.0, False)
    clock.advance(timedelta(seconds=10))
    await settle()
    assert sleeping.done() and clock.monotonic() == 10.0


async def test_an_alarm_re_armed_at_once_after_every_run_still_lets_other_tasks_run(clock):
    """An alarm whose every run asks for the next one at once gives the event loop back between runs, so other
    chats and the application's own stop are never starved by a dispatcher with nothing it may claim."""
    from bot.delivery.alarm import Alarm
    fired: list[int] = []
    done = asyncio.Event()

    async def fire() -> None:
        fired.append(1)
        if len(fired) >= 200:
            alarm.stop()
            done.set()
        alarm.set(0)

    alarm = Alarm(clock, fire)
    alarm.set(0)
    alarm.start()
    seen: list[int] = []

    async def other_chat() -> None:
        seen.append(len(fired))

    other = asyncio.ensure_future(other_chat())
    await done.wait()
    await alarm.close()
    await other
    assert seen[0] < 200


async def test_a_run_while_the_application_stops_leaves_due_reminders_pending_and_plans_no_wake(settings, store,
                                                                                               clock):
    """A dispatcher run that finds the application no longer running (it is stopping) sends nothing more,
    keeps what is due pending for the next start, and does not plan an immediate wake (which spun at 100% CPU
    and held up the stop for ever)."""
    phone = await open_phone(settings, store, clock)
    await enrol(phone, A)
    plan_followups(phone, 1)
    phone.clock.advance(timedelta(seconds=2))
    phone.dispatcher.alarm.deadline = None  # as the alarm's loop clears it before each run
    await phone.dispatcher._fire()
    assert phone.dispatcher.alarm.deadline is None
    assert sent_followups(phone) == 0
    assert [row.state for row in phone.store.deliveries(A) if row.step.startswith("followup:")] == ["pending"]
    await phone.app.shutdown()

"""One job per run: the dispatcher only sends; unanswered check-ins and alert re-raises are care's own jobs."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.care.jobs import RERAISE_EVERY, RERAISE_JOB, UNANSWERED_EVERY, UNANSWERED_JOB, triage_unanswered
from bot.logs import pseudonym
from bot.runtime import read_tick
from tests.conftest import bot_of, enrol
from tests.test_alerts import ADMIN, CLINIC, clinic_settings, red_flag

A = 1001
UTC = timezone.utc
DAY0_EVENING = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # the day-0 check-in prompt (London = UTC in November)
JOBS_LOGGER = "bot.care.jobs"


@pytest.fixture
async def clinic(tmp_path, clock):
    """A bot with a clinic chat and one admin, on the hand-moved clock."""
    settings = clinic_settings(tmp_path)
    async with bot_of(settings, clock) as bot:
        yield bot


def repeating(bot, name: str):
    """The JobQueue job called ``name`` that repeats (the other of that name is its run at start-up)."""
    [job] = [j for j in bot.phone.app.job_queue.get_jobs_by_name(name) if isinstance(j.job.trigger, IntervalTrigger)]
    return job


async def run_job(bot, name: str) -> None:
    """Run the care job called ``name`` alone, as the scheduler would."""
    await repeating(bot, name).run(bot.phone.app)


async def run_at(bot, when: datetime) -> None:
    """One dispatcher run alone, at ``when`` on the clock too."""
    bot.phone.clock.set(when)
    await bot.dispatcher.run_once(when)


def woken(bot) -> list[None]:
    """Record each time something wakes the dispatcher (the services' ``wake``, set by install_dispatcher)."""
    calls: list[None] = []
    svc = bot.phone.app.bot_data["services"]
    wake = svc.wake
    svc.wake = lambda: (calls.append(None), wake())[1]
    return calls


def job_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == JOBS_LOGGER]


def test_each_care_job_is_scheduled_on_its_own_interval_and_at_start_up(bot):
    """build_app schedules the triage of unanswered check-ins every 5 minutes and alert re-raises every minute,
    each also once at start-up (a one-off job already due, never skipped for being late)."""
    queue = bot.phone.app.job_queue
    assert (UNANSWERED_EVERY, RERAISE_EVERY) == (timedelta(minutes=5), timedelta(seconds=60))
    for name, every in ((UNANSWERED_JOB, UNANSWERED_EVERY), (RERAISE_JOB, RERAISE_EVERY)):
        trigger = repeating(bot, name).job.trigger
        assert trigger.interval == every
        [once] = [j for j in queue.get_jobs_by_name(name) if isinstance(j.job.trigger, DateTrigger)]
        # Due when it was added, before the repeating job's first run an interval later.
        assert once.job.trigger.run_date <= trigger.start_date - every and once.job.misfire_grace_time is None


async def test_a_dispatcher_run_does_not_triage_an_unanswered_check_in(bot):
    """A dispatcher run 13 h after an unanswered check-in prompt only sends: the prompt stays untriaged."""
    await enrol(bot.phone, A)
    await run_at(bot, DAY0_EVENING)
    later = DAY0_EVENING + timedelta(hours=13)
    await run_at(bot, later)
    assert bot.store.unanswered_prompts(later - timedelta(hours=12)) != []
    assert bot.store.last_verdict(A, bot.store.patient(A).treatment.id) is None


async def test_the_unanswered_job_runs_alone_and_logs_its_own_line(bot, caplog):
    """The triage job closes a check-in prompt left unanswered 13 h as no response, sends nothing, and logs one
    line of counts without the patient's id."""
    await enrol(bot.phone, A)
    await run_at(bot, DAY0_EVENING)
    bot.phone.clock.set(DAY0_EVENING + timedelta(hours=13))
    sent_before = len(bot.telegram.chat(A))
    with caplog.at_level(logging.INFO):
        await run_job(bot, UNANSWERED_JOB)
    assert bot.store.unanswered_prompts(bot.phone.clock.now() - timedelta(hours=12)) == []
    assert bot.store.last_verdict(A, bot.store.patient(A).treatment.id).level == "monitor"
    assert job_lines(caplog) == ["unanswered check-ins: 1 closed"]
    assert len(bot.telegram.chat(A)) == sent_before  # the job sent nothing; the dispatcher did not run
    assert not [r for r in caplog.records if r.name == "bot.delivery.dispatch"]
    assert str(A) not in job_lines(caplog)[0] and pseudonym(A) not in job_lines(caplog)[0]


async def test_the_unanswered_job_with_nothing_to_do_wakes_nobody(bot, caplog):
    """With nothing left unanswered the triage job logs that it closed none and does not wake the dispatcher."""
    calls = woken(bot)
    with caplog.at_level(logging.INFO):
        assert await triage_unanswered(bot.phone.app, bot.phone.clock.now()) == 0
    assert job_lines(caplog) == ["unanswered check-ins: 0 closed"] and calls == []


async def test_the_reraise_job_runs_alone_queues_and_wakes_the_dispatcher(clinic, caplog):
    """The re-raise job queues an emergency alert nobody acknowledged in 30 minutes, wakes the dispatcher, logs its
    own line, and leaves sending to the dispatcher's run."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    assert len(clinic.telegram.chat(CLINIC)) == 1
    clinic.phone.clock.advance(timedelta(minutes=31))
    calls = woken(clinic)
    with caplog.at_level(logging.INFO):
        await run_job(clinic, RERAISE_JOB)
    assert job_lines(caplog) == ["alert re-raise: 1 queued"] and calls == [None]
    assert [row.kind for row in clinic.store.outbox() if row.state == "pending"] == ["reraise"]
    assert len(clinic.telegram.chat(CLINIC)) == 1  # queued, not sent: that is the dispatcher's
    assert str(A) not in "\n".join(job_lines(caplog))
    await clinic.dispatcher.run_once(clinic.phone.clock.now())
    assert len(clinic.telegram.chat(CLINIC)) == 2
    assert clinic.telegram.last(CLINIC).text.startswith("🔁 Not acknowledged")


async def test_a_dispatcher_run_does_not_raise_an_alert_again(clinic):
    """A dispatcher run 31 minutes after an unacknowledged emergency alert sends nothing new to the clinic chat."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    await clinic.dispatcher.run_once(clinic.phone.clock.advance(timedelta(minutes=31)))
    assert len(clinic.telegram.chat(CLINIC)) == 1
    assert [row.kind for row in clinic.store.outbox()] == ["alert"]


async def test_the_heartbeat_hook_is_called_on_every_run(bot, settings):
    """Each dispatcher run calls the wiring's heartbeat hook, which writes the tick file the watchdog reads."""
    ticks: list[datetime] = []
    real = bot.dispatcher.hooks
    bot.dispatcher.hooks = dataclasses.replace(real, on_tick=lambda now: (ticks.append(now), real.on_tick(now)))
    first = bot.phone.clock.now()
    await bot.dispatcher.run_once(first)
    second = bot.phone.clock.advance(timedelta(minutes=1))
    await bot.dispatcher.run_once(second)
    assert ticks and ticks[0] == first and ticks[-1] == second and set(ticks) == {first, second}
    assert read_tick(settings.data_dir) == second


async def test_the_fewer_messages_question_is_marked_asked_once_telegram_took_it(bot):
    """A silent patient's reminder carrying the fewer-messages question marks it asked only when Telegram took it:
    refused, the next reminder asks again; composing alone never writes it."""
    await enrol(bot.phone, A)
    treatment = bot.store.patient(A).treatment
    for day in (0, 1, 2):
        bot.store.record_no_response(A, treatment.id, day, bot.phone.clock.now())
    assert bot.store.is_silent(A, treatment.id) and bot.store.engagement(A)[0] is False
    bot.telegram.fail_next("sendMessage", "bad_request", chat_id=A)
    await bot.run(DAY0_EVENING)
    assert [r.reason for r in bot.store.deliveries(A) if r.state == "failed"] != []
    assert bot.store.engagement(A)[0] is False
    for _ in range(20):
        if any("Would you like fewer messages" in text for text in bot.reminders(A)):
            break
        await bot.run(bot.store.next_due_at())
    assert bot.store.engagement(A)[0] is True
    assert sum("Would you like fewer messages" in text for text in bot.reminders(A)) == 1

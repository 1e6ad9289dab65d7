"""The daily retention job never misses a day: a late run still runs (a grace of hours), and a bot that was down
at 03:30 catches up at start-up from the last run recorded in the store, saying so in the log."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.date import DateTrigger

from tests.conftest import enrol

A = 1001
UTC = timezone.utc
PRIVACY_LOGGER = "bot.handlers.privacy"


def job(phone, name: str):
    [found] = phone.app.job_queue.get_jobs_by_name(name)
    return found


def two_hundred_days_on(phone) -> datetime:
    """Past the 90-day plan and the 90-day retention period; 09:00 UTC, so today's 03:30 run is due."""
    phone.clock.advance(timedelta(days=200))
    return phone.clock.now()


async def test_a_late_retention_run_still_runs_hours_after_03_30(phone):
    """The daily job's misfire grace is hours, not APScheduler's 1 s: a busy or suspended machine at 03:30
    still erases that day (and runs once, not once per missed day)."""
    daily = job(phone, "retention")
    grace = getattr(daily.job, "misfire_grace_time", 1)  # unset: APScheduler's default, 1 s, once started
    assert grace is not None and grace >= 3 * 3600 and daily.job.coalesce is True


async def test_retention_runs_at_start_up_when_its_last_run_is_overdue_and_says_so(phone, caplog):
    """A bot that was down at 03:30 (last run two days ago) erases the finished patient at start-up, logs
    that the run was overdue, and records this run."""
    await enrol(phone, A)
    now = two_hundred_days_on(phone)
    phone.store.record_job_run("retention", now - timedelta(days=2))
    catch_up = job(phone, "retention.catch_up")
    assert isinstance(catch_up.job.trigger, DateTrigger)  # once, at start-up
    with caplog.at_level(logging.INFO, logger=PRIVACY_LOGGER):
        await catch_up.run(phone.app)
    assert phone.store.patient(A) is None
    said = [r.getMessage() for r in caplog.records if r.name == PRIVACY_LOGGER and "overdue" in r.getMessage()]
    assert said == ["retention: the run due at 2027-06-11T03:30:00+00:00 is overdue "
                    f"(last run: {(now - timedelta(days=2)).isoformat()}); running it now"]
    assert phone.store.last_job_run("retention") == now.replace(hour=3, minute=30)  # the run it covered


async def test_retention_at_start_up_waits_when_todays_run_already_happened(phone, caplog):
    """Started after today's 03:30 run was recorded, the start-up check erases nothing and logs nothing;
    the daily run itself records the 03:30 it covered."""
    await enrol(phone, A)
    now = two_hundred_days_on(phone)
    phone.store.record_job_run("retention", now.replace(hour=3, minute=30))
    with caplog.at_level(logging.INFO, logger=PRIVACY_LOGGER):
        await job(phone, "retention.catch_up").run(phone.app)
    assert phone.store.patient(A) is not None
    assert not [r for r in caplog.records if r.name == PRIVACY_LOGGER]
    await job(phone, "retention").run(phone.app)
    assert phone.store.patient(A) is None and phone.store.last_job_run("retention") == now.replace(hour=3, minute=30)


async def test_a_bot_that_never_ran_retention_runs_it_at_start_up(phone):
    """No run recorded at all (a bot upgraded from a version that did not record it): the start-up check runs it."""
    await enrol(phone, A)
    two_hundred_days_on(phone)
    await job(phone, "retention.catch_up").run(phone.app)
    assert phone.store.patient(A) is None

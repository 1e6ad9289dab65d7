"""Care's own jobs on the JobQueue: unanswered check-ins triaged, unacknowledged alerts raised again.

| job (name)          | every  | what it does                                                               |
|---------------------|--------|----------------------------------------------------------------------------|
| ``care.unanswered`` | 5 min  | check-ins open 12 h triaged on the answers given (P5a), their advice sent  |
|                     |        | to the patient (P10), prompts unanswered 12 h recorded as no_response      |
|                     |        | (P5): ``bot.care.verdicts.record_unanswered``                              |
| ``care.reraise``    | 60 s   | urgent and emergency alerts nobody acknowledged in time queued again, or   |
|                     |        | to the on-call admins: ``bot.care.alerts.raise_again``                     |
| ``care.worklist``   | 5 min  | the daily worklist to the clinic chat, once per working day after opening: |
|                     |        | ``bot.care.worklist.send_worklist``                                        |

All also run once at start-up. SQLite is the source of truth and a job only an alarm clock: a run
missed while the bot was down just finds more the next time, so a late run is never skipped
(``misfire_grace_time=None``) and missed ones coalesce into one. Each run logs one line of counts (no
patient's words, no ids). What a job queues goes out through the dispatcher, which it wakes; the
dispatcher itself only sends (``bot.delivery.dispatch``).

Five minutes is plenty for a 12-hour rule; a re-raise is due ``reraise_minutes`` (30) after the alert, so
checking every minute keeps it within a minute of that, like the dispatcher's own safety interval.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.care.alerts import raise_again
from bot.care.verdicts import record_unanswered
from bot.care.worklist import EVERY as WORKLIST_EVERY, send_worklist
from bot.delivery.deliveries import DispatchReport
from bot.delivery.dispatch import dispatcher_of
from bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)

UNANSWERED_JOB, UNANSWERED_EVERY = "care.unanswered", timedelta(minutes=5)
RERAISE_JOB, RERAISE_EVERY = "care.reraise", timedelta(seconds=60)
WORKLIST_JOB = "care.worklist"


def _services(application: Application) -> Services:
    return application.bot_data[SERVICES_KEY]


async def triage_unanswered(application: Application, now: datetime) -> int:
    """One run of ``care.unanswered`` at ``now``: returns the check-ins closed, and wakes the dispatcher if any."""
    svc = _services(application)
    closed = await record_unanswered(application.bot, svc, now)
    log.info("unanswered check-ins: %d closed", closed)
    if closed:  # an alert that failed its one try, or a verdict the next reminder reads
        svc.wake()
    return closed


async def raise_alerts_again(application: Application, now: datetime) -> int:
    """One run of ``care.reraise`` at ``now``: returns the alert outbox rows queued, and wakes the dispatcher if any."""
    svc = _services(application)
    queued = raise_again(svc, now)
    log.info("alert re-raise: %d queued", queued)
    if queued:
        svc.wake()
    return queued


async def _unanswered_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: triage what was left unanswered, at the clock's now."""
    try:
        await triage_unanswered(context.application, _services(context.application).clock.now())
    except Exception as error:  # noqa: BLE001 - log the class only; the next run tries again
        log.error("unanswered check-ins: run failed: %s", type(error).__name__)


async def _reraise_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: raise unacknowledged alerts again, at the clock's now."""
    try:
        await raise_alerts_again(context.application, _services(context.application).clock.now())
    except Exception as error:  # noqa: BLE001 - log the class only; the next run tries again
        log.error("alert re-raise: run failed: %s", type(error).__name__)


async def daily_worklist(application: Application, now: datetime) -> bool:
    """One run of ``care.worklist`` at ``now``: the day's worklist, if it is due."""
    return await send_worklist(application.bot, _services(application), now)


async def _worklist_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: the daily worklist, at the clock's now."""
    try:
        await daily_worklist(context.application, _services(context.application).clock.now())
    except Exception as error:  # noqa: BLE001 - log the class only; the next run tries again
        log.error("daily worklist: run failed: %s", type(error).__name__)


def install_care_jobs(application: Application) -> None:
    """Schedule the jobs, each on its own interval and once at start-up."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("the care jobs need python-telegram-bot[job-queue]")
    options = {"misfire_grace_time": None, "coalesce": True}
    for callback, every, name in ((_unanswered_job, UNANSWERED_EVERY, UNANSWERED_JOB),
                                  (_reraise_job, RERAISE_EVERY, RERAISE_JOB),
                                  (_worklist_job, WORKLIST_EVERY, WORKLIST_JOB)):
        # run_repeating cannot start at once (APScheduler moves a start already past to the next interval, as
        # run_repeating's docs say), so the start-up run is a one-off job of the same name.
        queue.run_once(callback, when=0, name=name, job_kwargs={"misfire_grace_time": None})
        queue.run_repeating(callback, interval=every, name=name, job_kwargs=options)


def daily_due(now: datetime, at: time) -> datetime:
    """The latest instant at or before ``now`` at which a job run daily at ``at`` (UTC) was due."""
    due = datetime.combine(now.astimezone(timezone.utc).date(), at.replace(tzinfo=None), tzinfo=timezone.utc)
    return due if due <= now else due - timedelta(days=1)


def missed_daily_run(last_run: datetime | None, now: datetime, at: time) -> datetime | None:
    """The run of a daily job at ``at`` that was due by ``now`` but not done: None when ``last_run`` (the due
    instant the last run covered) is that one. A job that never ran is overdue."""
    due = daily_due(now, at)
    return due if last_run is None or last_run < due else None


async def run_jobs(application: Application, now: datetime, **dispatch_options: Any) -> DispatchReport:
    """Every job once at ``now``, in order: triage, re-raise, the worklist, then a dispatcher run (its report is
    returned).

    For stepping through time (the demo's time travel, tests); the running bot runs each on its own interval."""
    await triage_unanswered(application, now)
    await raise_alerts_again(application, now)
    await daily_worklist(application, now)
    return await dispatcher_of(application).run_once(now, **dispatch_options)

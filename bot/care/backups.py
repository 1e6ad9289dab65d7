"""The nightly backup, taken by the running bot itself: no cron job for the clinic to write.

SQLite is the source of truth and the JobQueue only an alarm clock (docs/design.md): the daily job at
``AFTERCARE_BACKUP_AT`` (UTC) has a misfire grace of hours (APScheduler's default is one second, so a busy or
suspended machine would silently skip the night), and at start-up a catch-up looks at the run recorded in the
store and backs up at once when the last night's backup was missed. What a run does is bot/store/backups.py;
the copy reads the whole database, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes

from bot.care.jobs import daily_due, missed_daily_run
from bot.services import SERVICES_KEY, Services
from bot.store import BackupRecord
from bot.store.backups import write_nightly

log = logging.getLogger(__name__)

BACKUP_JOB = "nightly_backup"
BACKUP_GRACE = timedelta(hours=12)


async def back_up(svc: Services, now: datetime) -> BackupRecord | None:
    """Tonight's backup at ``now``: written, verified, rotated, recorded (None: an in-memory store, nothing to copy)."""
    settings, store = svc.settings, svc.store
    if store.path is None or settings.backup_at is None:
        return None
    record = await asyncio.to_thread(write_nightly, store.path, settings.backup_folder, now, settings.sealer(),
                                     settings.backup_keep)
    record = store.record_backup(record)
    if record.file and record.last_ok_at == now:
        store.record_job_run(BACKUP_JOB, daily_due(now, settings.backup_at))
    if record.ok:
        log.info("nightly backup: %s written and verified in %s (the newest %d kept)", record.file,
                 settings.backup_folder, settings.backup_keep)
    else:  # paths and reasons only: no patient data
        log.error("nightly backup: %s", record.problem)
    return record


async def _nightly_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: tonight's backup, at the clock's now."""
    svc = context.application.bot_data[SERVICES_KEY]
    await back_up(svc, svc.clock.now())


async def _catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start-up: back up now if the last night's backup was missed (the bot was down, or it never ran)."""
    svc = context.application.bot_data[SERVICES_KEY]
    if svc.settings.backup_at is None or svc.store.path is None:
        return
    now, last = svc.clock.now(), svc.store.last_job_run(BACKUP_JOB)
    missed = missed_daily_run(last, now, svc.settings.backup_at)
    if missed is None:
        return
    log.warning("nightly backup: the one due at %s is missing (last: %s); backing up now", missed.isoformat(),
                last.isoformat() if last else "none recorded")
    await back_up(svc, now)


def install_nightly_backup(application: Application) -> None:
    """Schedule the nightly backup and its start-up catch-up (nothing when AFTERCARE_BACKUP_AT is off)."""
    settings = application.bot_data[SERVICES_KEY].settings
    if application.job_queue is None or settings.backup_at is None:
        return
    application.job_queue.run_daily(_nightly_job, time=settings.backup_at, name=BACKUP_JOB, job_kwargs={
        "misfire_grace_time": int(BACKUP_GRACE.total_seconds()), "coalesce": True})
    application.job_queue.run_once(_catch_up, when=0, name=f"{BACKUP_JOB}.catch_up",
                                   job_kwargs={"misfire_grace_time": None})

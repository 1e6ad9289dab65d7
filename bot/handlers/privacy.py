"""Privacy: /privacy, /mydata (a copy of everything, by topic: bot/care/export.py), /delete, and erasure after the retention period.

Callback data is ``p1:del:yes|no``; anything else has expired and changes nothing.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import time, timedelta, timezone

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.care import companions, export
from bot.handlers import companion
from bot.care.alerts import erase_patient, purge_erased
from bot.care.jobs import daily_due, missed_daily_run
from bot.logs import ERASED, REASON_REQUEST, REASON_RETENTION, log_event, pseudonym
from bot.services import plan_for
from bot.services import PRIVATE_MESSAGE, keyboard, services
from schedules.care_plan import PlanError

log = logging.getLogger(__name__)

CB = "p1"
EXPORT_NAME = "aftercare-data.json"
RETENTION_JOB, RETENTION_AT = "retention", time(3, 30, tzinfo=timezone.utc)
# A run found late (the event loop busy, the machine suspended at 03:30) still runs within this; a bot that
# was down at 03:30 catches up at start-up instead (retention_catch_up), from the run recorded in the store.
RETENTION_GRACE = timedelta(hours=12)


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is stored, why, for how long, who sees it, how to delete it."""
    svc = services(context)
    await update.effective_chat.send_message(
        svc.text("control.privacy", retention_days=svc.settings.clinic.retention_days))


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mydata: everything stored about the patient as a JSON document, built in memory only."""
    svc, chat = services(context), update.effective_chat
    if svc.store.patient(chat.id) is None:
        if await companion.own_data(update, svc):  # a companion's own small record
            return
        return await chat.send_message(svc.text("control.mydata_none"))
    document, summary = export.build(svc, chat.id, svc.clock.now())
    blob = json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()
    # Built and sent from memory: no export file ever exists on the server's disk.
    await chat.send_document(document=io.BytesIO(blob), filename=EXPORT_NAME,
                             caption=svc.text("control.mydata_caption"))
    await chat.send_message(summary)
    log.info("chat %s exported their data", pseudonym(chat.id))


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask for confirmation before erasing everything."""
    svc, chat = services(context), update.effective_chat
    if svc.store.patient(chat.id) is None:
        if await companion.ask_delete(update, svc):  # a companion's own small record
            return
        return await chat.send_message(svc.text("control.delete_none"))
    await chat.send_message(svc.text("control.ask_delete"), reply_markup=keyboard(
        [[(svc.text("control.delete_yes"), f"{CB}:del:yes")], [(svc.text("control.delete_no"), f"{CB}:del:no")]]))


async def on_delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The /delete confirmation: erase everything in one transaction, or keep it."""
    svc, query = services(context), update.callback_query
    chat_id = update.effective_chat.id if update.effective_chat else None
    if query.data not in {f"{CB}:del:yes", f"{CB}:del:no"} or chat_id is None or svc.store.patient(chat_id) is None:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if query.data.endswith(":no"):
        return await query.edit_message_text(svc.text("control.delete_kept"))
    companions.tell_of_erasure(svc, chat_id, svc.clock.now())  # before their rows (and the link) go
    rows = erase_patient(svc, chat_id, svc.clock.now())  # also edits the clinic's alert messages about them
    context.chat_data.clear()
    await purge_erased(svc)  # a worker thread: a backup's snapshot makes this chat wait, never the others
    log_event(log, ERASED, chat_id=chat_id, reason=REASON_REQUEST, rows=rows)
    await query.edit_message_text(svc.text("control.deleted"))


async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: erase patients whose own plan ended more than the clinic's retention period ago."""
    svc = services(context)
    now = svc.clock.now()
    lengths = {}
    for name in svc.store.current_plans():
        try:
            lengths[name] = plan_for(svc, name).length_days
        except PlanError as error:  # kept, and said, rather than erased on a guessed length
            log.error("retention: patients on plan %r kept: %s", name, error)
    erased = svc.store.finished_patients(now, svc.settings.clinic.retention_days, lengths)
    for chat_id in erased:
        companions.tell_of_erasure(svc, chat_id, now)
        erase_patient(svc, chat_id, now)
        log_event(log, ERASED, chat_id=chat_id, reason=REASON_RETENTION)
    if erased:
        await purge_erased(svc)
    # The run is recorded by the 03:30 it covers, not by its second: no stored value is then ever the same
    # as a patient's own timestamps (erasure's tests look for those bytes).
    svc.store.record_job_run(RETENTION_JOB, daily_due(now, RETENTION_AT))


async def retention_catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start-up: run the retention job now if its last daily run was missed (the bot was down at 03:30)."""
    svc = services(context)
    last_run = svc.store.last_job_run(RETENTION_JOB)
    missed = missed_daily_run(last_run, svc.clock.now(), RETENTION_AT)
    if missed is None:
        return
    log.warning("retention: the run due at %s is overdue (last run: %s); running it now", missed.isoformat(),
                last_run.isoformat() if last_run else "none recorded")
    await retention_job(context)


def register(application: Application) -> None:
    """Wire /privacy, /mydata, /delete, the confirmation buttons and the daily retention job."""
    for name, callback in (("privacy", privacy), ("mydata", mydata), ("delete", delete)):
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_delete_button, pattern=rf"^{CB}:"))
    if application.job_queue is not None:
        application.job_queue.run_daily(retention_job, time=RETENTION_AT, name=RETENTION_JOB, job_kwargs={
            "misfire_grace_time": int(RETENTION_GRACE.total_seconds()), "coalesce": True})
        application.job_queue.run_once(retention_catch_up, when=0, name=f"{RETENTION_JOB}.catch_up",
                                       job_kwargs={"misfire_grace_time": None})

"""/progress (the check-in history as a chart and text) and /schedule (the next reminders)."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes
from zoneinfo import ZoneInfo

from bot.care.chart import DayPoint, chart_labels, render_png, scores_from_tokens
from bot.services import PRIVATE_MESSAGE, services
from messages.answer_words import describe_all
from messages.checkin import shown_answers


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/progress: a chart of redness, swelling, pain and itching by day, plus a short text summary."""
    svc = services(context)
    patient = svc.store.patient(update.effective_chat.id)
    if patient is None or patient.treatment is None:
        await update.effective_chat.send_message(svc.text("checkin.not_enrolled"))
        return
    history = svc.store.verdicts(patient.chat_id, patient.treatment.id)
    if not history:
        await update.effective_chat.send_message(svc.text("progress.empty"))
        return
    lines = [svc.text("progress.line", day=v.day, level=svc.text(f"checkin.level_label_{v.level}"),
                      answers=(", ".join(describe_all(svc.catalog, list(shown_answers(v.tokens))))
                               or svc.text("progress.no_answers"))
                      + (svc.text("progress.unfinished") if v.partial else ""))
             for v in history[-15:]]
    points = [DayPoint(v.day, v.level, scores_from_tokens(v.tokens)) for v in history]
    png = await asyncio.to_thread(render_png, points, chart_labels(svc))
    await update.effective_chat.send_photo(png, caption=svc.text("progress.caption"))
    await update.effective_chat.send_message(svc.text("progress.heading") + "\n" + "\n".join(lines))


async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/schedule: the patient's next reminders in their local time."""
    svc = services(context)
    patient = svc.store.patient(update.effective_chat.id)
    if patient is None or not patient.enrolled:
        await update.effective_chat.send_message(svc.text("common.not_enrolled"))
        return
    zone = ZoneInfo(patient.zone or svc.settings.clinic.timezone)
    upcoming = svc.store.upcoming(patient.chat_id, limit=8)
    if not upcoming:
        await update.effective_chat.send_message(svc.text("progress.schedule_empty"))
        return
    lines = [svc.text("progress.schedule_line", when=svc.date("when", row.due_at.astimezone(zone)),
                      what=svc.text(f"progress.kind_{row.kind}"), day=row.day) for row in upcoming]
    await update.effective_chat.send_message(svc.text("progress.schedule_heading", zone=zone.key) + "\n"
                                             + "\n".join(lines))


def register(application: Application) -> None:
    """Wire /progress and /schedule."""
    private = PRIVATE_MESSAGE
    application.add_handler(CommandHandler("progress", progress, filters=private))
    application.add_handler(CommandHandler("schedule", schedule, filters=private))

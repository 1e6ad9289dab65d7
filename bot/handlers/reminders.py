"""The buttons under a reminder (Done, "Remind me in 1 hour") and the one "fewer messages?" question.

Callback data: ``rm1:done``, ``rm1:snooze`` (the message they sit on says which
deliveries), ``rm1:fewer:yes|no``. Anything else, or a message that carried no
delivery, has expired and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.compose import REMINDER_CB
from bot.scheduling import patient_timing, reschedule
from bot.services import keyboard, services
from schedules.kinds import PROMPT_KINDS
from schedules.planner import respect_quiet

log = logging.getLogger(__name__)
SNOOZE = timedelta(hours=1)
FEWER_LIMIT = 1  # messages a day for a patient who asked for fewer


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Done takes the buttons away; snooze queues the message's reminders again in an hour (outside quiet hours)."""
    svc, query, now = services(context), update.callback_query, services(context).clock.now()
    chat, message = update.effective_chat, query.message
    patient = svc.store.patient(chat.id) if chat else None
    if patient is None or not patient.enrolled or message is None:
        return await query.answer(svc.text("common.expired"))
    if query.data in {f"{REMINDER_CB}:fewer:yes", f"{REMINDER_CB}:fewer:no"}:
        yes = query.data.endswith(":yes")
        svc.store.set_daily_limit(chat.id, FEWER_LIMIT if yes else None)
        if yes:
            reschedule(svc, patient, now)
        await query.answer()
        return await query.edit_message_text(svc.text(f"reminders_actions.fewer_{'done' if yes else 'kept'}"))
    rows = svc.store.deliveries_of_message(chat.id, message.message_id)
    if not rows or query.data not in {f"{REMINDER_CB}:done", f"{REMINDER_CB}:snooze"}:
        return await query.answer(svc.text("common.expired"))
    prompt = next((row for row in rows if row.kind in PROMPT_KINDS), None)
    keep = keyboard([[(svc.text("dispatch.start_checkin"), f"ci1:go:{prompt.day}")]]) if prompt else None
    if query.data.endswith(":done"):
        await query.answer(svc.text("reminders_actions.done"))
        return await query.edit_message_reply_markup(keep)
    timing = patient_timing(svc, patient)
    due = now + SNOOZE
    if respect_quiet(due, timing) != due:
        return await query.answer(svc.text("reminders_actions.snooze_quiet"), show_alert=True)
    svc.store.snooze(rows, due, now)
    svc.wake()
    when = due.astimezone(ZoneInfo(timing.zone)).strftime("%H:%M")
    await query.answer(svc.text("reminders_actions.snoozed", when=when))
    await query.edit_message_reply_markup(keep)


def register(application: Application) -> None:
    """Wire the reminder buttons."""
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{REMINDER_CB}:"))

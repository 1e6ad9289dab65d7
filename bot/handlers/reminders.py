"""The buttons under a reminder (Done, "Remind me in 1 hour") and the one "fewer messages?" question.

Callback data: ``rm1:done``, ``rm1:snooze``, ``rm1:more`` (the message they sit on says which
deliveries; More opens their full texts in place), ``rm1:fewer:yes|no``. Anything else, or a message that carried no
delivery, has expired and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.delivery.compose import END_CB, MORE_CB, REMINDER_CB, details
from bot.care import topics
from bot.care.relay import reference
from bot.handlers import checkin
from bot.handlers.progress import progress
from bot.care.scheduling import patient_timing, reschedule
from bot.services import keyboard, services
from bot.logs import pseudonym
from schedules.kinds import PROMPT_KINDS
from schedules.planner import respect_quiet

log = logging.getLogger(__name__)
SNOOZE = timedelta(hours=1)
FEWER_LIMIT = 1  # messages a day for a patient who asked for fewer


async def on_reminder_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
        return await edit_in_place(query, svc.text(f"reminders_actions.fewer_{'done' if yes else 'kept'}"))
    rows = svc.store.deliveries_of_message(chat.id, message.message_id)
    if query.data == MORE_CB:
        return await open_more(svc, query, rows)
    if not rows or query.data not in {f"{REMINDER_CB}:done", f"{REMINDER_CB}:snooze"}:
        return await query.answer(svc.text("common.expired"))
    prompt = next((row for row in rows if row.kind in PROMPT_KINDS), None)
    keep = keyboard([[(svc.text("dispatch.start_checkin"), checkin.start_data(prompt.day))]]) if prompt else None
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


async def open_more(svc, query, rows) -> None:
    """More: the message's reminders in full, edited in place; its other buttons stay (a stale one: kindly no)."""
    if not rows or all(row.kind in PROMPT_KINDS for row in rows):
        return await query.answer(svc.text("rhythm.more_expired"))
    markup = query.message.reply_markup
    kept = [[b for b in line if b.callback_data != MORE_CB] for line in (markup.inline_keyboard if markup else ())]
    text = details(svc, rows)
    if any(b.callback_data.startswith(f"{REMINDER_CB}:fewer:") for line in kept for b in line):
        text += "\n\n" + svc.text("reminders_actions.fewer_question")  # the question it carried stays
    if query.message.photo:  # the end-of-plan chart: its caption says what the picture is
        text += "\n\n" + svc.text("rhythm_truth.end_chart")
    await query.answer()
    await edit_in_place(query, text, InlineKeyboardMarkup([line for line in kept if line]))


async def edit_in_place(query, text: str, markup=None) -> None:
    """Edit the tapped message: its caption when it is a photo (the end-of-plan chart), else its text."""
    if query.message.photo:
        await query.edit_message_caption(text, reply_markup=markup)
    else:
        await query.edit_message_text(text, reply_markup=markup)


async def on_end_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The end of the plan: the progress chart, or a 1-5 rating passed to the clinic (a comment may follow)."""
    svc, query, now = services(context), update.callback_query, services(context).clock.now()
    chat = update.effective_chat
    patient = svc.store.patient(chat.id) if chat and chat.type == chat.PRIVATE else None
    parts = (query.data or "").split(":")
    rating = len(parts) == 3 and parts[1] == "rate" and parts[2] in {"1", "2", "3", "4", "5"}
    if patient is None or patient.treatment is None or not (rating or parts[1:] == ["chart"]):
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if not rating:
        return await progress(update, context)
    stars, sent_id = int(parts[2]), None
    log.info("chat %s rated their aftercare", pseudonym(chat.id))
    if not svc.settings.relay_open:
        svc.store.record_relay(chat.id, "to_clinic", f"rating {stars}/5", None, None, now)
        return await chat.send_message(svc.text("reminders_actions.rated_no_relay", stars=stars))
    text = svc.text("reminders_actions.rating_to_clinic", stars=stars,
                    reference=reference(svc, patient, update.effective_user))
    try:  # sent directly, like the relays (bot/handlers/clinic.py)
        bot = update.get_bot()  # in the patient's topic when the clinic chat is a forum
        sent_id = (await topics.post(bot, svc, chat.id, lambda thread: bot.send_message(
            svc.settings.clinic_chat_id, text, message_thread_id=thread))).message_id
    except TelegramError as exc:
        log.warning("rating from chat %s not delivered to the clinic chat: %s", pseudonym(chat.id), type(exc).__name__)
    svc.store.record_relay(chat.id, "to_clinic", f"rating {stars}/5", None, sent_id, now,
                           clinic_chat_id=svc.settings.clinic_chat_id)
    svc.store.arm_relay(chat.id, now)  # an optional comment: the next message goes to the clinic
    await chat.send_message(svc.text("reminders_actions.rated", stars=stars))


def register(application: Application) -> None:
    """Wire the reminder and end-of-plan buttons."""
    application.add_handler(CallbackQueryHandler(on_reminder_tap, pattern=rf"^{REMINDER_CB}:"))
    application.add_handler(CallbackQueryHandler(on_end_button, pattern=rf"^{END_CB}:"))

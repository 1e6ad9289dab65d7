"""The midday sunscreen top-up on its own: announced at enrolment, moved or stopped from /settings or /stop.

Callback data: ``sm1:menu`` (the choices), ``sm1:at:HHMM`` (move it), ``sm1:off``
and ``sm1:on``. Anything else, or from someone not enrolled, has expired.
"""

from __future__ import annotations

import logging
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.care.scheduling import midday_days, midday_label, patient_timing, reschedule
from bot.services import plan_for
from bot.services import SETTINGS_MENU_KEY, Services, keyboard, services
from bot.store import Patient
from bot.logs import pseudonym

log = logging.getLogger(__name__)
CB = "sm1"
TIMES = ("11:00", "12:00", "13:00", "14:00", "15:00")


def stop_row(svc: Services, patient: Patient) -> list[tuple[str, str]] | None:
    """The /stop button for the midday sunscreen alone, while it is on."""
    if not midday_days(svc, patient) or svc.store.midday(patient.chat_id) == "off":
        return None
    return [(svc.text("midday.stop_only"), f"{CB}:off")]


def on_row(svc: Services) -> list[tuple[str, str]]:
    """The button that turns the midday sunscreen back on (its answer says when it comes)."""
    return [(svc.text("midday.on_button"), f"{CB}:on")]


def settings_row(svc: Services) -> list[tuple[str, str]]:
    return [(svc.text("midday.settings_button"), f"{CB}:menu")]


def choices(svc: Services, patient: Patient) -> tuple[str, InlineKeyboardMarkup]:
    """The midday question: when it comes now, the times to move it to, and stop (or turn it back on)."""
    rows = [[(t, f"{CB}:at:{t.replace(':', '')}") for t in TIMES]]
    rows.append([(svc.text("midday.stop_button"), f"{CB}:off")] if svc.store.midday(patient.chat_id) != "off"
                else [(svc.text("midday.on_button"), f"{CB}:on")])
    return svc.text("midday.ask", now=midday_label(svc, patient)), keyboard(rows)


async def on_midday_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the midday choices, or move, stop or restart the midday sunscreen and re-plan."""
    svc, query, now = services(context), update.callback_query, services(context).clock.now()
    patient = svc.store.patient(update.effective_chat.id) if update.effective_chat else None
    parts = (query.data or "").split(":")
    valid = parts[1:] in (["menu"], ["off"], ["on"]) or (
        len(parts) == 3 and parts[1] == "at" and f"{parts[2][:2]}:{parts[2][2:]}" in TIMES)
    if patient is None or not patient.enrolled or not valid or not midday_days(svc, patient):
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if parts[1] == "menu":
        context.chat_data.pop(SETTINGS_MENU_KEY, None)  # these choices take the /settings menu's place
        text, markup = choices(svc, patient)
        return await query.edit_message_text(text, reply_markup=markup)
    value = {"off": "off", "on": None}[parts[1]] if parts[1] in ("off", "on") else f"{parts[2][:2]}:{parts[2][2:]}"
    svc.store.set_midday(patient.chat_id, value)
    reschedule(svc, svc.store.patient(patient.chat_id), now)
    log.info("chat %s set the midday sunscreen to %s", pseudonym(patient.chat_id), value or "the clinic's time")
    await query.edit_message_text(svc.text("midday.saved", now=midday_label(svc, patient)))


def register(application: Application) -> None:
    """Wire the midday sunscreen buttons."""
    application.add_handler(CallbackQueryHandler(on_midday_choice, pattern=rf"^{CB}:"))

"""Relaying between a patient and the clinic team, as the shell does it: the patient's reference for staff,
the "Message the clinic" button, and a message to a patient from outside their own chat's update.

Handlers (``bot/handlers/clinic.py``, ``staff.py``) and the alert engine (``bot/care/alerts.py``) share
these, so they live below both. ``CB`` is the callback data of the clinic's buttons; the handler that
answers them is registered by ``bot/handlers/clinic.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot, Message, User
from telegram.error import TelegramError

from bot.delivery.retrying import no_retries
from bot.logs import pseudonym
from bot.services import Services, keyboard
from bot.store import Patient

log = logging.getLogger(__name__)
CB = "cl1"


def message_button(svc: Services) -> list[tuple[str, str]]:
    """The "Message the clinic" button row, for results from contact_provider up."""
    return [(svc.text("clinic.message_button"), f"{CB}:write")]


def reference(svc: Services, patient: Patient | None, user: User | None) -> str:
    """Who the patient is, for staff, as alerts name them: the name, the @username Telegram gives (remembered
    for later) and the patient's stable short number."""
    name = (patient.display_name if patient else "") or (user.first_name if user else "") or "?"
    number = svc.store.patient_number(patient.chat_id) if patient else None
    if number is None:
        return svc.text("clinic.reference_name", name=name)
    if user is not None and user.username:
        svc.store.note_username(patient.chat_id, user.username)
    ref = svc.store.patient_ref(patient.chat_id)
    if ref is not None and ref.username:
        return svc.text("alerts.who_username", name=name, username=ref.username, number=number)
    return svc.text("alerts.who", name=name, number=number)


async def tell_patient_surely(bot: Bot, svc: Services, chat_id: int, text: str, now: datetime,
                              with_button: bool = False) -> None:
    """A message the patient must get although they are not in the chat now (a late verdict's advice): queued in the
    outbox and tried once at once; what fails is left to the dispatcher, which retries it (STYLE section 2)."""
    if svc.store.patient(chat_id) is None:
        return
    markup = keyboard([message_button(svc)]) if with_button and svc.settings.clinic_chat_id is not None else None
    row_id = svc.store.enqueue("reply", chat_id, now, about=chat_id, body=text,
                               markup=markup.to_dict() if markup else None, claimed=True)
    try:
        with no_retries():  # never wait on a slow Telegram here: the outbox retries instead
            sent = await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("message to chat %s not delivered yet (%s): the dispatcher retries it", pseudonym(chat_id),
                    type(exc).__name__)
        svc.store.outbox_release(row_id, now, now, type(exc).__name__)
        svc.wake()
        return
    svc.store.outbox_sent(row_id, sent.message_id, now)


async def tell_patient(bot: Bot, svc: Services, chat_id: int, text: str, with_button: bool = False) -> Message | None:
    """Send a message to a patient from outside their own chat's update: the message sent, or None if it failed."""
    if svc.store.patient(chat_id) is None:
        return None
    markup = keyboard([message_button(svc)]) if with_button and svc.settings.clinic_chat_id is not None else None
    try:
        return await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("message to chat %s failed: %s", pseudonym(chat_id), type(exc).__name__)
        return None

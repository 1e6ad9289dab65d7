"""Relaying between a patient and the clinic team, as the shell does it: the patient's reference for staff,
the "Message the clinic" button, and a message to a patient from outside their own chat's update.

Handlers (``bot/handlers/clinic.py``, ``staff.py``) and the alert engine (``bot/care/alerts.py``) share
these, so they live below both. ``CB`` is the callback data of the clinic's buttons; the handler that
answers them is registered by ``bot/handlers/clinic.py``.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Callable

from telegram import Bot, Message, MessageEntity, User
from telegram.error import TelegramError

from bot.delivery.retrying import no_retries
from bot.logs import pseudonym
from bot.services import Services, keyboard
from bot.store import Patient
from messages.lengths import utf16_len
from messages.names import shown_name

log = logging.getLogger(__name__)
CB = "cl1"


def message_button(svc: Services) -> list[tuple[str, str]]:
    """The "Message the clinic" button row, for results from contact_provider up."""
    return [(svc.text("clinic.message_button"), f"{CB}:write")]


def on_the_team(svc: Services, user: User | None) -> bool:
    """Whether ``user`` may speak for the clinic (answer patients, acknowledge alerts): an admin or on the clinic
    profile's staff list, and a person (no bot, whatever its id)."""
    return user is not None and not user.is_bot and user.id in svc.settings.clinic_team


def speaks_for_clinic(svc: Services, message: Message) -> bool:
    """Whether ``message`` was written by a member of the clinic team as themselves: not posted as a chat
    (``sender_chat``: an anonymous admin or a channel, whoever is behind it) nor through an inline bot."""
    return message.sender_chat is None and message.via_bot is None and on_the_team(svc, message.from_user)


def quoted(words: str, render: Callable[[str], str]) -> tuple[str, list[MessageEntity]]:
    """The text ``render(placeholder)`` makes, with the patient's own ``words`` in place of the placeholder, exactly
    as typed (whitespace too: the catalog's tidying never sees them) and marked as a blockquote entity, so no line
    of theirs can pass for the bot's header ("✉️ Message from ..."). Offsets count UTF-16 units, as Telegram's do."""
    marker = f"\ue000{secrets.token_hex(8)}\ue000"  # a placeholder no value can contain by chance
    before, _, after = render(marker).partition(marker)
    entities = [MessageEntity(MessageEntity.BLOCKQUOTE, utf16_len(before), utf16_len(words))] if words else []
    return before + words + after, entities


def reference(svc: Services, patient: Patient | None, user: User | None) -> str:
    """Who the patient is, for staff, as alerts name them: the name (cleaned, so it cannot pass for a header:
    ``messages.names``), the @username Telegram gives (remembered for later) and the patient's stable short
    number."""
    name = shown_name((patient.display_name if patient else "") or (user.first_name if user else ""))
    number = svc.store.patient_number(patient.chat_id) if patient else None
    if number is None:
        return svc.text("clinic.reference_name", name=name)
    if user is not None and user.username:
        svc.store.note_username(patient.chat_id, user.username)
    ref = svc.store.patient_ref(patient.chat_id)
    if ref is not None and ref.username:
        found = svc.text("alerts.who_username", name=name, username=ref.username, number=number)
    else:
        found = svc.text("alerts.who", name=name, number=number)
    return svc.text("alerts.who_ref", who=found, ref=patient.clinic_ref) if patient.clinic_ref else found


async def tell_patient_surely(bot: Bot, svc: Services, chat_id: int, text: str, now: datetime,
                              with_button: bool = False) -> None:
    """A message the patient must get although they are not in the chat now (a late verdict's advice): queued in the
    outbox and tried once at once; what fails is left to the dispatcher, which retries it (STYLE section 2)."""
    if svc.store.patient(chat_id) is None:
        return
    with svc.speaking_to(chat_id):
        markup = keyboard([message_button(svc)]) if with_button and svc.settings.relay_open else None
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


async def tell_patient(bot: Bot, svc: Services, chat_id: int, text: str, with_button: bool = False,
                       reply_to: int | None = None) -> Message | None:
    """Send a message to a patient from outside their own chat's update (as a reply to their chat's message
    ``reply_to``, if it is still there): the message sent, or None if it failed."""
    if svc.store.patient(chat_id) is None:
        return None
    with svc.speaking_to(chat_id):
        markup = keyboard([message_button(svc)]) if with_button and svc.settings.relay_open else None
    try:
        return await bot.send_message(chat_id, text, reply_markup=markup, reply_to_message_id=reply_to,
                                      allow_sending_without_reply=True)
    except TelegramError as exc:
        log.warning("message to chat %s failed: %s", pseudonym(chat_id), type(exc).__name__)
        return None

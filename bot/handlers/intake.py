"""What every update passes first: duplicates dropped, the clinic chat kept to staff actions, usernames noted.
(A message written before the bot's last reply is the door's "stale" screen: bot/handlers/typed.py.)

Telegram may deliver an update twice (a retried webhook, a restart before the
offset was confirmed), so handled update ids are remembered in the store (the
newest 10,000, bot/store/updates.py), which outlives a restart, and in a bounded
in-memory window (``SEEN``) checked first. When the store fails (locked, disk
full) the update is still handled, checked against the window only: a patient's
message is never lost to database trouble.

In the clinic chat only the staff actions work: acknowledging an alert,
/flagged and replying to a patient; any other button is answered "expired" and
any other command gets one line saying so, so a forged button can never enrol
the group.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.care import topics
from bot.care.alerts import CB as ALERT_CB
from bot.logs import pseudonym
from bot.delivery.replies import CURRENT_CHAT
from bot.services import services
from bot.store import StoreError

log = logging.getLogger(__name__)

SEEN = 10_000                   # update ids remembered
SEEN_KEY, NAMES_KEY = "seen_updates", "usernames"
STAFF_COMMANDS = ("/flagged", "/invite", "/patient")


async def drop_repeats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update id already handled is ignored."""
    seen: OrderedDict = context.application.bot_data.setdefault(SEEN_KEY, OrderedDict())
    if update.update_id in seen:
        raise ApplicationHandlerStop
    try:
        new = services(context).store.first_sight(update.update_id)
    except StoreError as error:  # handled anyway: a duplicate is better than a lost message
        log.error("update %s: could not record it as handled (%s)", update.update_id, type(error).__name__)
        new = True
    seen[update.update_id] = None
    if len(seen) > SEEN:
        seen.popitem(last=False)
    if not new:
        raise ApplicationHandlerStop
    CURRENT_CHAT.set(update.effective_chat.id if update.effective_chat else None)


async def clinic_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the clinic chat, let only the staff actions through."""
    svc, chat = services(context), update.effective_chat
    if chat is None or chat.id != svc.settings.clinic_chat_id or chat.id is None:
        return
    topics.saw_clinic_chat(svc, chat)  # topics on or off, as this update shows the chat
    query = update.callback_query
    if query is not None:
        if (query.data or "").startswith(f"{ALERT_CB}:"):
            return
        await query.answer(svc.text("common.expired"))
        raise ApplicationHandlerStop
    text = update.message.text if update.message and update.message.text else ""
    command = text.split()[0].split("@")[0].lower() if text.startswith("/") else ""
    if not command or command in STAFF_COMMANDS:
        return  # staff talking, or replying to a patient (bot/handlers/clinic.py): patient flows are private-only
    await chat.send_message(svc.text("alerts.clinic_only"))
    raise ApplicationHandlerStop


async def note_username(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the patient's current @username for the clinic's alerts (a write only when it changes)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != chat.PRIVATE or user.id != chat.id:
        return
    known: OrderedDict = context.application.bot_data.setdefault(NAMES_KEY, OrderedDict())
    if known.get(chat.id, "") == (user.username or None):
        return
    try:
        noted = services(context).store.note_username(chat.id, user.username)
    except StoreError as error:  # noted next time: the message itself must still be read (a red flag)
        log.error("chat %s: could not note the username (%s)", pseudonym(chat.id), type(error).__name__)
        return
    if noted:
        known[chat.id] = user.username or None
        if len(known) > SEEN:
            known.popitem(last=False)


def register(application: Application) -> None:
    """Wire the checks ahead of every flow, one group each (a group runs only its first match); onboarding
    is -2 and the group guard -1."""
    application.add_handler(TypeHandler(Update, drop_repeats), group=-6)
    application.add_handler(TypeHandler(Update, clinic_chat), group=-5)
    application.add_handler(TypeHandler(Update, note_username), group=-4)

"""The clinic side: /flagged (alerts by state, and silent patients) and on-call admins' replies in private.

An alert's buttons (acknowledge, contacted, resolved, a note) are bot/handlers/alert_steps.py; alerts themselves
go through the alert outbox (bot/care/alerts.py).
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.care.staff_lists import alert_blocks, pages, patient_label
from bot.care.relay import on_the_team, tell_patient
from bot.services import PRIVATE_MESSAGE, SERVICES_KEY, Services, services
from bot.store.outbox import ALERT_KINDS

__all__ = ["register"]
log = logging.getLogger(__name__)
LIST_ALL = 10_000  # /flagged counts every open alert (and shows the newest: bot/care/staff_lists.py)
MAX_ID_DIGITS = 18  # SQLite integers stop at 2**63: a longer id is forged, never looked up


def is_admin(svc: Services, user_id: int | None) -> bool:
    return user_id is not None and user_id in svc.settings.admin_ids


async def flagged(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/flagged: open alerts (level, how long ago, who, why) and silent patients, for clinic admins only."""
    svc, chat, user = services(context), update.effective_chat, update.effective_user
    if not is_admin(svc, user.id if user else None):
        staff = chat.id == svc.settings.clinic_chat_id or (user is not None and user.id in svc.settings.oncall_ids)
        return await chat.send_message(svc.text("alerts.admins_only_flagged" if staff else "checkin.admins_only"))
    alerts, now = svc.store.alerts(open_only=False, unresolved=True, limit=LIST_ALL), svc.clock.now()
    silent = svc.store.silent_patients()
    if not alerts and not silent:
        return await chat.send_message(svc.text("checkin.flagged_none"))
    blocks = [svc.text("checkin.flagged_heading", count=len(alerts)), *alert_blocks(svc, alerts, now)]
    if silent:  # patients who stopped answering: nobody screens them for warning signs
        lines = [svc.text("clinic.silent_heading", count=len(silent))]
        lines += [svc.text("clinic.silent_line", day=day, name=patient_label(svc, chat_id)) for chat_id, _name, day in silent]
        blocks.append("\n".join(lines))
    for text in pages(blocks):
        await chat.send_message(text)


async def on_oncall_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An on-call admin answers the alert copy in private: not passed on (nor read as their own check-in)."""
    await update.effective_message.reply_text(services(context).text("alerts.oncall_reply_not_sent"))


class OnCallReply(filters.MessageFilter):
    """A private message from an on-call admin that replies to an alert the bot sent them."""

    def __init__(self, svc: Services) -> None:
        super().__init__(name="OnCallReply")
        self.svc = svc

    def filter(self, message: Message) -> bool:
        replied, sender = message.reply_to_message, message.from_user
        return replied is not None and sender is not None and sender.id in self.svc.settings.oncall_ids \
            and replied.from_user is not None and replied.from_user.is_bot \
            and self.svc.store.is_alert_copy(message.chat.id, replied.message_id)


def register(application: Application) -> None:
    """Wire acknowledgements, /flagged (private chat or the clinic chat) and on-call admins' replies."""
    application.add_handler(CommandHandler("flagged", flagged))
    svc = application.bot_data[SERVICES_KEY]
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND & OnCallReply(svc), on_oncall_reply))

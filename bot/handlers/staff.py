"""The clinic side: /flagged (alerts by state, and silent patients) and on-call admins' replies in private.

An alert's buttons (acknowledge, contacted, resolved, a note) are bot/handlers/alert_steps.py; alerts themselves
go through the alert outbox (bot/care/alerts.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.care.alerts import why, with_ref
from bot.care.relay import on_the_team, tell_patient
from bot.services import PRIVATE_MESSAGE, SERVICES_KEY, Services, services
from bot.store.checkins import AlertRow
from bot.store.outbox import ALERT_KINDS
from messages import alert_life as life

__all__ = ["register"]
log = logging.getLogger(__name__)
LIST_ALL, LIST_SHOWN = 10_000, 30  # /flagged counts every open alert and shows the newest
PAGE_LIMIT = 4000  # Telegram refuses a message over 4096 characters
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
    blocks = [svc.text("checkin.flagged_heading", count=len(alerts))]
    for state in life.GROUPS:  # what still needs someone first; the newest first within each
        grouped = [a for a in alerts if a.state == state]
        if not grouped:
            continue
        blocks.append(svc.text(f"staff.flagged_group_{state}", count=len(grouped)))
        blocks += [svc.text("checkin.flagged_line", id=a.id, level_label=svc.text(f"checkin.level_label_{a.level}"),
                            ago=ago(svc, now - a.created_at), name=with_ref(svc, number_only(svc, a.chat_id), a.clinic_ref), day=a.day, why=why(a))
                   for a in grouped[:LIST_SHOWN]]
        if len(grouped) > LIST_SHOWN:
            blocks.append(svc.text("checkin.flagged_more", count=len(grouped) - LIST_SHOWN))
    if silent:  # patients who stopped answering: nobody screens them for warning signs
        lines = [svc.text("clinic.silent_heading", count=len(silent))]
        lines += [svc.text("clinic.silent_line", day=day, name=with_ref(svc, number_only(svc, chat_id), _ref(svc, chat_id)))
                  for chat_id, _name, day in silent]
        blocks.append("\n".join(lines))
    for text in pages(blocks):
        await chat.send_message(text)


def _ref(svc: Services, chat_id: int) -> str | None:
    patient = svc.store.patient(chat_id)
    return patient.clinic_ref if patient else None


def number_only(svc: Services, chat_id: int) -> str:
    """The patient in a /flagged listing: by number only, so a listing never names someone erased later (a
    listing shows many patients, and staff find the name on the alert itself, which erasure edits)."""
    return svc.text("alerts.who_number", number=svc.store.patient_number(chat_id))


def ago(svc: Services, elapsed: timedelta) -> str:
    """How long ago, for staff: "25 min ago", "2 h 5 min ago", "3 d 4 h ago"."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    hours, days = minutes // 60, minutes // (24 * 60)
    if days:
        return svc.text("alerts.ago_days", days=days, hours=hours % 24)
    if hours:
        return svc.text("alerts.ago_hours", hours=hours, minutes=minutes % 60)
    return svc.text("alerts.ago_minutes", minutes=minutes)


def pages(blocks: list[str]) -> list[str]:
    """Blocks joined by blank lines into as few messages as fit Telegram's 4096 characters (a block is never
    split; an overlong one is cut)."""
    found: list[str] = []
    for block in blocks:
        block = block[:PAGE_LIMIT]
        if found and len(found[-1]) + 2 + len(block) <= PAGE_LIMIT:
            found[-1] += "\n\n" + block
        else:
            found.append(block)
    return found


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

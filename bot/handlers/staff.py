"""The clinic side: acknowledging alerts (in the clinic chat, or an on-call admin's private chat) and /flagged.

In the clinic chat only the clinic team acknowledges: the admins and the profile's staff
(``bot.care.relay.on_the_team``); with neither configured nobody can, so no alert is silenced by a stranger.

Alerts themselves go through the alert outbox (bot/care/alerts.py). Callback data is
``al1:<alert id>``; anything else, or an alert id that does not exist, has
expired and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.care.alerts import CB, alert_text, send_alert, why
from bot.care.relay import on_the_team, tell_patient
from bot.services import PRIVATE_MESSAGE, SERVICES_KEY, Services, services
from bot.store.checkins import AlertRow
from bot.store.outbox import ALERT_KINDS
from messages import checkin as core

__all__ = ["register"]
log = logging.getLogger(__name__)
LIST_ALL, LIST_SHOWN = 10_000, 30  # /flagged counts every open alert and shows the newest
PAGE_LIMIT = 4000  # Telegram refuses a message over 4096 characters
MAX_ID_DIGITS = 18  # SQLite integers stop at 2**63: a longer id is forged, never looked up


def is_admin(svc: Services, user_id: int | None) -> bool:
    return user_id is not None and user_id in svc.settings.admin_ids


def _alert_id(data: str | None) -> int | None:
    parts = (data or "").split(":")
    if len(parts) != 2 or not parts[1].isascii() or not parts[1].isdigit() or len(parts[1]) > MAX_ID_DIGITS:
        return None
    return int(parts[1])


async def on_ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff acknowledge an alert: in the clinic chat, or in private by an on-call admin."""
    svc, query, chat, user = services(context), update.callback_query, update.effective_chat, update.effective_user
    alert_id = _alert_id(query.data)
    in_clinic = chat is not None and chat.id == svc.settings.clinic_chat_id
    on_call = chat is not None and chat.type == chat.PRIVATE and user is not None and chat.id == user.id \
        and user.id in svc.settings.oncall_ids
    alert = svc.store.alert(alert_id) if alert_id is not None and (in_clinic or on_call) else None
    if alert is None:
        return await query.answer(svc.text("common.expired"))
    if in_clinic and not on_the_team(svc, user):  # with no admins and no staff, nobody: the alert stays open
        return await query.answer(svc.text("alerts.admins_only_ack"), show_alert=True)
    if not svc.store.acknowledge_alert(alert.id, user.id, svc.clock.now()):
        return await query.answer(svc.text("checkin.alert_already"))
    await query.answer()
    # the patient hears that a person has seen it, first: an edit that fails below must not keep it from them;
    # after an urgent or emergency alert it repeats what to do now (P10)
    told = svc.text(core.acknowledgement_key((alert.level, alert.verdict_level or alert.level)))
    await tell_patient(update.get_bot(), svc, alert.chat_id, told)
    name = user.first_name or str(user.id)
    # Re-rendered from the store: the alert's text stays whole whatever message was tapped.
    acked = alert_text(svc, alert) + "\n\n" + svc.text("checkin.alert_acked", who=name)
    try:
        await query.edit_message_text(acked)
    except TelegramError as error:  # the acknowledgement is recorded; the other copies still get marked
        log.warning("alert %s: the tapped message was not marked acknowledged (%s)", alert.id, type(error).__name__)
    await _mark_copies(update.get_bot(), svc, alert, acked, (chat.id, query.message.message_id if query.message else 0))


async def _mark_copies(bot: Bot, svc: Services, alert: AlertRow, text: str, tapped: tuple[int, int]) -> None:
    """Every other message of the alert (the first post, re-raises, on-call copies) says it was acknowledged
    and loses its button, so nobody takes an acknowledged alert for an open one."""
    for row in svc.store.outbox(about=alert.chat_id):
        if row.alert_id != alert.id or row.kind not in ALERT_KINDS or row.state != "sent" or row.message_id is None \
                or (row.target, row.message_id) == tapped:
            continue
        try:
            await bot.edit_message_text(text, chat_id=row.target, message_id=row.message_id)
        except TelegramError as error:  # best effort: a stale button still answers "Already acknowledged"
            log.warning("alert %s: a copy was not marked acknowledged (%s)", alert.id, type(error).__name__)


async def flagged(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/flagged: open alerts (level, how long ago, who, why) and silent patients, for clinic admins only."""
    svc, chat, user = services(context), update.effective_chat, update.effective_user
    if not is_admin(svc, user.id if user else None):
        staff = chat.id == svc.settings.clinic_chat_id or (user is not None and user.id in svc.settings.oncall_ids)
        return await chat.send_message(svc.text("alerts.admins_only_flagged" if staff else "checkin.admins_only"))
    alerts, now = svc.store.alerts(open_only=True, limit=LIST_ALL), svc.clock.now()
    silent = svc.store.silent_patients()
    if not alerts and not silent:
        return await chat.send_message(svc.text("checkin.flagged_none"))
    blocks = [svc.text("checkin.flagged_heading", count=len(alerts))]
    blocks += [svc.text("checkin.flagged_line", id=a.id, level_label=svc.text(f"checkin.level_label_{a.level}"),
                        ago=ago(svc, now - a.created_at), name=number_only(svc, a.chat_id), day=a.day,
                        why=why(a))
               for a in alerts[:LIST_SHOWN]]
    if len(alerts) > LIST_SHOWN:
        blocks.append(svc.text("checkin.flagged_more", count=len(alerts) - LIST_SHOWN))
    if silent:  # patients who stopped answering: nobody screens them for warning signs
        lines = [svc.text("clinic.silent_heading", count=len(silent))]
        lines += [svc.text("clinic.silent_line", day=day, name=number_only(svc, chat_id))
                  for chat_id, _name, day in silent]
        blocks.append("\n".join(lines))
    for text in pages(blocks):
        await chat.send_message(text)


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
    application.add_handler(CallbackQueryHandler(on_ack, pattern=rf"^{CB}:"))
    svc = application.bot_data[SERVICES_KEY]
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND & OnCallReply(svc), on_oncall_reply))

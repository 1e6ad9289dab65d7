"""The clinic side: alerts in the clinic chat, their acknowledgement, and /flagged for admins."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.handlers.clinic import tell_patient
from bot.services import Services, keyboard, services
from bot.store import Patient
from bot.verdicts import Outcome, needs_alert, plain
from bot.logs import pseudonym

log = logging.getLogger(__name__)
CB = "al1"


def alert_text(svc: Services, name: str, day: int, level: str, reasons: list[dict], tokens: list[str],
               patient_text: str | None = None) -> str:
    text = svc.text("checkin.alert", level_label=svc.text(f"checkin.level_label_{level}"), name=name or "?",
                    day=day, reasons="; ".join(f"{r['rule']} ({', '.join(map(plain, r['answers']))})"
                                               for r in reasons if r["level"] == level),
                    answers=", ".join(plain(t) for t in tokens))
    if patient_text:  # staff see the patient's own words; the clinic chat is staff only
        text += "\n" + svc.text("checkin.alert_wrote", text=patient_text)
    return text


async def send_alert(bot: Bot, svc: Services, patient: Patient, day: int, outcome: Outcome, now: datetime) -> None:
    """Record an alert for contact_provider and above, and post it to the clinic chat if one is set."""
    if not needs_alert(outcome.verdict):
        return
    alert_id = svc.store.raise_alert(patient.chat_id, outcome.verdict_id, outcome.verdict.level, now)
    chat_id = svc.settings.clinic_chat_id
    if chat_id is None:
        return  # still listed by /flagged
    try:
        sent = await bot.send_message(chat_id, alert_text(svc, patient.display_name, day, outcome.verdict.level,
                                                          outcome.reasons, outcome.tokens, outcome.patient_text),
                                      reply_markup=keyboard([[(svc.text("checkin.alert_ack_button"),
                                                               f"{CB}:{alert_id}")]]))
    except TelegramError as exc:
        log.error("alert %s for chat %s not delivered to the clinic chat: %s", alert_id, pseudonym(patient.chat_id),
                  type(exc).__name__)
        return
    svc.store.alert_sent(alert_id, sent.message_id)
    await tell_patient(bot, svc, patient.chat_id, svc.text("clinic.alerted"))


def is_admin(svc: Services, user_id: int | None) -> bool:
    return user_id is not None and user_id in svc.settings.admin_ids


async def on_ack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff acknowledge an alert (in the clinic chat, by a configured admin)."""
    svc, query = services(context), update.callback_query
    parts = (query.data or "").split(":")
    in_clinic = update.effective_chat and update.effective_chat.id == svc.settings.clinic_chat_id
    if len(parts) != 2 or not parts[1].isdigit() or not in_clinic:
        return await query.answer(svc.text("common.expired"))
    if svc.settings.admin_ids and not is_admin(svc, update.effective_user.id):
        return await query.answer(svc.text("checkin.admins_only"), show_alert=True)
    if not svc.store.acknowledge_alert(int(parts[1]), update.effective_user.id, svc.clock.now()):
        return await query.answer(svc.text("checkin.alert_already"))
    await query.answer()
    who = update.effective_user.first_name or str(update.effective_user.id)
    await query.edit_message_text(f"{query.message.text}\n\n" + svc.text("checkin.alert_acked", who=who))
    alert = svc.store.alert(int(parts[1]))
    if alert is not None:  # the patient hears that a person has seen it
        await tell_patient(update.get_bot(), svc, alert.chat_id, svc.text("clinic.acknowledged"))


async def flagged(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/flagged: open alerts, for clinic admins only."""
    svc = services(context)
    if not is_admin(svc, update.effective_user.id if update.effective_user else None):
        await update.effective_chat.send_message(svc.text("checkin.admins_only"))
        return
    alerts = svc.store.alerts(open_only=True)
    if not alerts:
        await update.effective_chat.send_message(svc.text("checkin.flagged_none"))
        return
    lines = [svc.text("checkin.flagged_heading", count=len(alerts))]
    lines += [svc.text("checkin.flagged_line", id=a.id, level_label=svc.text(f"checkin.level_label_{a.level}"),
                       name=a.display_name or "?", day=a.day, when=svc.date("stamp_utc", a.created_at))
              for a in alerts]
    await update.effective_chat.send_message("\n".join(lines))


def register(application: Application) -> None:
    """Wire acknowledgements and /flagged (private chat or the clinic chat)."""
    application.add_handler(CommandHandler("flagged", flagged))
    application.add_handler(CallbackQueryHandler(on_ack, pattern=rf"^{CB}:"))

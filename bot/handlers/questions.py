"""Everyday questions typed by an enrolled patient (bot/handlers/typed.py decides which): a wish (a pause,
a person, help, fewer messages, thanks, worried), the clinic's approved answer for the topic asked about,
"is this normal?" from the day's healing timeline, or "I can't answer that here" and the way to a person."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import control
from bot.handlers.checkin import CB as CHECKIN_CB, today
from bot.care import companions
from bot.care.relay import message_button
from bot.services import keyboard, services
from bot.store import Patient
from messages.routing import Typed


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, patient: Patient, typed: Typed, step: str,
                 now: datetime) -> None:
    """Carry out one everyday step of messages.routing: "wish", "normal", "everyday" or "unknown"."""
    svc, chat = services(context), update.effective_chat
    relay = svc.settings.relay_open
    if step == "normal":
        return await chat.send_message(svc.text(typed.normal))
    if step == "everyday":
        return await chat.send_message(svc.text(typed.everyday))
    if step == "unknown":
        return await chat.send_message(svc.text("questions.unknown" + ("" if relay else "_no_relay")),
                                       reply_markup=keyboard([message_button(svc)]) if relay else None)
    wish = typed.wish
    if wish == "want_pause":  # "pause for 3 days", "a break from the reminders": the /pause choices, one tap
        return await control.pause(update, context)
    if wish == "want_help":  # "help", "what can you do"
        return await chat.send_message(svc.text("common.help"))
    if wish == "worried":  # "I'm worried", "not good": a kind word, the check-in and a person at the clinic
        companions.pass_not_ok(svc, patient, now)  # their companion hears it (if chosen), never their words
        rows = [[(svc.text("checkin.start_button"), f"{CHECKIN_CB}:go:{today(patient, now)}")]]
        return await chat.send_message(svc.text("questions.worried" + ("" if relay else "_no_relay")),
                                       reply_markup=keyboard(rows + ([message_button(svc)] if relay else [])))
    # "I want to talk to a real person", "too many messages", "thanks!"
    person = wish == "want_person" and relay
    key = f"questions.{wish}" + ("_no_relay" if wish == "want_person" and not relay else "")
    await chat.send_message(svc.text(key), reply_markup=keyboard([message_button(svc)]) if person else None)

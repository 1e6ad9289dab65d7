"""Everyday questions typed at idle: the clinic's approved answer, or "I can't answer that here" and the way
to a person. Red flags are read first: a message with a warning sign never gets an answer instead of the
safety advice (it is left to the check-in flow)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import control
from bot.handlers.checkin import CB as CHECKIN_CB, today
from bot.care.relay import message_button
from bot.services import plan_for
from bot.services import keyboard, services
from bot.care.verdicts import is_red_flag
from messages.reading import read_message
from messages.questions import answer_for, looks_like_question, wish_of


async def on_everyday_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Answer an everyday question from an enrolled patient; False when the text is not one (or has a red flag)."""
    svc, chat, now = services(context), update.effective_chat, services(context).clock.now()
    text = update.effective_message.text or ""
    patient = svc.store.patient(chat.id)
    if patient is None or not patient.enrolled or patient.treatment is None or is_red_flag(text):
        return False
    wish = wish_of(text, svc.words.forms)
    if wish == "want_pause":  # "pause for 3 days", "a break from the reminders": the /pause choices, one tap
        await control.pause(update, context)
        return True
    if wish == "want_help":  # "help", "what can you do"
        await chat.send_message(svc.text("common.help"))
        return True
    if wish == "worried":  # "I'm worried", "not good": a kind word, the check-in and a person at the clinic
        if read_message(text).signs or svc.store.open_checkin(chat.id) is not None:
            return False  # "worried about dark spots": the sign is asked about; in a check-in, its question is
        relay = svc.settings.clinic_chat_id is not None
        rows = [[(svc.text("checkin.start_button"), f"{CHECKIN_CB}:go:{today(patient, now)}")]]
        await chat.send_message(svc.text("questions.worried" + ("" if relay else "_no_relay")),
                                reply_markup=keyboard(rows + ([message_button(svc)] if relay else [])))
        return True
    if wish is not None:  # "I want to talk to a real person", "too many messages", "thanks!"
        relay = wish == "want_person" and svc.settings.clinic_chat_id is not None
        key = f"questions.{wish}" + ("_no_relay" if wish == "want_person" and not relay else "")
        await chat.send_message(svc.text(key), reply_markup=keyboard([message_button(svc)]) if relay else None)
        return True
    key = answer_for(text, today(patient, now), plan_for(svc, patient.treatment.plan))
    if key is not None:
        await chat.send_message(svc.text(key))
        return True
    if not looks_like_question(text):
        return False
    if svc.settings.clinic_chat_id is None:
        await chat.send_message(svc.text("questions.unknown_no_relay"))
    else:
        await chat.send_message(svc.text("questions.unknown"), reply_markup=keyboard([message_button(svc)]))
    return True


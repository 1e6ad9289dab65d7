"""Staff actions on one patient, from the clinic chat: ``/patient N pause [DAYS] | resume | end | move DATE``.

``N`` is the patient number staff see in alerts and /flagged; in a patient's forum topic (bot/care/topics.py)
``/patient pause`` and the others need no number, and are answered in the topic. Only the clinic team
(``speaks_for_clinic``, as for replies and an alert's buttons) may act. Each action is carried out in the store, the plan re-planned, and the
patient told in plain words through the outbox (``tell_patient_surely``: it reaches them however Telegram is).
A pause by staff is lifted by staff's ``resume`` (what the patient stopped themselves stays stopped).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.care import topics
from bot.care.invites import MAX_AHEAD
from bot.care.relay import reference, speaks_for_clinic, tell_patient_surely
from bot.care.scheduling import reschedule
from bot.handlers.control import MAX_PAUSE_DAYS, until_text
from bot.logs import pseudonym
from bot.services import Services, plan_for, services
from bot.store import Patient

log = logging.getLogger(__name__)
DEFAULT_PAUSE_DAYS = 7
ACTIONS = ("pause", "resume", "end", "move")


def _read(args: list[str]) -> tuple[int, str, str] | None:
    """(patient number, action, its argument) from the command's words, or None."""
    if len(args) < 2 or not args[0].isascii() or not args[0].isdigit() or len(args[0]) > 9 \
            or args[1].lower() not in ACTIONS or len(args) > 3:
        return None
    return int(args[0]), args[1].lower(), args[2] if len(args) == 3 else ""


async def on_patient_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/patient N ACTION: pause, resume, end or move one patient's plan, for the clinic team in the clinic chat."""
    svc, chat, message = services(context), update.effective_chat, update.effective_message
    thread = topics.thread_of(message)  # typed in a forum topic: answered there (in a plain group: as before)

    async def say(text: str):
        """Answer in the chat (in the topic the command was typed in, if any)."""
        return await chat.send_message(text, message_thread_id=thread)

    if chat.id != svc.settings.clinic_chat_id or not speaks_for_clinic(svc, message):
        log.info("a /patient command from outside the clinic team was refused")
        return await say(svc.text("staff.patient_team_only"))
    args = context.args or []
    in_topic = topics.patient_of_message(svc, message)
    if in_topic is not None and args and args[0].lower() in ACTIONS:  # in the patient's topic: no number needed
        args = [str(svc.store.patient_number(in_topic)), *args]
    read = _read(args)
    if read is None:
        return await say(svc.text("staff.patient_usage"))
    number, action, argument = read
    chat_id = svc.store.chat_of_number(number)
    patient = svc.store.patient(chat_id) if chat_id is not None else None
    if patient is None:
        return await say(svc.text("staff.patient_unknown", number=number))
    if not patient.enrolled or patient.treatment is None:
        return await say(svc.text("staff.patient_not_enrolled", number=number))
    if patient.treatment.ended_at is not None:
        return await say(svc.text("staff.patient_ended_already", number=number))
    done = _act(svc, patient, action, argument)
    if done is None:
        return await say(svc.text("staff.patient_usage"))
    told, staff_text = done
    if told is None:  # refused with a reason (a date out of range)
        return await say(staff_text)
    log.info("clinic chat: %s for chat %s by %s", action, pseudonym(patient.chat_id), pseudonym(message.from_user.id))
    await tell_patient_surely(update.get_bot(), svc, patient.chat_id, told, svc.clock.now())
    await say(staff_text)


def _act(svc: Services, patient: Patient, action: str, argument: str) -> tuple[str | None, str] | None:
    """Carry out the action: (what the patient is told, what staff are told); (None, reason) when refused; None
    when the argument is not the action's."""
    now, who = svc.clock.now(), reference(svc, patient, None)
    if action == "pause":
        days = int(argument) if argument.isascii() and argument.isdigit() and len(argument) <= 3 else \
            DEFAULT_PAUSE_DAYS if not argument else 0
        if not 1 <= days <= MAX_PAUSE_DAYS:
            return None
        until = now + timedelta(days=days)
        svc.store.pause(patient.chat_id, until, now)
        reschedule(svc, svc.store.patient(patient.chat_id), now)
        with svc.speaking_to(patient.chat_id):  # the patient is told in their language, staff in the clinic's
            told = svc.text("control.clinic_paused", until=until_text(svc, patient.chat_id, until))
        return told, svc.text("staff.patient_done_pause", patient=who, until=until_text(svc, patient.chat_id, until))
    if argument and action in ("resume", "end"):
        return None
    if action == "resume":
        svc.store.unpause(patient.chat_id, now)
        reschedule(svc, svc.store.patient(patient.chat_id), now)
        return _told(svc, patient, "control.clinic_resumed"), svc.text("staff.patient_done_resume", patient=who)
    if action == "end":
        cancelled = svc.store.end_treatment(patient.treatment.id, now)
        return _told(svc, patient, "control.clinic_ended"), svc.text("staff.patient_done_end", patient=who,
                                                                    cancelled=cancelled)
    try:
        moved = date.fromisoformat(argument)
    except ValueError:
        return None
    today, length = now.date(), plan_for(svc, patient.treatment.plan).length_days
    if moved > today + MAX_AHEAD or moved < today - timedelta(days=length):
        return None, svc.text("staff.patient_bad_date", reason=svc.text(
            "enrol.date_too_old", date=svc.date("date", moved), max_days=length) if moved < today else
            svc.text("staff.patient_date_ahead", days=MAX_AHEAD.days))
    svc.store.move_treatment(patient.treatment.id, moved)
    reschedule(svc, svc.store.patient(patient.chat_id), now)
    with svc.speaking_to(patient.chat_id):
        told = svc.text("control.clinic_moved", date=svc.date("date", moved))
    return told, svc.text("staff.patient_done_move", patient=who, date=svc.date("date", moved))


def _told(svc: Services, patient: Patient, key: str) -> str:
    """What the patient is told, in their language (the clinic chat's update speaks the clinic's)."""
    with svc.speaking_to(patient.chat_id):
        return svc.text(key)


def register(application: Application) -> None:
    """Wire /patient (groups only: it is the clinic chat's)."""
    application.add_handler(CommandHandler("patient", on_patient_command, filters=filters.ChatType.GROUPS))

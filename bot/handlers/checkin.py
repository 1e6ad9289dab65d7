"""The daily check-in: one message edited in place, a few taps, then triage and advice.

Callback data: ``ci1:<checkin id>:<question>:<value>`` (``+x`` toggles a tick,
``=`` is Done, ``back`` goes one question back), ``ci1:go:<day>`` starts from a
reminder, and ``ci1:<id>:resume|restart:_`` answers the resume offer. Anything
that does not match the patient's open check-in and current question has
expired (a double tap, an old message or forged data) and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import verdicts
from bot.handlers.clinic import message_button
from bot.handlers.staff import send_alert
from bot.scheduling import patient_timing
from bot.services import PRIVATE_MESSAGE, Services, keyboard, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages import questionnaire as q
from schedules.kinds import FOLLOWUP
from schedules.planner import day_since, next_local

log = logging.getLogger(__name__)
CB = "ci1"
SIGN_ORDER = tuple(q.NEW_SIGNS) + ("none",)


def _label(svc: Services, question: str, value: str) -> str:
    if question == "new":
        return svc.text(f"checkin.sign_{value}")
    key = {"2": "opt_2_days"}.get(value, f"opt_{value}") if question == "rash_onset" else f"opt_{value}"
    if question == "anything" and value == "none":
        key = "opt_none_new"
    return svc.text(f"checkin.{key}")


def render(svc: Services, row: CheckinRow, question: q.Question) -> tuple[str, object]:
    """The check-in message for ``question``: title, progress, question and its buttons."""
    text = "\n\n".join([svc.text("checkin.title", day=row.day),
                        svc.text("checkin.progress", number=len(row.answers) + 1),
                        svc.text(f"checkin.q_{question.id}")])
    prefix = f"{CB}:{row.id}:{question.id}"
    if question.multi:
        buttons = [((("✓ " if v in row.selection else "") + _label(svc, "new", v)), f"{prefix}:+{v}")
                   for v in SIGN_ORDER]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [[(svc.text("checkin.done"), f"{prefix}:=")]]
    else:
        buttons = [(_label(svc, question.id, v), f"{prefix}:{v}") for v in question.options]
        per_row = 3 if len(buttons) in (3, 6) else 2
        rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    if row.answers:
        rows.append([(svc.text("checkin.back"), f"{CB}:{row.id}:back:{question.id}")])
    return text, keyboard(rows)


def _enrolled(svc: Services, chat_id: int) -> Patient | None:
    patient = svc.store.patient(chat_id)
    return patient if patient and patient.enrolled and patient.treatment else None


async def begin(update: Update, svc: Services, patient: Patient, now: datetime) -> None:
    """Start a fresh check-in for today and ask the first question."""
    day = max(0, day_since(patient.treatment.treatment_date, now, patient.zone))
    row = svc.store.begin_checkin(patient.chat_id, patient.treatment.id, day, now)
    text, markup = render(svc, row, q.QUESTIONS["safety"])
    sent = await update.effective_chat.send_message(text, reply_markup=markup)
    svc.store.save_progress(row.id, [], [], sent.message_id)


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: start today's check-in (or offer to resume an unfinished one)."""
    svc, now = services(context), services(context).clock.now()
    patient = _enrolled(svc, update.effective_chat.id)
    if patient is None:
        await update.effective_chat.send_message(svc.text("checkin.not_enrolled"))
        return
    row = svc.store.open_checkin(patient.chat_id)
    if row and row.answers and row.day == max(0, day_since(patient.treatment.treatment_date, now, patient.zone)):
        await update.effective_chat.send_message(svc.text("checkin.resume_or_restart"), reply_markup=keyboard(
            [[(svc.text("checkin.resume"), f"{CB}:{row.id}:resume:_"),
              (svc.text("checkin.restart"), f"{CB}:{row.id}:restart:_")]]))
        return
    await begin(update, svc, patient, now)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap in a check-in: validate it against the open check-in, record it, ask the next question."""
    svc, now, query = services(context), services(context).clock.now(), update.callback_query
    if update.effective_chat is None:  # a button on an inline message: never one of ours
        return await query.answer(svc.text("common.expired"))
    parts = (query.data or "").split(":")
    patient = _enrolled(svc, update.effective_chat.id)
    if patient and len(parts) == 3 and parts[1] == "go":
        await query.answer()
        return await checkin_command(update, context)
    row = svc.store.open_checkin(update.effective_chat.id) if patient else None
    if row is None or len(parts) != 4 or parts[1] != str(row.id):
        return await query.answer(svc.text("common.expired"))
    action, value = parts[2], parts[3]
    current = q.next_question(row.answers, row.day, svc.store.rash_first_day(row.treatment_id) is not None)
    answers, selection = list(row.answers), list(row.selection)
    if action == "resume" or action == "restart":
        await query.answer()
        await query.edit_message_reply_markup(None)
        if action == "restart":
            return await begin(update, svc, patient, now)
        text, markup = render(svc, row, current)
        sent = await update.effective_chat.send_message(text, reply_markup=markup)
        return svc.store.save_progress(row.id, answers, selection, sent.message_id)
    if current is None or (action != "back" and action != current.id) or (action == "back" and value != current.id):
        return await query.answer(svc.text("common.expired"))
    if action == "back":
        answers, selection = answers[:-1], []
    elif current.multi and value.startswith("+") and value[1:] in current.options:
        pick = value[1:]
        if pick == "none" and not selection:  # nothing ticked: "None of these" answers in one tap
            answers.append((current.id, "none"))
        elif pick == "none":  # ticks would be lost in one tap: clear them, and Done confirms
            selection = [] if "none" in selection else ["none"]
        elif pick in selection:
            selection = [s for s in selection if s != pick]
        else:
            selection = [s for s in selection if s != "none"] + [pick]
    elif current.multi and value == "=":
        if not selection:
            return await query.answer(svc.text("checkin.pick_first"), show_alert=True)
        answers.append((current.id, ",".join(s for s in SIGN_ORDER if s in selection)))
        selection = []
    elif not current.multi and q.valid_answer(current, value):
        answers.append((current.id, value))
    else:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    await advance(update, svc, patient, row, answers, selection, now, edit=True)


async def advance(update: Update, svc: Services, patient: Patient, row: CheckinRow, answers: list, selection: list,
                  now: datetime, edit: bool) -> None:
    """Save the answers so far; ask the next question in place, or finish the check-in."""
    svc.store.save_progress(row.id, answers, selection)
    row = svc.store.checkin(row.id)
    onset_known = svc.store.rash_first_day(row.treatment_id) is not None
    question = q.next_question(answers, row.day, onset_known)
    bot = update.get_bot()
    if question is not None:
        text, markup = render(svc, row, question)
        if edit and row.message_id:
            await bot.edit_message_text(text, chat_id=row.chat_id, message_id=row.message_id, reply_markup=markup)
        else:
            sent = await update.effective_chat.send_message(text, reply_markup=markup)
            svc.store.save_progress(row.id, answers, selection, sent.message_id)
        return
    state = "emergency" if q.is_emergency_stop(answers) else "done"
    outcome = verdicts.judge(svc, patient, row.day, q.to_tokens(answers), row.id, state,
                             q.rash_onset_day(answers, row.day), now)
    advice = verdicts.advice(svc, outcome.verdict, row.day)
    if outcome.verdict.level == "monitor":
        plan_followup(svc, patient, row.day, now)
        advice += "\n\n" + svc.text("checkin.followup_note")
    try:
        if row.message_id:
            try:
                await bot.edit_message_text(svc.text("checkin.title", day=row.day) + " ✓\n\n" + svc.text(
                    "checkin.answered_heading"), chat_id=row.chat_id, message_id=row.message_id)
            except TelegramError as error:  # cosmetic (the message may be gone): the advice matters
                log.warning("check-in %s: closing edit failed: %s", row.id, type(error).__name__)
        await update.effective_chat.send_message(advice, reply_markup=clinic_markup(svc, outcome.verdict))
    finally:  # whatever happened to the patient's messages, the clinic hears of a worrying result
        if verdicts.needs_alert(outcome.verdict):
            await send_alert(bot, svc, patient, row.day, outcome, now)


def clinic_markup(svc: Services, verdict) -> object | None:
    """"Message the clinic" under every result from contact_provider up (when there is a clinic chat)."""
    if not verdicts.needs_alert(verdict) or svc.settings.clinic_chat_id is None:
        return None
    return keyboard([message_button(svc)])


def plan_followup(svc: Services, patient: Patient, day: int, now: datetime) -> None:
    """Monitor: an extra check-in prompt next morning (a follow-up is never dropped for lateness)."""
    timing = patient_timing(svc, patient)
    due = next_local(now, timing.morning, timing)
    svc.store.add_followup(patient.chat_id, patient.treatment.id, day + 1, f"followup:{day + 1}",
                           "checkin.followup_prompt", due, FOLLOWUP, now)
    svc.wake()


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Typed text: an answer to the open check-in, or free text scanned for red flags (P4)."""
    svc, now = services(context), services(context).clock.now()
    patient = _enrolled(svc, update.effective_chat.id)
    text = (update.effective_message.text or "").strip()
    if patient is None:
        if not verdicts.is_red_flag(text):
            return False
        # Not enrolled (or mid-enrolment): nothing to judge or store, but the safety advice is for anyone.
        await update.effective_chat.send_message(svc.text("checkin.safety_advice_not_enrolled"))
        return True
    row = svc.store.open_checkin(patient.chat_id)
    if row is not None:
        question = q.next_question(row.answers, row.day, svc.store.rash_first_day(row.treatment_id) is not None)
        value = typed_value(svc, question, text) if question else None
        if value is not None:
            await advance(update, svc, patient, row, row.answers + [(question.id, value)], [], now, edit=False)
            return True
    day = max(0, day_since(patient.treatment.treatment_date, now, patient.zone))
    level = verdicts.evaluate_free_text(text, day)
    if level in {"emergency", "urgent"}:
        outcome = verdicts.judge(svc, patient, day, [verdicts.free_text_token(text)], None, "done", None, now,
                                 patient_text=text[:1000])
        try:
            await update.effective_chat.send_message(svc.text(f"checkin.safety_advice_{level}"),
                                                     reply_markup=clinic_markup(svc, outcome.verdict))
        finally:
            await send_alert(update.get_bot(), svc, patient, day, outcome, now)
        if row is None:
            await begin(update, svc, patient, now)
        return True
    if row is not None:
        options = ", ".join(_label(svc, question.id, v) for v in question.options) if question else ""
        await update.effective_chat.send_message(svc.text("checkin.hint", options=f" ({options})" if options else ""))
        return True
    await begin(update, svc, patient, now)  # M11: free text without a red flag is re-asked with buttons
    return True


def typed_value(svc: Services, question: q.Question, text: str) -> str | None:
    """The option a typed answer stands for (its label, its value, or a 0-4 score), else None."""
    s = " ".join(text.lower().split())
    if question.multi:
        return "none" if s in {"none", "nothing", "no", "none of these", "nothing new"} else None
    for value in question.options:
        if s in {value.replace("_", " "), _label(svc, question.id, value).lower()}:
            return value
    if s in {"0", "1", "2", "3", "4"} and question.options[:5] == q.SEVERITY[:5]:
        return q.SEVERITY[int(s)]
    aliases = {"y": "yes", "yeah": "yes", "n": "no", "nope": "no", "better": "improving", "worse": "worsening",
               "not sure": "unsure", "dont know": "unsure", "don't know": "unsure", "no idea": "unsure"}
    value = aliases.get(s)
    return value if value in question.options else None


def register(application: Application) -> None:
    """Wire /checkin and the check-in buttons."""
    application.add_handler(CommandHandler("checkin", checkin_command, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{CB}:"))

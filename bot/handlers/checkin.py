"""The daily check-in: one message edited in place, a few taps, then triage and advice.

Callback data: ``ci1:<checkin id>:<question>:<value>`` (``+x`` toggles a tick,
``=`` is Done, ``back`` goes one question back), ``ci1:go:<day>`` starts from a
reminder, and ``ci1:<id>:resume|restart:_`` answers the resume offer. Anything
that does not match the patient's open check-in and current question has
expired (a double tap, an old message or forged data) and changes nothing.
What to ask and what an answer means are decided by ``messages.questionnaire``
and ``messages.checkin`` (see the diagrams there); typed text is in ``checkin_text``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.care import alerts, companions, safety, verdicts
from bot.care.relay import message_button
from bot.care.scheduling import patient_day, patient_timing
from bot.handlers import photos
from bot.services import PRIVATE_MESSAGE, Services, keyboard, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages import checkin as core
from messages import questionnaire as q
from messages.triage import load_rules
from schedules.kinds import FOLLOWUP
from schedules.planner import next_local

log = logging.getLogger(__name__)
CB = "ci1"


def start_data(day: int) -> str:
    """The callback data of "Start check-in" on a reminder for ``day`` (read by ``on_button``)."""
    return f"{CB}:go:{day}"


def label(svc: Services, question: q.Question, value: str) -> str:
    if question.multi:
        return svc.text(f"checkin.sign_{value}")
    key = {"2_days": "opt_2_days"}.get(value, f"opt_{value}")
    if question.id == "anything" and value == "none":
        key = "opt_none_new"
    return svc.text(f"checkin.{key}")


def question_text(svc: Services, question: q.Question) -> str:
    """The question's wording: "still there?" and one-tap sign questions name their item."""
    if question.id.startswith("still_"):
        return svc.text("checkin.q_still", item=svc.text(f"checkin.item_{question.id.removeprefix('still_')}"))
    if question.id.startswith(("confirm_", "ask_")):
        kind = question.id.partition("_")[0]
        key = "checkin.now_" + q.sign_token(question.id).replace(":", "_")
        asked = svc.text(key if svc.catalog.has(key) else "checkin.now_sign")
        return svc.text(f"checkin.q_{kind}", question=asked)
    return svc.text(f"checkin.q_{question.id}")


def render(svc: Services, row: CheckinRow, question: q.Question) -> tuple[str, object]:
    """The check-in message for ``question``: title, progress, question and its buttons."""
    text = "\n\n".join([svc.text("checkin.title", day=row.day),
                        svc.text("checkin.progress", number=len(row.answers) + 1), question_text(svc, question)])
    prefix = f"{CB}:{row.id}:{question.id}"
    if question.multi:
        buttons = [((("✓ " if v in row.selection else "") + label(svc, question, v)), f"{prefix}:+{v}")
                   for v in question.options]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [[(svc.text("checkin.done"), f"{prefix}:=")]]
    else:
        buttons = [(label(svc, question, v), f"{prefix}:{v}") for v in question.options]
        per_row = 3 if len(buttons) in (3, 6) else 2
        rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    if row.answers:
        rows.append([(svc.text("checkin.back"), f"{CB}:{row.id}:back:{question.id}")])
    return text, keyboard(rows)


def current(svc: Services, row: CheckinRow) -> q.Question | None:
    """The question on screen for this check-in."""
    onset_known = svc.store.rash_first_day(row.treatment_id) is not None
    return q.next_question(row.answers, row.day, onset_known, row.still, row.asks)


def enrolled(svc: Services, chat_id: int) -> Patient | None:
    patient = svc.store.patient(chat_id)
    return patient if patient and patient.enrolled and patient.treatment else None


def today(patient: Patient, now: datetime) -> int:
    """The day of an enrolled patient's check-in: their day of care, never before day 0 (they have a zone)."""
    return max(0, patient_day(patient, now))


async def begin(update: Update, svc: Services, patient: Patient, now: datetime, asks: tuple[str, ...] = (),
                ask_now: bool = True) -> CheckinRow:
    """Start a fresh check-in for today (an unfinished one is triaged first, P5a) and ask its first question."""
    old = svc.store.open_checkin(patient.chat_id)
    if old is not None and old.answers:
        await verdicts.close_unfinished(update.get_bot(), svc, old, now)
    elif old is not None:  # nothing answered yet: its one-tap questions move to the new check-in
        asks = tuple(dict.fromkeys(old.asks + asks))
    row = open_new(svc, patient, now, asks)
    if ask_now:
        await ask(update, svc, row)
    return row


def open_new(svc: Services, patient: Patient, now: datetime, asks: tuple[str, ...] = ()) -> CheckinRow:
    """Store a fresh check-in for today, re-asking by name what the last one flagged (writes only, no sends)."""
    still = core.still_items_after(v.tokens for v in svc.store.verdicts(patient.chat_id, patient.treatment.id))
    return svc.store.begin_checkin(patient.chat_id, patient.treatment.id, today(patient, now), now, still, asks)


async def ask(update: Update, svc: Services, row: CheckinRow, lead: str | None = None) -> None:
    """Send the check-in's current question as a new message (it is then edited in place), after ``lead``."""
    row = svc.store.checkin(row.id)
    text, markup = render(svc, row, current(svc, row))
    sent = await update.effective_chat.send_message(f"{lead}\n\n{text}" if lead else text, reply_markup=markup)
    svc.store.save_progress(row.id, row.answers, row.selection, sent.message_id)


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: start today's check-in (or offer to resume an unfinished one)."""
    svc, now = services(context), services(context).clock.now()
    patient = enrolled(svc, update.effective_chat.id)
    if patient is None:
        enrolling = svc.store.patient(update.effective_chat.id)
        await update.effective_chat.send_message(svc.text(
            "checkin.finish_enrolment_first" if enrolling and enrolling.step else "checkin.not_enrolled"))
        return
    if (ahead := -patient_day(patient, now, svc.settings.clinic.timezone)) > 0:  # nothing treated yet
        await update.effective_chat.send_message(svc.text(
            "checkin.not_started", date=svc.date("date_weekday", patient.treatment.treatment_date),
            days=svc.text("enrol.days_ahead_one" if ahead == 1 else "enrol.days_ahead", days=ahead)))
        return
    row = svc.store.open_checkin(patient.chat_id)
    if row and row.answers and row.day == today(patient, now):
        await update.effective_chat.send_message(svc.text("checkin.resume_or_restart"), reply_markup=keyboard(
            [[(svc.text("checkin.resume"), f"{CB}:{row.id}:resume:_"),
              (svc.text("checkin.restart"), f"{CB}:{row.id}:restart:_")]]))
        return
    await begin(update, svc, patient, now)


async def on_checkin_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap in a check-in: validate it against the open check-in, record it, ask the next question."""
    svc, now, query = services(context), services(context).clock.now(), update.callback_query
    if update.effective_chat is None:  # a button on an inline message: never one of ours
        return await query.answer(svc.text("common.expired"))
    parts = (query.data or "").split(":")
    patient = enrolled(svc, update.effective_chat.id)
    if patient and len(parts) == 3 and parts[1] == "go" and parts[2].isascii() and parts[2].isdigit() \
            and len(parts[2]) <= 4:
        await query.answer()
        return await checkin_command(update, context)
    row = svc.store.open_checkin(update.effective_chat.id) if patient else None
    if row is None or len(parts) != 4 or parts[1] != str(row.id):
        return await query.answer(svc.text("common.expired"))
    action, value = parts[2], parts[3]
    question = current(svc, row)
    answers, selection = list(row.answers), list(row.selection)
    if action in {"resume", "restart"}:
        await query.answer()
        await query.edit_message_reply_markup(None)
        if action == "restart":
            await begin(update, svc, patient, now)
        else:
            await ask(update, svc, row)
        return
    if question is None or (action != "back" and action != question.id) or (action == "back" and value != question.id):
        return await query.answer(svc.text("common.expired"))
    if action == "back":
        answers, selection = answers[:-1], []
    elif question.multi and value.startswith("+") and value[1:] in question.options:
        selection, answer = core.tick(selection, value[1:])
        if answer is not None:
            answers.append((question.id, answer))
    elif question.multi and value == "=":
        answer = core.done(question, selection)
        if answer is None:
            return await query.answer(svc.text("checkin.pick_first"), show_alert=True)
        answers.append((question.id, answer))
        selection = []
    elif not question.multi and q.valid_answer(question, value):
        answers.append((question.id, value))
    else:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    await advance(update, svc, patient, row, answers, selection, now, edit=True)


async def advance(update: Update, svc: Services, patient: Patient, row: CheckinRow, answers: list, selection: list,
                  now: datetime, edit: bool) -> None:
    """Take the answers so far; act at once on an urgent match (P9a); ask the next question or finish. An answer
    that gives advice is stored after the advice is sent, with its verdict (bot/care/safety.py)."""
    row = replace(row, answers=list(answers), selection=list(selection))  # in memory: stored below
    question = current(svc, row)
    if question is None:
        return await finish(update, svc, patient, row, now)
    acted = await act_at_once(update, svc, patient, row, now)
    if acted is None:
        return  # advised, but nothing could be stored: the patient was told; no question to build on
    if acted:
        edit = False  # the advice now sits under the check-in message: ask the next question below it
    else:
        svc.store.save_progress(row.id, row.answers, row.selection)
    if edit and row.message_id:
        text, markup = render(svc, row, question)
        await update.get_bot().edit_message_text(text, chat_id=row.chat_id, message_id=row.message_id,
                                                 reply_markup=markup)
    else:
        await ask(update, svc, row)


async def act_at_once(update: Update, svc: Services, patient: Patient, row: CheckinRow,
                      now: datetime) -> bool | None:
    """P9a: when the answers so far match an urgent rule not yet acted on, give its advice, then store the answers
    with the verdict and alert; True if it acted, None if it advised but could not store."""
    tokens = q.to_tokens(row.answers)
    outcome_preview = verdicts.preview(svc, patient, row.day, tokens, row.id)
    if not core.acts_now(outcome_preview) or not verdicts.unalerted(svc, patient, row.id, outcome_preview):
        return False
    decided = verdicts.decide(svc, patient, row.day, tokens, row.id, q.rash_onset_day(row.answers, row.day))
    advice = verdicts.advice_text(svc, decided.verdict, row.day)
    try:
        await update.effective_chat.send_message(advice + "\n\n" + svc.text("checkin.finish_note"))
    finally:
        stored = await store_answers(update, svc, patient, row, decided, None, now)
    companions.copy_advice(svc, patient, decided.verdict.level, advice, now)
    return True if stored else None


async def store_answers(update: Update, svc: Services, patient: Patient, row: CheckinRow, decided, state: str | None,
                        now: datetime, followup: bool = False) -> bool:
    """After the advice: the answers, the verdict and its alert in one transaction, then the alert's first try;
    when the database cannot take them, the alert goes to the journal and the patient hears so. True if stored."""
    def write() -> list[int]:
        svc.store.save_progress(row.id, row.answers, row.selection)
        outcome = verdicts.record(svc, patient, decided, row.id, state, now)
        if followup:
            plan_followup(svc, patient, row.day, now)
        return verdicts.queue_once(svc, patient, outcome, row.id, now)

    queued = await safety.store_after_advice(svc, write)
    if queued is None:
        journaled = safety.journal_alert(svc, patient, decided, row.id, state, now)
        await update.effective_chat.send_message(svc.text("checkin.not_stored" if journaled
                                                          else "checkin.not_stored_quiet"))
        return False
    await alerts.send_queued(update.get_bot(), svc, queued, now)
    return True


async def finish(update: Update, svc: Services, patient: Patient, row: CheckinRow, now: datetime) -> None:
    """The last answer: triage, give the advice, then store (and alert the clinic if called for); close the message.
    Safety first: the advice never waits on a database write (bot/care/safety.py)."""
    bot, answers = update.get_bot(), row.answers
    state = "emergency" if q.is_emergency_stop(answers) else "done"
    typed = core.closing_verdict(answers, row.asks, load_rules().version)  # P4i: a passed emergency sign counts
    decided = verdicts.decide(svc, patient, row.day, core.closing_tokens(answers, row.asks), row.id,
                              q.rash_onset_day(answers, row.day), extra=typed)
    advice = verdicts.advice_text(svc, decided.verdict, row.day)
    fresh = verdicts.unalerted(svc, patient, row.id, decided.verdict)  # not yet advised at once (act_at_once)
    followup = core.plans_followup(decided.verdict)
    if followup:
        advice += "\n\n" + svc.text("checkin.followup_note")
    try:
        if row.message_id:
            try:
                await bot.edit_message_text(svc.text("checkin.title", day=row.day) + " ✓\n\n" + svc.text(
                    "checkin.answered_heading"), chat_id=row.chat_id, message_id=row.message_id)
            except TelegramError as error:  # cosmetic (the message may be gone): the advice matters
                log.warning("check-in %s: closing edit failed: %s", row.id, type(error).__name__)
        await update.effective_chat.send_message(advice, reply_markup=clinic_markup(svc, decided.verdict))
    finally:  # whatever happened to the patient's messages, the clinic hears of a worrying result
        stored = await store_answers(update, svc, patient, row, decided, state, now, followup=followup)
    if fresh:  # an urgent answer's advice was copied when it was given (act_at_once), not again
        companions.copy_advice(svc, patient, decided.verdict.level, advice, now)
    if followup and stored:
        svc.wake()
    if stored and state == "done":
        await photos.ask_after_result(update, svc, patient, row, decided.verdict.level, now)


def clinic_markup(svc: Services, verdict) -> object | None:
    """"Message the clinic" under every result from contact_provider up (when messages can be relayed there)."""
    if not core.needs_alert(verdict.level) or not svc.settings.relay_open:
        return None
    return keyboard([message_button(svc)])


def plan_followup(svc: Services, patient: Patient, day: int, now: datetime) -> None:
    """Monitor: an extra check-in prompt next morning (a follow-up is never dropped for lateness); the caller
    wakes the dispatcher once it is stored."""
    timing = patient_timing(svc, patient)
    due = next_local(now, timing.morning, timing)
    svc.store.add_followup(patient.chat_id, patient.treatment.id, day + 1, f"followup:{day + 1}",
                           "checkin.followup_prompt", due, FOLLOWUP, now)


def register(application: Application) -> None:
    """Wire /checkin and the check-in buttons."""
    application.add_handler(CommandHandler("checkin", checkin_command, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_checkin_answer, pattern=rf"^{CB}:"))

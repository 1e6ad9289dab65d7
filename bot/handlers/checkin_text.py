"""Typed text for the check-in (triage rules P4c): signs acted on, answers taken, and always a reply.

``messages.checkin.read_text`` decides what the text means; this module only
carries it out: E4 and U10 advice with a clinic alert (once per check-in and
reason), one-tap questions queued in the check-in, the typed answer recorded,
or M11's reply with the clinic's contact and the check-in button.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.care import verdicts
from bot.handlers.checkin import CB, advance, ask, begin, clinic_markup, current, enrolled, label, today
from bot.services import Services, keyboard, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages import checkin as core
from messages import questionnaire as q
from messages.triage import Verdict, evaluate_tokens, load_rules

PATIENT_TEXT_KEPT = 1000  # characters of the message kept (sealed) with a verdict, for the clinic


def typed_text(update: Update) -> str:
    """What the patient wrote in a message or an edit: its text, or a photo's, video's or document's caption."""
    message = update.effective_message
    return ((message.text or message.caption or "") if message is not None else "").strip()


async def on_typed_checkin_text(update: Update, context: ContextTypes.DEFAULT_TYPE, signs_only: bool = False) -> bool:
    """Typed text: a sign to act on or ask about, an answer to the open check-in, else M11 (never silence).

    ``signs_only`` (rules v3 P4e: a caption, an edit, a relayed text, an everyday question): act on signs and
    ask about them, and leave the rest to the caller (False when the text holds no sign)."""
    svc, now = services(context), services(context).clock.now()
    patient = enrolled(svc, update.effective_chat.id)
    text = typed_text(update)
    if patient is None:
        if not core.is_red_flag(text):
            return False
        # Not enrolled (or mid-enrolment): nothing to judge or store, but the safety advice is for anyone.
        await update.effective_chat.send_message(svc.text("checkin.safety_advice_not_enrolled"))
        return True
    row = svc.store.open_checkin(patient.chat_id)
    question = current(svc, row) if row is not None else None
    reading = core.read_text(text, question, svc.words, day=row.day if row is not None else today(patient, now))
    if signs_only and not (reading.kind in {"emergency", "urgent"} or reading.kind == "asks" and reading.worrying):
        return False
    if reading.kind in {"emergency", "urgent"}:
        await act_on_signs(update, svc, patient, row, reading, text, now)
    elif reading.kind == "answer":
        await advance(update, svc, patient, row, row.answers + [(question.id, reading.answer)], [], now, edit=False)
    elif reading.kind == "asks":
        if row is None:
            await begin(update, svc, patient, now, asks=reading.asks)
        else:  # the sign is asked about in one tap; if the question on screen stays first, say so
            svc.store.add_asks(row.id, reading.asks)
            after = svc.store.checkin(row.id)
            later = current(svc, after) == question and set(after.asks) != set(row.asks)
            await ask(update, svc, row, lead=svc.text("checkin.ask_later") if later else None)
    elif question is not None:  # M11 inside a check-in: say why, name the options, give the clinic's contact
        options = ", ".join(label(svc, question, v)
                            for v in question.options)
        await update.effective_chat.send_message(svc.text("checkin.hint", options=f" ({options})"))
    else:  # M11: an answer, the clinic's contact and the check-in button
        await update.effective_chat.send_message(svc.text("checkin.m11"), reply_markup=keyboard(
            [[(svc.text("checkin.start_button"), f"{CB}:go:{today(patient, now)}")]]))
    return True


async def on_typed_checkin_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A typed answer to the open check-in's question, taken before any other reading of the text
    (so "spots" at "any of these now?" is an answer, not an everyday question); False otherwise."""
    svc, now = services(context), services(context).clock.now()
    patient = enrolled(svc, update.effective_chat.id)
    row = svc.store.open_checkin(patient.chat_id) if patient else None
    question = current(svc, row) if row is not None else None
    if question is None:
        return False
    reading = core.read_text((update.effective_message.text or "").strip(), question, svc.words, day=row.day)
    if reading.kind != "answer":
        return False
    await advance(update, svc, patient, row, row.answers + [(question.id, reading.answer)], [], now, edit=False)
    return True


async def act_on_signs(update: Update, svc: Services, patient: Patient, row: CheckinRow | None,
                       reading: core.TextReading, text: str, now: datetime) -> None:
    """E4 / U10: the advice and a clinic alert at once, then the check-in (a one-tap confirmation first)."""
    if row is None:
        row = await begin(update, svc, patient, now, asks=reading.asks, ask_now=False)
    elif reading.asks:
        svc.store.add_asks(row.id, reading.asks)
    extra = core.free_text_verdict(reading.kind, reading.signs, load_rules().version)
    outcome = verdicts.judge(svc, patient, row.day, q.to_tokens(row.answers), row.id, None,
                             q.rash_onset_day(row.answers, row.day), now, patient_text=text[:PATIENT_TEXT_KEPT],
                             extra=extra)
    matching = evaluate_tokens(list(reading.signs), row.day)
    try:
        await update.effective_chat.send_message(_advice(svc, reading, matching, row.day),
                                                 reply_markup=clinic_markup(svc, outcome.verdict))
    finally:
        await verdicts.alert_once(update.get_bot(), svc, patient, row.day, outcome, row.id, now)
    # The rules the confirmation will match (U4 for swollen lips) were just alerted as U10: not again.
    svc.store.claim_alert_reasons(patient.chat_id, row.id, core.alert_reasons(matching), now)
    await ask(update, svc, row)


def _advice(svc: Services, reading: core.TextReading, matching: Verdict, day: int) -> str:
    """The emergency message (E4), or the advice of the urgent rule the sign matches (U10)."""
    if reading.kind == "emergency":
        return svc.text("checkin.safety_advice_emergency")
    reasons = tuple(r for r in matching.reasons if r.level == "urgent")
    verdict = Verdict("urgent", reasons, matching.rules_version) if reasons else core.free_text_verdict(
        "urgent", reading.signs, matching.rules_version)
    return verdicts.advice_text(svc, verdict, day)

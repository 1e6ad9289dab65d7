"""What typed text does to the check-in (triage rules P4c), carried out for bot/handlers/typed.py.

``messages.routing.route`` decides; these carry it out: E4 and U10 advice with
a clinic alert (once per check-in and reason), one-tap questions queued in the
check-in, the typed answer recorded, the hint (or the question again), or
M11's reply with the clinic's contact and the check-in button.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.care import alerts, companions, safety, verdicts
from bot.handlers.checkin import CB, advance, ask, begin, clinic_markup, current, label, open_new, today
from bot.services import Services, keyboard, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages import checkin as core
from messages import questionnaire as q
from messages.triage import Verdict, evaluate_tokens, load_rules

PATIENT_TEXT_KEPT = 1000  # characters of the message kept (sealed) with a verdict, for the clinic


async def ask_about(update: Update, svc: Services, patient: Patient, row: CheckinRow | None,
                    reading: core.TextReading, now: datetime) -> None:
    """Signs to confirm and unsettled mentions, asked in one tap (P4c, P4f): a check-in begun with them, or
    queued in the open one (saying so when the question on screen stays first)."""
    if row is None:
        await begin(update, svc, patient, now, asks=reading.asks)
        return
    question = current(svc, row)
    if "safety" in reading.asks and "safety" in dict(row.answers):
        # A new unsettled breathing, throat or faint mention after the safety screen was answered: that answer
        # was about before, so the screen is asked again, at once (P4f; its 12 h window runs from now).
        row = svc.store.checkin(row.id)
        svc.store.save_progress(row.id, [a for a in row.answers if a[0] != "safety"], row.selection)
        row = svc.store.checkin(row.id)
    svc.store.add_asks(row.id, reading.asks)
    after = svc.store.checkin(row.id)
    later = current(svc, after) == question and set(after.asks) != set(row.asks)
    await ask(update, svc, after, lead=svc.text("checkin.ask_later") if later else None)


async def take_answer(update: Update, svc: Services, patient: Patient, row: CheckinRow, answer: str,
                      now: datetime) -> None:
    """A typed answer to the check-in question on screen: recorded, and the next question (or the verdict)."""
    await advance(update, svc, patient, row, row.answers + [(current(svc, row).id, answer)], [], now, edit=False)


async def hint(update: Update, svc: Services, row: CheckinRow) -> None:
    """M11 inside a check-in: why the text was not taken, the options, the clinic's contact."""
    question = current(svc, row)
    options = ", ".join(label(svc, question, v) for v in question.options)
    await update.effective_chat.send_message(svc.text("checkin.hint", options=f" ({options})"))


async def again(update: Update, svc: Services, row: CheckinRow) -> None:
    """The second message in a row that answers nothing: the question again, with its buttons."""
    await ask(update, svc, row, lead=svc.text("checkin.again"))


async def m11(update: Update, svc: Services, patient: Patient, now: datetime) -> None:
    """M11 with nothing asked: an answer, the clinic's contact and the check-in button."""
    await update.effective_chat.send_message(svc.text("checkin.m11"), reply_markup=keyboard(
        [[(svc.text("checkin.start_button"), f"{CB}:go:{today(patient, now)}")]]))


async def act_on_signs(update: Update, svc: Services, patient: Patient, row: CheckinRow | None,
                       reading: core.TextReading, text: str, now: datetime) -> None:
    """E4 / U10: the advice at once, decided from memory; then the check-in, its verdict and a clinic alert are
    stored (bot/care/safety.py), and the check-in goes on (a one-tap confirmation first)."""
    day = row.day if row is not None else today(patient, now)
    answers = row.answers if row is not None else []
    extra = core.free_text_verdict(reading.kind, reading.signs, load_rules().version)
    decided = verdicts.decide(svc, patient, day, q.to_tokens(answers), row.id if row is not None else None,
                              q.rash_onset_day(answers, day), patient_text=text[:PATIENT_TEXT_KEPT], extra=extra)
    matching = evaluate_tokens(list(reading.signs), day)
    advice = _advice(svc, reading, matching, day)
    try:
        await update.effective_chat.send_message(advice, reply_markup=clinic_markup(svc, decided.verdict))
    finally:  # whatever became of the advice, the check-in and the clinic's alert are stored (or journaled)
        stored = await _store_signs(update, svc, patient, row, reading, decided, matching, now)
    companions.copy_advice(svc, patient, reading.kind, advice, now)  # the advice only, never the words
    if stored is not None:
        await ask(update, svc, stored)


async def _store_signs(update: Update, svc: Services, patient: Patient, row: CheckinRow | None,
                       reading: core.TextReading, decided: verdicts.Decided, matching: Verdict,
                       now: datetime) -> CheckinRow | None:
    """After the advice: the check-in (begun if none is open), its verdict and the alert in one transaction, and the
    alert's first try; the stored check-in, or None when the alert went to the journal and the patient was told."""
    def write() -> tuple[CheckinRow, list[int]]:
        stored = open_new(svc, patient, now, reading.asks) if row is None else row
        if row is not None and reading.asks:
            svc.store.add_asks(row.id, reading.asks)
        outcome = verdicts.record(svc, patient, decided, stored.id, None, now)
        queued = verdicts.queue_once(svc, patient, outcome, stored.id, now)
        # The rules the confirmation will match (U4 for swollen lips) were just alerted as U10: not again.
        svc.store.claim_alert_reasons(patient.chat_id, stored.id, core.alert_reasons(matching), now)
        return stored, queued

    done = await safety.store_after_advice(svc, write)
    if done is None:
        journaled = safety.journal_alert(svc, patient, decided, row.id if row is not None else None, None, now)
        await update.effective_chat.send_message(svc.text("checkin.not_stored" if journaled
                                                          else "checkin.not_stored_quiet"))
        return None
    stored, queued = done
    await alerts.send_queued(update.get_bot(), svc, queued, now)
    return stored


def _advice(svc: Services, reading: core.TextReading, matching: Verdict, day: int) -> str:
    """The emergency message (E4), or the advice of the urgent rule the sign matches (U10)."""
    if reading.kind == "emergency":
        return svc.text("checkin.safety_advice_emergency")
    reasons = tuple(r for r in matching.reasons if r.level == "urgent")
    verdict = Verdict("urgent", reasons, matching.rules_version) if reasons else core.free_text_verdict(
        "urgent", reading.signs, matching.rules_version)
    return verdicts.advice_text(svc, verdict, day)

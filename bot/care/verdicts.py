"""From answers to advice: gather history and risks, evaluate triage, store the verdict, word it, alert.

The shell around the pure ``messages.checkin`` and ``messages.triage``: it adds
what the store knows (previous outcome, rash onset, profile risks, the check-in's
verdict so far), records the verdict with the rules version, renders the advice
keys the core chose, and alerts the clinic once per check-in and reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot

from bot.care.alerts import Outcome, queue_alert, send_alert
from bot.care.relay import tell_patient_surely
from bot.logs import TRIAGE, log_event
from bot.services import Services
from bot.store import Patient
from bot.store.checkins import CheckinRow, VerdictRow
from messages import checkin as core
from messages import questionnaire as q
from messages.answer_words import describe_all
from messages.triage import Reason, Verdict, evaluate_tokens, load_rules

log = logging.getLogger(__name__)


def patient_risk_tokens(patient: Patient) -> list[str]:
    """The stored patient's profile risks as tokens (P6): the core's ``risk_tokens`` of their answers."""
    return core.risk_tokens(patient.immunocompromised, patient.cold_sore_history, patient.skin_type)


def _as_verdict(row: VerdictRow | None) -> Verdict | None:
    if row is None:
        return None
    return Verdict(row.level, tuple(Reason(r["rule"], r["level"], tuple(r["answers"])) for r in row.reasons),
                   row.rules_version)


def _tokens(svc: Services, patient: Patient, day: int, answers: list[str], checkin_id: int | None,
            rash_onset: int | None) -> list[str]:
    """The answers plus what the rules need from history (P1b, P3) and the profile (P6)."""
    treatment = patient.treatment
    previous = svc.store.last_verdict(patient.chat_id, treatment.id, excluding_checkin=checkin_id)
    onset = svc.store.rash_first_day(treatment.id)
    history = core.history_tokens(previous.level if previous else None, onset if onset is not None else rash_onset,
                                  day)
    return answers + history + patient_risk_tokens(patient)


def preview(svc: Services, patient: Patient, day: int, answers: list[str], checkin_id: int | None) -> Verdict:
    """The verdict the answers so far would get, without storing it (P9a)."""
    return evaluate_tokens(_tokens(svc, patient, day, answers, checkin_id, None), day)


def unalerted(svc: Services, patient: Patient, checkin_id: int, verdict: Verdict) -> tuple[str, ...]:
    """The alert-worthy reasons of ``verdict`` that this check-in has not alerted yet."""
    done = svc.store.alerted_reasons(patient.chat_id, checkin_id)
    return tuple(r for r in core.alert_reasons(verdict) if r not in done)


@dataclass(frozen=True)
class Decided:
    """A verdict decided but not stored yet: what the patient is advised from, and what is stored after."""

    verdict: Verdict
    day: int
    tokens: list[str]        # as they will be stored: free text reduced to "free_text:(redacted)"
    reasons: list[dict]      # as they will be stored: {rule, level, answers}, redacted the same way
    rash_onset: int | None
    patient_text: str | None
    partial: bool


def decide(svc: Services, patient: Patient, day: int, answers: list[str], checkin_id: int | None,
           rash_onset: int | None, patient_text: str | None = None, extra: Verdict | None = None,
           partial: bool = False) -> Decided:
    """Evaluate one check-in with its history, writing nothing: the store is only read (which works while
    another process holds the write lock, on a full disk or a read-only file), so advice never waits on a write.

    The check-in's earlier verdict (P9a, a typed sign) and ``extra`` are merged in: never lower."""
    tokens = _tokens(svc, patient, day, answers, checkin_id, rash_onset)
    verdict = extra if extra is not None and not answers else evaluate_tokens(tokens, day)
    earlier = _as_verdict(svc.store.checkin_verdict(checkin_id)) if checkin_id is not None else None
    verdict = core.merge(core.merge(earlier, extra) if extra else earlier, verdict) if earlier or extra else verdict
    reasons = [{"rule": r.rule, "level": r.level, "answers": _redacted(r.answers)} for r in verdict.reasons]
    log_event(log, TRIAGE, chat_id=patient.chat_id, day=day, triage_level=verdict.level, rules_version=verdict.rules_version,
              rules=[r.rule for r in verdict.reasons])
    return Decided(verdict, day, _redacted(tokens), reasons, rash_onset, patient_text, partial)


def record(svc: Services, patient: Patient, decided: Decided, checkin_id: int | None, state: str | None,
           now: datetime) -> Outcome:
    """Store a decided verdict (``state`` None: the check-in stays open). ``patient_text`` is kept only sealed."""
    verdict = decided.verdict
    verdict_id = svc.store.complete_checkin(checkin_id, patient.chat_id, patient.treatment.id, decided.day, state,
                                            verdict.level, decided.reasons, decided.tokens, verdict.rules_version,
                                            decided.rash_onset, now, decided.patient_text, decided.partial)
    return Outcome(verdict, verdict_id, decided.tokens, decided.reasons, decided.patient_text)


def judge(svc: Services, patient: Patient, day: int, answers: list[str], checkin_id: int | None,
          state: str | None, rash_onset: int | None, now: datetime, patient_text: str | None = None,
          extra: Verdict | None = None, partial: bool = False) -> Outcome:
    """Evaluate one check-in with its history and store its verdict (``state`` None: it stays open)."""
    decided = decide(svc, patient, day, answers, checkin_id, rash_onset, patient_text, extra, partial)
    return record(svc, patient, decided, checkin_id, state, now)


def _redacted(tokens) -> list[str]:
    return ["free_text:(redacted)" if t.startswith("free_text:") else t for t in tokens]


def advice_text(svc: Services, verdict: Verdict, day: int) -> str:
    """What the patient reads for a verdict: the advice keys the core chose (``messages.checkin.advice``),
    rendered, and the answers behind them."""
    chosen = core.advice(verdict, day, svc.catalog.texts.keys())
    if verdict.level == "normal":
        return normal_advice(svc, chosen, day)
    lines = [svc.text(key, day=day) for key in chosen.keys]  # the timeline line comes with normal healing only
    answers = describe_all(svc.catalog, list(chosen.answers))  # plain words, never token names
    if chosen.mentions_message and svc.text("checkin.your_message") not in answers:
        answers.append(svc.text("checkin.your_message"))
    if answers:
        lines.append(svc.text("checkin.because", answers=", ".join(answers)))
    return "\n\n".join(lines)



def normal_advice(svc: Services, chosen, day: int) -> str:
    """A normal result in two short sentences: the day looks like normal healing, from the answers behind it, and
    one tip. The day's timeline line is left to the day's first reminder (once a day); the longer reason texts
    stay with the worrying levels."""
    tip = next(key for key in reversed(chosen.keys) if key.startswith("checkin.tip_"))
    answers = describe_all(svc.catalog, list(chosen.answers))
    if chosen.mentions_message and svc.text("checkin.your_message") not in answers:
        answers.append(svc.text("checkin.your_message"))
    head = svc.text("rhythm_truth.result_normal", day=day, answers=", ".join(answers)) if answers \
        else svc.text("rhythm_truth.result_normal_nothing", day=day)
    return head + "\n\n" + svc.text("checkin.tip_heading", tip=svc.text(tip, day=day))


async def alert_once(bot: Bot, svc: Services, patient: Patient, day: int, outcome: Outcome, checkin_id: int,
                     now: datetime) -> bool:
    """Alert the clinic if this verdict has a reason not yet alerted for this check-in; True if it did."""
    if not svc.store.claim_alert_reasons(patient.chat_id, checkin_id, core.alert_reasons(outcome.verdict), now):
        return False
    await send_alert(bot, svc, patient, day, outcome, now)
    return True


def queue_once(svc: Services, patient: Patient, outcome: Outcome, checkin_id: int, now: datetime) -> list[int]:
    """``alert_once``'s writes alone (for a transaction that stores a check-in with its alert): the alert outbox
    rows to try now with ``alerts.send_now``, none if every reason was alerted already."""
    if not svc.store.claim_alert_reasons(patient.chat_id, checkin_id, core.alert_reasons(outcome.verdict), now):
        return []
    return queue_alert(svc, patient, outcome, now)


async def close_unfinished(bot: Bot, svc: Services, row: CheckinRow, now: datetime) -> Outcome | None:
    """P5a: an unfinished check-in is triaged on the answers given, stored as partial, and alerts like any other.
    A question about an unsettled mention left unanswered, or a passed emergency sign, makes it contact_provider
    (P4f, P4i). The patient gets its advice too (P10), before the clinic's "I've let the team know"."""
    patient = svc.store.patient(row.chat_id)
    if patient is None or patient.treatment is None or patient.treatment.id != row.treatment_id:
        svc.store.abandon_checkin(row.id)  # a replaced treatment: nothing left to triage it against
        return None
    tokens = core.closing_tokens(row.answers, row.asks)
    typed = core.closing_verdict(row.answers, row.asks, load_rules().version)  # P4f, P4i: a person looks at it
    state = "no_response" if tokens == ["no_response"] and typed is None else "abandoned"
    outcome = judge(svc, patient, row.day, [] if tokens == ["no_response"] and typed else tokens, row.id, state,
                    q.rash_onset_day(row.answers, row.day), now, extra=typed, partial=state == "abandoned")
    try:
        if state == "abandoned" and core.advised_later(outcome.verdict):
            await tell_later(bot, svc, patient, row.day, outcome.verdict, now)
    finally:  # whatever became of the patient's message, the clinic hears of a worrying result
        await alert_once(bot, svc, patient, row.day, outcome, row.id, now)
    return outcome


async def tell_later(bot: Bot, svc: Services, patient: Patient, day: int, verdict: Verdict, now: datetime) -> None:
    """P10: the advice of a verdict reached after the patient left, the same an in-chat verdict of that level and
    reasons gets, opened by a line that says which check-in it is about (and "Message the clinic" from contact up)."""
    text = svc.text("checkin.late_verdict", day=day) + "\n\n" + advice_text(svc, verdict, day)
    await tell_patient_surely(bot, svc, patient.chat_id, text, now, with_button=core.needs_alert(verdict.level))


async def record_unanswered(bot: Bot, svc: Services, now: datetime) -> int:
    """P5a then P5: check-ins open 12 h are triaged as partial, and check-in prompts left unanswered 12 h
    become no_response check-ins (M10, monitor); returns how many were closed."""
    count = 0
    for row in svc.store.stale_checkins(now - core.NO_RESPONSE_AFTER):
        with svc.speaking_to(row.chat_id):  # what the patient is told, in their language (alerts: the clinic's)
            await close_unfinished(bot, svc, row, now)
        count += 1
    for chat_id, treatment_id, day in svc.store.unanswered_prompts(now - core.NO_RESPONSE_AFTER):
        checkin_id = svc.store.record_no_response(chat_id, treatment_id, day, now)
        patient = svc.store.patient(chat_id)
        if patient is not None and patient.treatment is not None and patient.treatment.id == treatment_id:
            with svc.speaking_to(chat_id):
                judge(svc, patient, day, ["no_response"], checkin_id, "no_response", None, now)
        count += 1
    return count

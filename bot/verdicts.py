"""From answers to advice: gather history and risks, evaluate triage, store the verdict, word it.

The shell around the pure ``messages.triage``: it adds what the store knows
(previous outcome, rash onset, profile risks), records the verdict with the
rules version, and renders what the patient sees for each level.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.logs import TRIAGE, log_event
from bot.services import Services
from bot.store import Patient
from messages.triage import LEVELS, Verdict, evaluate_tokens
from schedules.planner import timeline_key

log = logging.getLogger(__name__)
ALERT_FROM = LEVELS.index("contact_provider")
NO_RESPONSE_AFTER = timedelta(hours=12)  # a prompt still unanswered this long after it went out (re-prompt included)
TIPS = 5


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    verdict_id: int
    tokens: list[str]        # as stored: free text reduced to "free_text:(redacted)"
    reasons: list[dict]      # as stored: {rule, level, answers}, redacted the same way
    patient_text: str | None = None


def risk_tokens(patient: Patient) -> list[str]:
    """Profile risks (P6). An unsure immune answer counts as yes: it can only raise a level."""
    tokens = []
    if patient.immunocompromised in {"yes", "unsure"}:
        tokens.append("risk:immunocompromised")
    if patient.cold_sore_history == "yes":
        tokens.append("risk:cold_sore_history")
    if patient.skin_type in {"IV", "V", "VI"}:
        tokens.append("risk:fitzpatrick_iv_vi")
    return tokens


def free_text_token(text: str) -> str | None:
    """P4: lower-cased words joined by underscores; None when no letter or digit is left (an emoji)."""
    words = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")  # the whole text: a red flag may come last
    return f"free_text:{words}" if words else None


def evaluate_free_text(text: str, day: int) -> str:
    """The level free text alone would give (E4 emergency, U10 urgent, else M11 monitor)."""
    token = free_text_token(text)
    return evaluate_tokens([token], day).level if token else "monitor"


def is_red_flag(text: str) -> bool:
    """Whether typed text alone calls for safety advice (P4: an emergency or urgent keyword)."""
    return evaluate_free_text(text, 0) in {"emergency", "urgent"}


def judge(svc: Services, patient: Patient, day: int, answers: list[str], checkin_id: int | None,
          state: str, rash_onset: int | None, now: datetime, patient_text: str | None = None) -> Outcome:
    """Evaluate one check-in (or free text) with its history, and store the verdict.

    ``patient_text`` is the message that led to it, kept only sealed with the data key."""
    treatment = patient.treatment
    history = []
    previous = svc.store.last_verdict(patient.chat_id, treatment.id)
    if previous:
        history.append(f"previous_outcome:{previous.level}")
    onset = svc.store.rash_first_day(treatment.id)
    if onset is None:
        onset = rash_onset
    if onset is not None and onset <= day:
        history.append(f"rash_first_reported_day:{onset}")
    tokens = answers + history + risk_tokens(patient)
    verdict = evaluate_tokens(tokens, day)
    # Free text is evaluated, then kept only sealed (patient_text), never inside tokens or reasons.
    stored = _redacted(tokens)
    reasons = [{"rule": r.rule, "level": r.level, "answers": _redacted(r.answers)} for r in verdict.reasons]
    log_event(log, TRIAGE, chat_id=patient.chat_id, day=day, level=verdict.level, rules_version=verdict.rules_version,
              rules=[r.rule for r in verdict.reasons])
    verdict_id = svc.store.complete_checkin(checkin_id, patient.chat_id, treatment.id, day, state, verdict.level,
                                            reasons, stored, verdict.rules_version, rash_onset, now, patient_text)
    return Outcome(verdict, verdict_id, stored, reasons, patient_text)


def _redacted(tokens) -> list[str]:
    return ["free_text:(redacted)" if t.startswith("free_text:") else t for t in tokens]


def plain(token: str) -> str:
    """A token in plain words for the patient ("redness:severe" -> "redness severe")."""
    return token.replace(":", " ").replace("_", " ")


def advice(svc: Services, verdict: Verdict, day: int) -> str:
    """What the patient sees for a verdict: the level first, the reasons, and the answers behind them."""
    level = verdict.level
    lines = [svc.text(f"triage.level_{level}")]
    shown = [r for r in verdict.reasons if r.level == level] or list(verdict.reasons[:1])
    lines += [svc.text(f"triage.rule_{r.rule}", day=day) for r in shown if svc.catalog.has(f"triage.rule_{r.rule}")]
    answers = sorted({plain(a) for r in shown for a in r.answers if not a.startswith("free_text:")})
    if any(a.startswith("free_text:") for r in shown for a in r.answers):
        answers.append(svc.text("checkin.your_message"))
    if answers:
        lines.append(svc.text("checkin.because", answers=", ".join(answers)))
    if level == "normal":
        lines.append(svc.text(timeline_key(day)))
        lines.append(svc.text("checkin.tip_heading", tip=svc.text(f"checkin.tip_{day % TIPS}")))
    return "\n\n".join(lines)


def needs_alert(verdict: Verdict) -> bool:
    return LEVELS.index(verdict.level) >= ALERT_FROM


def record_unanswered(svc: Services, now: datetime) -> int:
    """P5: a check-in prompt left unanswered becomes a no_response check-in (M10, monitor); returns how many."""
    count = 0
    for chat_id, treatment_id, day in svc.store.unanswered_prompts(now - NO_RESPONSE_AFTER):
        checkin_id = svc.store.record_no_response(chat_id, treatment_id, day, now)
        patient = svc.store.patient(chat_id)
        if patient is not None and patient.treatment is not None and patient.treatment.id == treatment_id:
            judge(svc, patient, day, ["no_response"], checkin_id, "no_response", None, now)
        count += 1
    return count

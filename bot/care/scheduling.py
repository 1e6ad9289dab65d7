"""Turns a patient's plan into delivery rows: the shell around the pure planner."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from bot.services import Services, plan_for
from bot.store import Patient
from schedules.care_plan import Plan, load_plan
from schedules.budget import fit_budget
from schedules.planner import Delivery, Timing, day_since, expand, pending_after, with_reprompts


def patient_day(patient: Patient, now: datetime, clinic_zone: str | None = None) -> int | None:
    """The patient's day of care at ``now``: local calendar days since the treatment date (0 on the day,
    negative before it), or None before a date is given.

    The date is the current session's or, while enrolling, the one given so far (``Patient.treatment_date``);
    the day turns at the patient's midnight, or at the clinic's (``clinic_zone``) before they chose a zone.
    Every shell computation of "day N since treatment" goes through here (the pure rule is
    ``schedules.planner.day_since``)."""
    treated = patient.treatment_date
    return None if treated is None else day_since(treated, now, patient.zone or clinic_zone)


def patient_timing(svc: Services, patient: Patient) -> Timing:
    """The patient's zone, times and quiet hours, with the clinic's defaults for what they did not set."""
    quiet = "off" if patient.quiet_start == "off" else (
        (time.fromisoformat(patient.quiet_start), time.fromisoformat(patient.quiet_end))
        if patient.quiet_start and patient.quiet_end else None)
    timing = svc.settings.clinic.timing(patient.zone, patient.morning, patient.evening, quiet)
    midday = svc.store.midday(patient.chat_id)  # the patient may have moved the midday sunscreen
    return replace(timing, midday=time.fromisoformat(midday)) if midday and midday != "off" else timing


def reschedule(svc: Services, patient: Patient, now: datetime) -> int:
    """Re-plan everything not yet sent for the patient's current session; returns the pending count.

    Called after enrolment and after any change of date, zone or times: expanding
    again is idempotent because (patient, session, step) is the natural key.
    """
    if not patient.enrolled or patient.treatment is None or patient.treatment.ended_at is not None:
        return 0  # an ended plan (staff ended it early) plans nothing more
    plan = plan_for(svc, patient.treatment.plan)
    timing = patient_timing(svc, patient)
    deliveries = with_reprompts(expand(plan, patient.treatment.treatment_date, timing), timing)
    # Bundled to the plan's daily budget after muting (a stopped kind frees its push); the day's pushes
    # already past count too, as `aftercare preview` shows them.
    _, own_limit = svc.store.engagement(patient.chat_id)  # a patient who asked for fewer messages
    if svc.store.midday(patient.chat_id) == "off":  # the midday sunscreen stopped on its own
        deliveries = [d for d in deliveries if d.at != "midday"]
    planned = pending_after(fit_budget(without_muted(svc, patient.chat_id, deliveries), plan.daily_budget,
                                       override=own_limit, now=now), now)
    pending = svc.store.replace_pending(patient.chat_id, patient.treatment.id, planned, now)
    svc.wake()
    return pending


def without_muted(svc: Services, chat_id: int, planned: list[Delivery]) -> list[Delivery]:
    """Drop kinds the patient stopped and anything due inside a pause; nothing at all for a blocked chat.

    A pause filters by due time, not by kind, so rows after its end are planned
    now and nothing has to wake up when it ends.
    """
    prefs = svc.store.preferences(chat_id)
    if prefs is None or not prefs.reachable:
        return []
    return [p for p in planned if p.kind not in prefs.stopped
            and (prefs.paused_until is None or p.due_utc >= prefs.paused_until)]


def quiet_label(svc: Services, quiet_start: str | None, quiet_end: str | None) -> str:
    """Quiet hours as stored with a patient (None: the clinic's; "off": none; else "HH:MM" each) in words:
    "22:00-07:00", or "none". The one rendering of quiet hours: settings, enrolment, refusals and /mydata."""
    if quiet_start == "off":
        return svc.text("enrol.quiet_none")
    if quiet_start and quiet_end:
        return f"{quiet_start}-{quiet_end}"
    clinic = svc.settings.clinic
    return f"{clinic.quiet_start:%H:%M}-{clinic.quiet_end:%H:%M}" if clinic.quiet_start else svc.text("enrol.quiet_none")


def midday_days(svc: Services, patient: Patient) -> tuple[int, ...]:
    """The days of the patient's plan with a midday reminder (empty: the plan has none)."""
    plan = plan_for(svc, patient.treatment.plan if patient.treatment else svc.plan.name)
    return tuple(sorted({d for step in plan.steps if step.at == "midday" for d in plan.sunscreen_days(step)}))


def midday_label(svc: Services, patient: Patient) -> str:
    """How the midday sunscreen stands: "13:00 on days 1 to 13", or "off"."""
    days = midday_days(svc, patient)
    if not days:
        return svc.text("midday.none")
    if svc.store.midday(patient.chat_id) == "off":
        return svc.text("midday.off")
    at = patient_timing(svc, patient).midday
    return svc.text("midday.on", time=f"{at:%H:%M}", first=days[0], last=days[-1])

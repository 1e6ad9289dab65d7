"""Turns a patient's plan into delivery rows: the shell around the pure planner."""

from __future__ import annotations

from datetime import datetime

from bot.services import Services
from bot.store import Patient, PlannedDelivery
from schedules.plan import Plan, load_plan
from schedules.planner import expand


def plan_for(svc: Services, name: str) -> Plan:
    return svc.plan if name == svc.plan.name else load_plan(name, svc.catalog.texts.keys())


def reschedule(svc: Services, patient: Patient, now: datetime) -> int:
    """Re-plan everything not yet sent for the patient's current session; returns the pending count.

    Called after enrolment and after any change of date, zone or times: expanding
    again is idempotent because (patient, session, step) is the natural key.
    """
    if not patient.enrolled or patient.treatment is None:
        return 0
    plan = plan_for(svc, patient.treatment.plan)
    timing = svc.settings.clinic.timing(patient.zone, patient.morning, patient.evening)
    at_by_key = {step.key: step.at for step in plan.steps}
    planned = [PlannedDelivery(d.step, d.day, d.kind, at_by_key[d.step.rsplit(":", 1)[0]], d.message_key, d.due_utc)
               for d in expand(plan, patient.treatment.treatment_date, timing, svc.settings.clinic.protocol)]
    pending = svc.store.replace_pending(patient.chat_id, patient.treatment.id, planned, now)
    svc.wake()
    return pending

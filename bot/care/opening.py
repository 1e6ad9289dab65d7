"""What the ``/start`` payload chose: an invitation (bot/care/invites.py), a plan by a poster's link, or nothing.

Nothing is stored before consent, so what the payload chose is kept in the chat's scratch (``CHOSEN``) until the
patient agrees, and checked again then: an invitation is marked used in the same moment the patient's own
answers begin. A forged, expired or used invitation, or a plan this bot does not have, is refused in one kind
line and the patient simply enrols as anyone would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.care.invites import Invite, looks_like_invite, read_invite
from bot.logs import pseudonym
from bot.services import Services, plan_for
from bot.store import Patient
from schedules.care_plan import available_plans

log = logging.getLogger(__name__)
CHOSEN = "opening"  # chat_data: the payload that chose something, until consent


@dataclass(frozen=True)
class Opening:
    """What to keep until consent (the payload, or None) and the line to say first (or None)."""

    kept: str | None
    note: str | None


def plans(svc: Services) -> list[str]:
    return available_plans(svc.settings.plans_dir)


def _sign(svc: Services):
    sealer = svc.store.sealer
    return sealer.sign_invite if sealer is not None else None


def check(svc: Services, payload: str, now: datetime) -> Invite | str:
    """The invitation, or why it is refused ("forged", "expired", "plan", "used")."""
    found = read_invite(_sign(svc), payload, plans(svc), now.date())
    if isinstance(found, Invite) and svc.store.invite_used(found.id):
        return "used"
    return found


def read(svc: Services, payload: str | None, now: datetime) -> Opening:
    """What the payload says to the patient first, and what to keep until consent."""
    if not payload or payload == svc.plan.name:
        return Opening(None, None)
    if payload in plans(svc):
        return Opening(payload, None)
    if not looks_like_invite(payload):
        log.info("start link names no plan of this bot")
        return Opening(None, svc.text("enrol.unknown_plan"))
    found = check(svc, payload, now)
    if isinstance(found, str):
        log.info("invitation refused (%s)", found)
        return Opening(None, svc.text(f"enrol.invite_{found}"))
    return Opening(payload, svc.text("enrol.invite_found", date=svc.date("date", found.treatment_date),
                                     plan_title=plan_for(svc, found.plan).title_in(svc.voice)))


def apply(svc: Services, patient: Patient, kept: str | None, now: datetime) -> tuple[Patient, str | None]:
    """At consent: the chosen plan, or the invitation's date, plan and reference, onto the new patient (the
    invitation used now); with a line to say when the invitation was used meanwhile."""
    if not kept:
        return patient, None
    if not looks_like_invite(kept):
        return svc.store.update_patient(patient.chat_id, now, draft_plan=kept), None
    found = check(svc, kept, now)
    if isinstance(found, str) or not svc.store.use_invite(found.id, now):
        return patient, svc.text(f"enrol.invite_{found if isinstance(found, str) else 'used'}")
    log.info("chat %s enrols from an invitation", pseudonym(patient.chat_id))
    return svc.store.update_patient(patient.chat_id, now, draft_plan=found.plan, draft_date=found.treatment_date,
                                    clinic_ref=found.ref or None), None

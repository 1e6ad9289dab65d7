"""Plain dataclasses the store returns; nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone


def iso(instant: datetime) -> str:
    """A UTC instant as stored: ISO 8601 with offset, sortable as text."""
    if instant.tzinfo is None:
        raise ValueError("naive datetimes are never stored")
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


# Columns holding every answer a patient gives (and their names), sealed with the data key
# (bot/store/sealing.py). Plain stay only ids, times, days, delivery state and the triage level.
SEALED = {
    "patients": ("display_name", "immunocompromised", "cold_sore_history", "skin_type", "clinic_ref",
                 "companion_name"),  # the companion's first name (0023), sealed from the start
    "checkins": ("answers", "selection", "still", "asks"),
    "verdicts": ("reasons", "tokens", "patient_text"),
    "relays": ("text", "file_id"),
    "alerted_reasons": ("sealed_reason",),  # its ``reason`` is a keyed hash (Sealer.blind)
    "patient_refs": ("username",),           # sealed from the start (0009): nothing older to seal
    "alert_steps": ("staff_name", "note"),   # sealed from the start (0016); no chat_id: never in /mydata
}


def parse_time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Treatment:
    """One treatment session: a care plan started on a treatment date (day 0)."""

    id: int
    plan: str
    treatment_date: date
    ended_at: datetime | None = None  # staff ended the plan early (``/patient N end``)


@dataclass(frozen=True)
class Patient:
    """A patient as stored, with their current treatment session (None while enrolling)."""

    chat_id: int
    user_id: int | None
    display_name: str
    status: str
    step: str | None
    draft_date: date | None
    zone: str | None
    morning: time | None
    evening: time | None
    immunocompromised: str | None
    cold_sore_history: str | None
    skin_type: str | None
    reachable: bool
    treatment: Treatment | None
    quiet_start: str | None = None  # None: the clinic's quiet hours; "off": none; else "HH:MM"
    quiet_end: str | None = None
    draft_plan: str | None = None   # the plan a poster link or an invitation chose, until enrolment ends
    clinic_ref: str | None = None   # the clinic's own reference for the patient (an invitation's), opened
    language: str | None = None     # the language the patient chose (a catalog code); None: the clinic's default

    @property
    def enrolled(self) -> bool:
        return self.status == "active"

    @property
    def treatment_date(self) -> date | None:
        return self.treatment.treatment_date if self.treatment else self.draft_date

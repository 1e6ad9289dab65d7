"""Patients and their treatment sessions: consent, enrolment answers, settings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Callable

from sqlite_utils import Database

from bot.store.records import SEALED, Patient, Treatment, iso, parse_time

# Columns a flow may set through update_patient(); anything else is a programming error.
PROFILE_COLUMNS = frozenset({
    "step", "draft_date", "zone", "morning", "evening", "immunocompromised",
    "cold_sore_history", "skin_type", "display_name", "reachable", "quiet_start", "quiet_end",
    "draft_plan", "clinic_ref", "language",
})


class PatientStore:
    """Store methods about who the patient is."""

    db: Database
    seal_text: Callable[[str | None], str]
    open_text: Callable[[str | None], str]

    def patient(self, chat_id: int) -> Patient | None:
        """The patient behind a private chat, or None if nothing is stored."""
        rows = list(self.db.query("SELECT * FROM patients WHERE chat_id = ?", [chat_id]))
        if not rows:
            return None
        row = rows[0]
        return Patient(
            chat_id=row["chat_id"], user_id=row["user_id"], display_name=self.open_text(row["display_name"]),
            status=row["status"], step=row["step"],
            draft_date=date.fromisoformat(row["draft_date"]) if row["draft_date"] else None,
            zone=row["zone"], morning=parse_time(row["morning"]), evening=parse_time(row["evening"]),
            immunocompromised=self.open_text(row["immunocompromised"]) or None,
            cold_sore_history=self.open_text(row["cold_sore_history"]) or None,
            skin_type=self.open_text(row["skin_type"]) or None, reachable=bool(row["reachable"]),
            treatment=self.current_treatment(chat_id),
            quiet_start=row["quiet_start"], quiet_end=row["quiet_end"], draft_plan=row["draft_plan"],
            clinic_ref=self.open_text(row["clinic_ref"]) or None, language=row["language"],
        )

    def patient_language(self, chat_id: int) -> str | None:
        """The language a patient chose (None: none chosen, or no such patient), read at the door of each update."""
        row = self.db.execute("SELECT language FROM patients WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def patient_count(self) -> int:
        """How many patients the database holds (enrolled or enrolling)."""
        return self.db.execute("SELECT count(*) FROM patients").fetchone()[0]

    def current_treatment(self, chat_id: int) -> Treatment | None:
        rows = list(self.db.query(
            "SELECT id, plan, treatment_date, ended_at FROM treatments WHERE chat_id = ? AND replaced_at IS NULL "
            "ORDER BY id DESC LIMIT 1", [chat_id]))
        if not rows:
            return None
        row = rows[0]
        return Treatment(row["id"], row["plan"], date.fromisoformat(row["treatment_date"]),
                         datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None)

    def give_consent(self, chat_id: int, user_id: int | None, display_name: str, first_step: str,
                     now: datetime) -> Patient:
        """Create the patient's row: the first thing stored, and only after consent."""
        stamp = iso(now)
        self.db.execute(
            "INSERT INTO patients (chat_id, user_id, display_name, status, step, consent_at, created_at,"
            " updated_at) VALUES (?, ?, ?, 'enrolling', ?, ?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at,"
            " reachable = 1",
            [chat_id, user_id, self.seal_text(display_name), first_step, stamp, stamp, stamp])
        patient = self.patient(chat_id)
        assert patient is not None
        return patient

    def update_patient(self, chat_id: int, now: datetime, **values: Any) -> Patient:
        """Set profile columns (see PROFILE_COLUMNS) in one statement."""
        unknown = set(values) - PROFILE_COLUMNS
        if unknown:
            raise ValueError(f"not a patient column: {sorted(unknown)}")
        for column in SEALED["patients"]:  # the patient's answers are sealed; a skipped one stays NULL
            if column in values:
                values[column] = self.seal_text(values[column]) or ("" if column == "display_name" else None)
        assignments = ", ".join(f"{column} = ?" for column in values)
        params = [_column_value(v) for v in values.values()] + [iso(now), chat_id]
        self.db.execute(f"UPDATE patients SET {assignments}, updated_at = ? WHERE chat_id = ?", params)
        patient = self.patient(chat_id)
        if patient is None:
            raise LookupError(f"no patient for chat {chat_id}")
        return patient

    def start_treatment(self, chat_id: int, plan: str, treatment_date: date, now: datetime) -> Treatment:
        """Make a new treatment session current and mark the patient enrolled, in one transaction."""
        stamp = iso(now)
        with self.db.atomic():
            self.db.execute("UPDATE treatments SET replaced_at = ? WHERE chat_id = ? AND replaced_at IS NULL",
                            [stamp, chat_id])
            self.db.execute(
                "INSERT INTO treatments (chat_id, plan, treatment_date, created_at) VALUES (?, ?, ?, ?)",
                [chat_id, plan, treatment_date.isoformat(), stamp])
            self.db.execute("UPDATE patients SET status = 'active', step = NULL, draft_date = NULL, draft_plan = NULL,"
                            " updated_at = ? WHERE chat_id = ?", [stamp, chat_id])
        treatment = self.current_treatment(chat_id)
        assert treatment is not None
        return treatment

    def move_treatment(self, treatment_id: int, treatment_date: date) -> None:
        """Correct the date of the current session (a typo fix, not a new session).

        Steps are named by day ("checkin:1"), so after a move the same name is a
        different instant: finished rows are renamed to the old date, which keeps
        their record and lets the re-plan schedule the new day 1 (in one transaction).
        """
        with self.db.atomic():
            old = self.db.execute("SELECT treatment_date FROM treatments WHERE id = ?", [treatment_id]).fetchone()
            if old is None or old[0] == treatment_date.isoformat():
                return
            self.db.execute("UPDATE deliveries SET step = step || '@' || ? WHERE treatment_id = ?"
                            " AND state != 'pending' AND step NOT LIKE '%@%'", [old[0], treatment_id])
            self.db.execute("UPDATE treatments SET treatment_date = ? WHERE id = ?",
                            [treatment_date.isoformat(), treatment_id])



def _column_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")  # local HH:MM
    if isinstance(value, date):
        return value.isoformat()
    return value

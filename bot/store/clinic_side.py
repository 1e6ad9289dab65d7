"""Store methods of the clinic's side (migration 0016): invitations used once, an alert's life step by step, the
"no answer" reminder to staff, and a plan ended early by staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlite_utils import Database

from bot.store.records import iso

ALERT_STATES = ("open", "acknowledged", "reached", "no_answer", "resolved")


@dataclass(frozen=True)
class AlertStep:
    """One step of an alert's life as stored: what, by whom (name and log pseudonym), when, and the note."""

    id: int
    alert_id: int
    step: str
    staff_name: str
    staff_ref: str
    at: datetime
    note: str


@dataclass(frozen=True)
class ExportRow:
    """One verdict for the clinic export (bot/tools/clinic_export.py): who by number and reference, what was
    answered, the level, the rules and what became of its alerts."""

    verdict_id: int
    chat_id: int
    number: int | None
    clinic_ref: str
    display_name: str
    username: str
    plan: str
    treatment_date: str
    day: int
    level: str
    rules: list[str]
    rules_version: str
    recorded_at: datetime
    checkin_id: int | None
    checkin_state: str
    answers: list[tuple[str, str]]
    tokens: list[str]
    partial: bool
    alerts: tuple[tuple[int, str, str], ...]  # (alert id, level, state)


class ClinicSideStore:
    """Invitations, alert steps and staff actions on a patient's plan."""

    db: Database
    seal_text: Callable[[str | None], str]
    open_text: Callable[[str | None], str]
    open_json: Callable[[str | None, object], object]

    # ---- invitations ------------------------------------------------------------------------
    def invite_used(self, invite_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM invites_used WHERE invite_id = ?", [invite_id]).fetchone() is not None

    def use_invite(self, invite_id: str, now: datetime) -> bool:
        """Record the invitation used; False if it already was (a second patient, a second tap)."""
        cursor = self.db.execute("INSERT OR IGNORE INTO invites_used (invite_id, used_at) VALUES (?, ?)",
                                 [invite_id, iso(now)])
        return cursor.rowcount == 1

    # ---- before the session (migration 0021: treatments.prep_noted) ------------------------------------
    def note_preparation_signs(self, chat_id: int, treatment_id: int, signs: tuple[str, ...], target: int,
                               body: Callable[[tuple[str, ...]], str], now: datetime) -> tuple[str, ...]:
        """Queue the clinic's note about the signs typed before the session that were not noted before in this
        session (returned; empty: nothing queued), its text ``body(new signs)``; the note and its record in one
        transaction."""
        with self.db.atomic():
            found = self.db.execute("SELECT prep_noted FROM treatments WHERE id = ? AND chat_id = ?",
                                    [treatment_id, chat_id]).fetchone()
            if found is None:
                return ()
            before = (found[0] or "").split()
            new = tuple(sign for sign in signs if sign not in before)
            if new:
                self.db.execute("UPDATE treatments SET prep_noted = ? WHERE id = ?",
                                [" ".join([*before, *new]), treatment_id])
                self.db.execute("INSERT INTO outbox (kind, target, about, body, due_at, state, attempts, updated_at)"
                                " VALUES ('prep_note', ?, ?, ?, ?, 'pending', 0, ?)",
                                [target, chat_id, self.seal_text(body(new)), iso(now), iso(now)])
        return new

    # ---- an alert's life --------------------------------------------------------------------
    def alert_state(self, alert_id: int) -> str | None:
        row = self.db.execute("SELECT state FROM alerts WHERE id = ?", [alert_id]).fetchone()
        return row[0] if row else None

    def step_alert(self, alert_id: int, before: str, step: str, staff_id: int, staff_name: str, staff_ref: str,
                   now: datetime) -> int | None:
        """Move the alert from ``before`` to ``step`` and record who and when, in one transaction; None when it
        was no longer in ``before`` (a double tap, another staff member first). Acknowledging also sets
        ``acknowledged_by``, which is what stops re-raises."""
        with self.db.atomic():
            cursor = self.db.execute("UPDATE alerts SET state = ? WHERE id = ? AND state = ?", [step, alert_id, before])
            if cursor.rowcount != 1:
                return None
            self.db.execute("UPDATE alerts SET acknowledged_by = coalesce(acknowledged_by, ?),"
                            " acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?",
                            [staff_id, iso(now), alert_id])
            return self.db.execute(
                "INSERT INTO alert_steps (alert_id, step, staff_name, staff_ref, at) VALUES (?, ?, ?, ?, ?)",
                [alert_id, step, self.seal_text(staff_name), staff_ref, iso(now)]).lastrowid

    def alert_steps(self, alert_id: int) -> list[AlertStep]:
        """The alert's steps, oldest first."""
        return [AlertStep(r["id"], r["alert_id"], r["step"], self.open_text(r["staff_name"]), r["staff_ref"],
                          datetime.fromisoformat(r["at"]), self.open_text(r["note"]))
                for r in self.db.query("SELECT * FROM alert_steps WHERE alert_id = ? ORDER BY id", [alert_id])]

    def step_posted(self, step_id: int, clinic_chat_id: int, message_id: int) -> None:
        """The message in the clinic chat that announced the step: a staff reply to it is the step's note."""
        self.db.execute("UPDATE alert_steps SET clinic_chat_id = ?, message_id = ? WHERE id = ?",
                        [clinic_chat_id, message_id, step_id])

    def step_of_message(self, clinic_chat_id: int, message_id: int) -> AlertStep | None:
        row = self.db.execute("SELECT id, alert_id FROM alert_steps WHERE clinic_chat_id = ? AND message_id = ?",
                              [clinic_chat_id, message_id]).fetchone()
        return next((s for s in self.alert_steps(row[1]) if s.id == row[0]), None) if row else None

    def note_step(self, step_id: int, note: str) -> None:
        """The staff's note on a step (sealed); a later reply replaces it."""
        self.db.execute("UPDATE alert_steps SET note = ? WHERE id = ?", [self.seal_text(note), step_id])

    def alert_states(self, chat_id: int) -> list[tuple[int, str, str, datetime]]:
        """The patient's alerts (id, level, state, raised), oldest first: what /mydata shows of them."""
        return [(r[0], r[1], r[2], datetime.fromisoformat(r[3])) for r in self.db.execute(
            "SELECT id, level, state, created_at FROM alerts WHERE chat_id = ? ORDER BY id", [chat_id]).fetchall()]

    def queue_recall(self, alert_id: int, target: int, about: int | None, due_at: datetime, now: datetime) -> int:
        """The reminder to staff after a "no answer": one pending per alert (a newer one replaces it)."""
        with self.db.atomic():
            self.db.execute("UPDATE outbox SET state = 'skipped', reason = 'replaced', updated_at = ?"
                            " WHERE kind = 'recall' AND alert_id = ? AND state = 'pending'", [iso(now), alert_id])
            return self.db.execute(
                "INSERT INTO outbox (kind, target, about, alert_id, due_at, state, updated_at)"
                " VALUES ('recall', ?, ?, ?, ?, 'pending', ?)", [target, about, alert_id, iso(due_at), iso(now)]
            ).lastrowid

    # ---- staff actions on a plan --------------------------------------------------------------
    def end_treatment(self, treatment_id: int, now: datetime) -> int:
        """Staff end the plan early: marked ended, and everything still planned cancelled (returned)."""
        stamp = iso(now)
        with self.db.atomic():
            self.db.execute("UPDATE treatments SET ended_at = ? WHERE id = ? AND ended_at IS NULL", [stamp, treatment_id])
            return self.db.execute("UPDATE deliveries SET state = 'cancelled', reason = 'ended', updated_at = ?"
                                   " WHERE treatment_id = ? AND state = 'pending'", [stamp, treatment_id]).rowcount

    def chat_of_number(self, number: int) -> int | None:
        """The patient behind a patient number staff typed, or None."""
        row = self.db.execute("SELECT chat_id FROM patient_refs WHERE number = ?", [number]).fetchone()
        return row[0] if row else None

    # ---- the clinic export --------------------------------------------------------------------
    def export_rows(self, since: datetime) -> list[ExportRow]:
        """Every verdict recorded since ``since`` (a check-in, or a typed message judged alone), oldest first,
        with its check-in's answers and the states of the alerts it raised; sealed values opened."""
        rows = list(self.db.query(
            "SELECT v.id, v.chat_id, v.day, v.level, v.reasons, v.tokens, v.rules_version, v.created_at,"
            " v.checkin_id, v.partial, c.answers, c.state AS checkin_state, c.completed_at, r.number, r.username,"
            " p.display_name, p.clinic_ref, t.plan, t.treatment_date"
            " FROM verdicts v JOIN patients p ON p.chat_id = v.chat_id"
            " LEFT JOIN checkins c ON c.id = v.checkin_id LEFT JOIN patient_refs r ON r.chat_id = v.chat_id"
            " LEFT JOIN treatments t ON t.id = v.treatment_id"
            " WHERE v.created_at >= ? ORDER BY v.created_at, v.id", [iso(since)]))
        alerts: dict[int, list[tuple[int, str, str]]] = {}
        for a in self.db.query("SELECT id, verdict_id, level, state FROM alerts WHERE verdict_id IN"
                               " (SELECT id FROM verdicts WHERE created_at >= ?) ORDER BY id", [iso(since)]):
            alerts.setdefault(a["verdict_id"], []).append((a["id"], a["level"], a["state"] or "open"))
        return [ExportRow(
            r["id"], r["chat_id"], r["number"], self.open_text(r["clinic_ref"]), self.open_text(r["display_name"]),
            self.open_text(r["username"]), r["plan"] or "", r["treatment_date"] or "", r["day"], r["level"],
            [x["rule"] for x in self.open_json(r["reasons"], []) if isinstance(x, dict) and x.get("rule")],
            r["rules_version"], datetime.fromisoformat(r["created_at"]), r["checkin_id"],
            r["checkin_state"] or "", [tuple(pair) for pair in self.open_json(r["answers"], [])],
            [t for t in self.open_json(r["tokens"], []) if isinstance(t, str)], bool(r["partial"]),
            tuple(alerts.get(r["id"], ()))) for r in rows]

    # ---- the daily worklist ---------------------------------------------------------------------
    def to_call(self, week_one_days: int = 7) -> list[tuple[int, int, int]]:
        """(chat_id, day, unanswered in a row) of active patients to call: their last two check-ins unanswered
        in week 1 (up to day ``week_one_days``), or their last three later; by the day of the last one."""
        found = []
        for row in self.db.query(
                "SELECT p.chat_id, t.id AS treatment_id FROM patients p JOIN treatments t ON t.chat_id = p.chat_id"
                " AND t.replaced_at IS NULL AND t.ended_at IS NULL WHERE p.status = 'active' ORDER BY p.chat_id"):
            states = self.db.execute(
                "SELECT state, day FROM checkins WHERE chat_id = ? AND treatment_id = ? AND state IN"
                " ('done', 'emergency', 'no_response') ORDER BY day DESC, id DESC LIMIT 3",
                [row["chat_id"], row["treatment_id"]]).fetchall()
            streak = next((i for i, (state, _) in enumerate(states) if state != "no_response"), len(states))
            if streak and (streak >= 3 or (streak >= 2 and states[0][1] <= week_one_days)):
                found.append((row["chat_id"], states[0][1], streak))
        return found

    def enrolled_since(self, since: datetime) -> list[int]:
        """Chats of patients who gave consent at or after ``since``, oldest first."""
        return [r[0] for r in self.db.execute("SELECT chat_id FROM patients WHERE consent_at >= ? ORDER BY consent_at",
                                              [iso(since)]).fetchall()]

    def to_clinic_since(self, since: datetime) -> list[tuple[int, str]]:
        """(chat_id, text opened) of what patients sent the clinic at or after ``since`` (ratings among them)."""
        return [(r[0], self.open_text(r[1])) for r in self.db.execute(
            "SELECT chat_id, text FROM relays WHERE direction = 'to_clinic' AND created_at >= ? ORDER BY id",
            [iso(since)]).fetchall()]

"""Check-ins, their triage verdicts and the clinic alerts they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlite_utils import Database

from bot.store.records import iso
from schedules.kinds import CHECKIN


@dataclass(frozen=True)
class CheckinRow:
    """A check-in as stored; ``answers`` are (question, value) pairs in answer order."""

    id: int
    chat_id: int
    treatment_id: int
    day: int
    state: str
    answers: list[tuple[str, str]]
    selection: list[str]
    message_id: int | None
    still: tuple[str, ...] = ()   # items of the previous check-in, re-asked by name
    asks: tuple[str, ...] = ()    # one-tap questions about typed signs, asked first


@dataclass(frozen=True)
class VerdictRow:
    id: int
    chat_id: int
    day: int
    level: str
    reasons: list[dict]
    tokens: list[str]
    rules_version: str
    created_at: datetime
    checkin_id: int | None = None
    partial: bool = False


@dataclass(frozen=True)
class AlertRow:
    id: int
    chat_id: int
    display_name: str
    day: int
    level: str
    reasons: list[dict]
    tokens: list[str]
    created_at: datetime
    acknowledged_by: int | None
    number: int | None = None      # the patient's short number (patient_refs)
    username: str = ""
    patient_text: str = ""         # what the patient typed that raised it (opened)
    partial: bool = False          # raised by a check-in left unfinished (judged on the answers given)
    verdict_level: str = ""        # the level of its check-in's verdict now (later answers may have raised it)
    clinic_ref: str = ""           # the clinic's own reference for the patient (an invitation's), opened
    state: str = "open"            # open, acknowledged, reached, no_answer, resolved (bot/care/alert_life.py)


class CheckinStore:
    """Store methods about check-ins, verdicts and alerts."""

    db: Database
    seal_text: Callable[[str | None], str]
    open_text: Callable[[str | None], str]
    seal_json: Callable[[Any], str]
    open_json: Callable[[str | None, Any], Any]
    blind: Callable[[str], str]

    def _checkin(self, row: dict) -> CheckinRow:
        """A stored check-in, its answers, ticks, re-asked items and questions opened with the data key."""
        return CheckinRow(row["id"], row["chat_id"], row["treatment_id"], row["day"], row["state"],
                          [tuple(pair) for pair in self.open_json(row["answers"], [])],
                          [s for s in self.open_text(row["selection"]).split(",") if s], row["message_id"],
                          tuple(s for s in self.open_text(row["still"]).split(",") if s),
                          tuple(self.open_json(row["asks"], [])))

    def _verdict(self, row: dict) -> VerdictRow:
        return VerdictRow(row["id"], row["chat_id"], row["day"], row["level"], self.open_json(row["reasons"], []),
                          self.open_json(row["tokens"], []), row["rules_version"],
                          datetime.fromisoformat(row["created_at"]), row["checkin_id"], bool(row["partial"]))

    def open_checkin(self, chat_id: int) -> CheckinRow | None:
        rows = list(self.db.query("SELECT * FROM checkins WHERE chat_id = ? AND state = 'open' ORDER BY id DESC"
                                  " LIMIT 1", [chat_id]))
        return self._checkin(rows[0]) if rows else None

    def checkin(self, checkin_id: int) -> CheckinRow | None:
        rows = list(self.db.query("SELECT * FROM checkins WHERE id = ?", [checkin_id]))
        return self._checkin(rows[0]) if rows else None

    def begin_checkin(self, chat_id: int, treatment_id: int, day: int, now: datetime, still: tuple[str, ...] = (),
                      asks: tuple[str, ...] = ()) -> CheckinRow:
        """Start a fresh check-in, abandoning any open one (one transaction; the caller triages it first)."""
        with self.db.atomic():
            self.db.execute("UPDATE checkins SET state = 'abandoned' WHERE chat_id = ? AND state = 'open'",
                            [chat_id])
            cursor = self.db.execute("INSERT INTO checkins (chat_id, treatment_id, day, state, started_at, still, asks)"
                                     " VALUES (?, ?, ?, 'open', ?, ?, ?)",
                                     [chat_id, treatment_id, day, iso(now), self.seal_text(",".join(still)),
                                      self.seal_json(list(asks))])
        return self.checkin(cursor.lastrowid)

    def add_asks(self, checkin_id: int, asks: tuple[str, ...]) -> None:
        """Queue one-tap questions about typed signs in an open check-in (kept in order, without repeats; "just to
        check: a fever?" is not asked beside "just to be sure: a fever?")."""
        row = self.checkin(checkin_id)
        merged = list(row.asks)
        for ask in asks:
            if ask not in merged and "confirm_" + ask.partition("_")[2] not in merged:
                merged.append(ask)
        self.db.execute("UPDATE checkins SET asks = ? WHERE id = ?", [self.seal_json(merged), checkin_id])

    def abandon_checkin(self, checkin_id: int) -> None:
        self.db.execute("UPDATE checkins SET state = 'abandoned' WHERE id = ? AND state = 'open'", [checkin_id])

    def stale_checkins(self, started_before: datetime, limit: int = 200) -> list[CheckinRow]:
        """Check-ins still open that began before ``started_before`` (P5a closes them)."""
        return [self._checkin(r) for r in self.db.query(
            "SELECT * FROM checkins WHERE state = 'open' AND started_at < ? ORDER BY id LIMIT ?",
            [iso(started_before), limit])]

    def save_progress(self, checkin_id: int, answers: list[tuple[str, str]], selection: list[str],
                      message_id: int | None = None) -> None:
        self.db.execute("UPDATE checkins SET answers = ?, selection = ?, message_id = coalesce(?, message_id)"
                        " WHERE id = ? AND state = 'open'",
                        [self.seal_json(answers), self.seal_text(",".join(selection)), message_id, checkin_id])

    def complete_checkin(self, checkin_id: int | None, chat_id: int, treatment_id: int, day: int, state: str | None,
                         level: str, reasons: list[dict], tokens: list[str], rules_version: str,
                         rash_first_day: int | None, now: datetime, patient_text: str | None = None,
                         partial: bool = False) -> int:
        """Store the check-in's verdict (one per check-in: a later one replaces it) and, unless ``state`` is
        None (still open), close the check-in, in one transaction; returns the verdict id.

        ``patient_text`` (free text that led to the verdict) is sealed with the data key."""
        stamp = iso(now)
        with self.db.atomic():
            if checkin_id is not None and state is not None:
                self.db.execute("UPDATE checkins SET state = ?, completed_at = ? WHERE id = ?",
                                [state, stamp, checkin_id])
            if rash_first_day is not None:
                self.db.execute("UPDATE treatments SET rash_first_day = coalesce(rash_first_day, ?) WHERE id = ?",
                                [rash_first_day, treatment_id])
            existing = self.db.execute("SELECT id, patient_text FROM verdicts WHERE checkin_id = ?",
                                       [checkin_id]).fetchone() if checkin_id is not None else None
            sealed = self.seal_text(patient_text) or None
            if existing is not None:
                self.db.execute("UPDATE verdicts SET day = ?, level = ?, reasons = ?, tokens = ?, rules_version = ?,"
                                " created_at = ?, patient_text = coalesce(?, patient_text), partial = ? WHERE id = ?",
                                [day, level, self.seal_json(reasons), self.seal_json(tokens), rules_version, stamp, sealed,
                                 int(partial), existing[0]])
                return existing[0]
            cursor = self.db.execute(
                "INSERT INTO verdicts (chat_id, checkin_id, treatment_id, day, level, reasons, tokens,"
                " rules_version, created_at, patient_text, partial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [chat_id, checkin_id, treatment_id, day, level, self.seal_json(reasons), self.seal_json(tokens),
                 rules_version, stamp, sealed, int(partial)])
        return cursor.lastrowid

    def checkin_verdict(self, checkin_id: int) -> VerdictRow | None:
        rows = list(self.db.query("SELECT * FROM verdicts WHERE checkin_id = ?", [checkin_id]))
        return self._verdict(rows[0]) if rows else None

    def alerted_reasons(self, chat_id: int, checkin_id: int) -> set[str]:
        # ``reason`` is a keyed hash (unique per check-in), ``sealed_reason`` the rule sealed: see migration 0008.
        return {self.open_text(r[0]) for r in self.db.execute(
            "SELECT sealed_reason FROM alerted_reasons WHERE chat_id = ? AND checkin_id = ?",
            [chat_id, checkin_id]).fetchall()}

    def claim_alert_reasons(self, chat_id: int, checkin_id: int, reasons: tuple[str, ...], now: datetime) -> list[str]:
        """The reasons not yet alerted for this patient and check-in, recorded as alerted now (idempotent)."""
        new = []
        with self.db.atomic():
            for reason in reasons:
                cursor = self.db.execute("INSERT OR IGNORE INTO alerted_reasons (chat_id, checkin_id, reason,"
                                         " sealed_reason, created_at) VALUES (?, ?, ?, ?, ?)",
                                         [chat_id, checkin_id, self.blind(reason), self.seal_text(reason), iso(now)])
                if cursor.rowcount == 1:
                    new.append(reason)
        return new

    def rash_first_day(self, treatment_id: int) -> int | None:
        row = self.db.execute("SELECT rash_first_day FROM treatments WHERE id = ?", [treatment_id]).fetchone()
        return row[0] if row else None

    def last_verdict(self, chat_id: int, treatment_id: int, excluding_checkin: int | None = None) -> VerdictRow | None:
        """The newest verdict (of another check-in than ``excluding_checkin``, when given)."""
        rows = list(self.db.query("SELECT * FROM verdicts WHERE chat_id = ? AND treatment_id = ?"
                                  " AND (? IS NULL OR checkin_id IS NULL OR checkin_id != ?)"
                                  " ORDER BY created_at DESC, id DESC LIMIT 1",
                                  [chat_id, treatment_id, excluding_checkin, excluding_checkin]))
        return self._verdict(rows[0]) if rows else None

    def verdicts(self, chat_id: int, treatment_id: int) -> list[VerdictRow]:
        return [self._verdict(r) for r in self.db.query(
            "SELECT * FROM verdicts WHERE chat_id = ? AND treatment_id = ? ORDER BY id", [chat_id, treatment_id])]

    def checkins_done(self, chat_id: int, treatment_id: int, day: int) -> int:
        return self.db.execute("SELECT count(*) FROM checkins WHERE chat_id = ? AND treatment_id = ? AND day = ?"
                               " AND state IN ('done', 'emergency')", [chat_id, treatment_id, day]).fetchone()[0]

    def unanswered_prompts(self, sent_before: datetime, limit: int = 200) -> list[tuple[int, int, int]]:
        """(chat_id, treatment_id, day) of check-in prompts sent before ``sent_before`` that got no check-in
        (answered, emergency or recorded as no response) for their day."""
        rows = self.db.execute(
            "SELECT DISTINCT d.chat_id, d.treatment_id, d.day FROM deliveries d"
            " WHERE d.kind = ? AND d.state = 'sent' AND d.due_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.chat_id = d.chat_id"
            "   AND c.treatment_id = d.treatment_id AND c.day = d.day AND (c.state IN ('done', 'emergency', 'no_response')"
            "   OR EXISTS (SELECT 1 FROM verdicts v WHERE v.checkin_id = c.id)))"
            " LIMIT ?", [CHECKIN, iso(sent_before), limit]).fetchall()
        return [tuple(row) for row in rows]

    def record_no_response(self, chat_id: int, treatment_id: int, day: int, now: datetime) -> int:
        """A check-in row for a prompt nobody answered (its verdict is stored by the caller)."""
        return self.db.execute("INSERT INTO checkins (chat_id, treatment_id, day, state, started_at, completed_at)"
                               " VALUES (?, ?, ?, 'no_response', ?, ?)", [chat_id, treatment_id, day, iso(now), iso(now)]).lastrowid

    def raise_alert(self, chat_id: int, verdict_id: int, level: str, now: datetime, rules: str = "") -> int:
        return self.db.execute("INSERT INTO alerts (chat_id, verdict_id, level, created_at, rules)"
                               " VALUES (?, ?, ?, ?, ?)", [chat_id, verdict_id, level, iso(now), self.blind(rules) if rules else ""]
                               ).lastrowid  # the rules are compared, never read back: a keyed hash

    def recent_alert(self, chat_id: int, level: str, rules: str, since: datetime) -> int | None:
        """An alert of the same level and rules for the patient raised since ``since`` (a repeat), if any."""
        row = self.db.execute("SELECT id FROM alerts WHERE chat_id = ? AND level = ? AND rules = ? AND created_at >= ?"
                              " ORDER BY id DESC LIMIT 1", [chat_id, level, self.blind(rules) if rules else "", iso(since)]).fetchone()
        return row[0] if row else None

    def acknowledge_alert(self, alert_id: int, user_id: int, now: datetime) -> bool:
        """Record who acknowledged; False if unknown or already acknowledged (a double tap)."""
        cursor = self.db.execute("UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ?, state = 'acknowledged'"
                                 " WHERE id = ? AND acknowledged_by IS NULL", [user_id, iso(now), alert_id])
        return cursor.rowcount == 1

    def alerts(self, open_only: bool = True, limit: int = 50, alert_id: int | None = None,
               unresolved: bool = False) -> list[AlertRow]:
        """Clinic alerts, newest first (only unacknowledged ones by default; ``unresolved``: all but resolved)."""
        rows = self.db.query(
            "SELECT a.id, a.chat_id, p.display_name, v.day, a.level, v.reasons, v.tokens, a.created_at,"
            " a.acknowledged_by, r.number, r.username, v.patient_text, v.partial, v.level AS verdict_level,"
            " p.clinic_ref, a.state"
            " FROM alerts a JOIN verdicts v ON v.id = a.verdict_id"
            " JOIN patients p ON p.chat_id = a.chat_id LEFT JOIN patient_refs r ON r.chat_id = a.chat_id"
            " WHERE (? = 0 OR a.acknowledged_by IS NULL) AND (? IS NULL OR a.id = ?) AND (? = 0 OR a.state != 'resolved')"
            " ORDER BY a.id DESC LIMIT ?", [int(open_only), alert_id, alert_id, int(unresolved), limit])
        return [AlertRow(r["id"], r["chat_id"], self.open_text(r["display_name"]), r["day"], r["level"],
                         self.open_json(r["reasons"], []), self.open_json(r["tokens"], []),
                         datetime.fromisoformat(r["created_at"]), r["acknowledged_by"],
                         r["number"], self.open_text(r["username"]), self.open_text(r["patient_text"]),
                         bool(r["partial"]), r["verdict_level"], self.open_text(r["clinic_ref"]), r["state"])
                for r in rows]

    def alert(self, alert_id: int) -> AlertRow | None:
        found = self.alerts(open_only=False, limit=1, alert_id=alert_id)
        return found[0] if found else None

    def add_followup(self, chat_id: int, treatment_id: int, day: int, step: str, message_key: str,
                     due_at: datetime, kind: str, now: datetime) -> None:
        """An extra delivery outside the plan (a follow-up or re-prompt); idempotent by its step."""
        self.db.execute(
            "INSERT OR IGNORE INTO deliveries (chat_id, treatment_id, step, day, kind, slot, message_key, due_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'morning', ?, ?, ?)",
            [chat_id, treatment_id, step, day, kind, message_key, iso(due_at), iso(now)])

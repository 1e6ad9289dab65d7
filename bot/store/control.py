"""Patient control: stopped kinds, pauses, reachability, export, erasure and retention.

Every table that has a ``chat_id`` column is found from ``sqlite_master`` at
run time, so a table added by a later migration is exported and erased
without touching this file.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping

from sqlite_utils import Database

from bot.store.records import SEALED, iso
from schedules.kinds import ALL_KINDS, FOLLOWUP

# Cancelled rows with these reasons are deleted (when still in the future) on resume, so re-planning
# can insert them again; the natural key (chat, treatment, step) would otherwise keep them out.
RESUMABLE_REASONS = ("stopped", "paused", "unreachable")

# How long an erasure keeps trying to empty the WAL while a reader (a backup) holds an old snapshot.
WAL_PATIENCE_S = 30


@dataclass(frozen=True)
class Preferences:
    """What a patient has switched off, and whether Telegram still delivers to them."""

    stopped: frozenset[str]
    paused_until: datetime | None
    reachable: bool
    checkin_stop_warned: bool

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now


def _kinds(text: str | None) -> frozenset[str]:
    return frozenset(k for k in (text or "").split(",") if k)


class ControlStore:
    """Store methods about what a patient has asked the bot to do (or stop doing) with them."""

    db: Database
    open_text: Callable[[str | None], str]

    # ---- preferences ---------------------------------------------------------------------
    def preferences(self, chat_id: int) -> Preferences | None:
        """The patient's stops and pause, or None if nothing is stored about the chat."""
        rows = list(self.db.query(
            "SELECT stopped_kinds, paused_until, reachable, checkin_stop_warned FROM patients WHERE chat_id = ?",
            [chat_id]))
        if not rows:
            return None
        row = rows[0]
        return Preferences(
            stopped=_kinds(row["stopped_kinds"]),
            paused_until=datetime.fromisoformat(row["paused_until"]) if row["paused_until"] else None,
            reachable=bool(row["reachable"]), checkin_stop_warned=bool(row["checkin_stop_warned"]))

    def muted_kinds(self, chat_id: int, now: datetime) -> set[str]:
        """Kinds that must not be sent to the patient at ``now`` (stopped, paused or unreachable)."""
        prefs = self.preferences(chat_id)
        if prefs is None:
            return set(ALL_KINDS)
        if prefs.paused(now) or not prefs.reachable:
            return set(ALL_KINDS)
        return set(prefs.stopped)

    def stop_kinds(self, chat_id: int, kinds: Iterable[str], now: datetime) -> int:
        """Switch ``kinds`` off and cancel their pending deliveries in one transaction; returns rows cancelled."""
        kinds = frozenset(kinds)
        unknown = kinds - ALL_KINDS
        if unknown:
            raise ValueError(f"not a delivery kind: {sorted(unknown)}")
        prefs = self.preferences(chat_id)
        if prefs is None:
            return 0
        stamp, stopped = iso(now), ",".join(sorted(prefs.stopped | kinds))
        marks = ", ".join("?" for _ in kinds)
        with self.db.atomic():
            self.db.execute("UPDATE patients SET stopped_kinds = ?, updated_at = ? WHERE chat_id = ?",
                            [stopped, stamp, chat_id])
            cursor = self.db.execute(
                f"UPDATE deliveries SET state = 'cancelled', reason = 'stopped', updated_at = ?"
                f" WHERE chat_id = ? AND state = 'pending' AND kind IN ({marks})", [stamp, chat_id, *sorted(kinds)])
        return cursor.rowcount

    def pause(self, chat_id: int, until: datetime, now: datetime) -> int:
        """Pause everything until ``until``, replacing any pause: cancel pending rows due before it (returned)."""
        stamp = iso(now)
        with self.db.atomic():
            # A new pause replaces the old one: forget what the old one cancelled (re-plan afterwards).
            # Follow-ups are not part of the plan, so re-planning cannot bring them back: they are
            # reinstated instead (and cancelled again just below if the new pause covers them).
            self._reinstate_followups(chat_id, ("paused",), stamp)
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ? AND state = 'cancelled' AND reason = 'paused'"
                            " AND due_at > ?", [chat_id, stamp])
            self.db.execute("UPDATE patients SET paused_until = ?, updated_at = ? WHERE chat_id = ?",
                            [iso(until), stamp, chat_id])
            cursor = self.db.execute(
                "UPDATE deliveries SET state = 'cancelled', reason = 'paused', updated_at = ?"
                " WHERE chat_id = ? AND state = 'pending' AND due_at < ?", [stamp, chat_id, iso(until)])
        return cursor.rowcount

    def resume(self, chat_id: int, now: datetime) -> None:
        """Clear stops, pause and unreachability, and forget future rows they cancelled (re-plan afterwards).

        Rows cancelled for a moment already past stay cancelled: resuming never
        sends what was missed.
        """
        stamp = iso(now)
        marks = ", ".join("?" for _ in RESUMABLE_REASONS)
        with self.db.atomic():
            self.db.execute("UPDATE patients SET stopped_kinds = '', paused_until = NULL, reachable = 1,"
                            " updated_at = ? WHERE chat_id = ?", [stamp, chat_id])
            self._reinstate_followups(chat_id, RESUMABLE_REASONS, stamp)
            self.db.execute(f"DELETE FROM deliveries WHERE chat_id = ? AND state = 'cancelled'"
                            f" AND reason IN ({marks}) AND due_at > ?", [chat_id, *RESUMABLE_REASONS, stamp])

    def unpause(self, chat_id: int, now: datetime) -> None:
        """End a pause (and an unreachable mark) but keep what the patient stopped; re-plan afterwards."""
        stamp, reasons = iso(now), ("paused", "unreachable")
        with self.db.atomic():
            self.db.execute("UPDATE patients SET paused_until = NULL, reachable = 1, updated_at = ?"
                            " WHERE chat_id = ?", [stamp, chat_id])
            self._reinstate_followups(chat_id, reasons, stamp)
            # A follow-up the patient stopped is cancelled again: what they stopped stays stopped.
            prefs = self.preferences(chat_id)
            stopped = sorted(prefs.stopped) if prefs else []
            if stopped:
                marks = ", ".join("?" for _ in stopped)
                self.db.execute(f"UPDATE deliveries SET state = 'cancelled', reason = 'stopped', updated_at = ?"
                                f" WHERE chat_id = ? AND state = 'pending' AND kind IN ({marks})",
                                [stamp, chat_id, *stopped])
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ? AND state = 'cancelled'"
                            " AND reason IN (?, ?) AND due_at > ?", [chat_id, *reasons, stamp])

    def _reinstate_followups(self, chat_id: int, reasons, stamp: str) -> None:
        """Future follow-ups cancelled by a pause, stop or block go back to pending (never dropped)."""
        marks = ", ".join("?" for _ in reasons)
        self.db.execute(f"UPDATE deliveries SET state = 'pending', reason = NULL, updated_at = ?"
                        f" WHERE chat_id = ? AND kind = ? AND state = 'cancelled'"
                        f" AND reason IN ({marks}) AND due_at > ?", [stamp, chat_id, FOLLOWUP, *reasons, stamp])

    def mark_checkin_stop_warned(self, chat_id: int) -> None:
        """Remember that the patient has been told stopping check-ins stops red-flag screening."""
        self.db.execute("UPDATE patients SET checkin_stop_warned = 1 WHERE chat_id = ?", [chat_id])

    # ---- privacy ---------------------------------------------------------------------------
    def patient_tables(self) -> list[str]:
        """Every table with a ``chat_id`` column, ``patients`` first."""
        names = [r["name"] for r in self.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        with_chat = [n for n in names
                     if any(c["name"] == "chat_id" for c in self.db.query(f"PRAGMA table_info({_quote(n)})"))]
        return sorted(with_chat, key=lambda n: (n != "patients", n))

    def export_patient(self, chat_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every stored row about the patient, by table (empty tables included, so the reader sees them)."""
        export = {table: [dict(r) for r in self.db.query(
                      f"SELECT * FROM {_quote(table)} WHERE chat_id = ? ORDER BY rowid", [chat_id])]
                  for table in self.patient_tables()}
        for table, columns in SEALED.items():  # the patient gets their own words back, not ciphertext
            for row in export.get(table, []):
                row.update({column: self.open_text(row[column]) for column in columns if row.get(column)})
        return export

    def forget_patient(self, chat_id: int, purge: bool = True) -> int:
        """Erase every row about the patient in one transaction; returns the number of rows deleted.

        ``purge=False`` leaves the WAL purge to the caller: the running bot calls :meth:`purge_wal_patiently`
        in a worker thread, so a backup's read snapshot never holds up the event loop."""
        deleted = 0
        with self.db.atomic():
            # Counted before the cascade removes them, so the log can say how much went.
            for table in self.patient_tables():
                deleted += self.db.execute(f"SELECT count(*) FROM {_quote(table)} WHERE chat_id = ?",
                                           [chat_id]).fetchone()[0]
            self.db.execute("DELETE FROM patients WHERE chat_id = ?", [chat_id])  # cascades
            for table in self.patient_tables():  # any table whose foreign key does not cascade
                self.db.execute(f"DELETE FROM {_quote(table)} WHERE chat_id = ?", [chat_id])
        if purge:
            self.purge_wal()
        return deleted

    def purge_wal(self) -> None:
        """Copy the WAL into the database and truncate it, so erased rows survive in neither file.

        secure_delete (set when the store opens) zeroes the erased cells in the pages written by the
        erasure, but the WAL still holds the older frames with the rows until a checkpoint resets it.
        A reader in the middle of a snapshot (a backup) can keep the checkpoint from finishing; the next
        erasure, or the close, finishes it."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def purge_wal_patiently(self, patience_s: float = WAL_PATIENCE_S, pause_s: float = 0.1) -> bool:
        """:meth:`purge_wal` for a worker thread: True once the WAL is emptied, False if a reader (a backup's
        snapshot) still held it after ``patience_s`` (the next erasure, or the close, empties it then).

        It runs on a connection of its own, so the store's connection stays free for the event loop, and
        that connection never waits inside SQLite: a TRUNCATE checkpoint waiting in SQLite's busy handler
        holds the database's write lock, so every other write (every chat's) would wait with it. Each try
        either finishes or gives up at once; between tries nothing is held."""
        if not self.file:
            return True  # in memory: no WAL
        deadline = time.monotonic() + patience_s
        conn = sqlite3.connect(self.file, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            while True:
                try:
                    if conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0:
                        return True
                except sqlite3.OperationalError:  # locked at that instant: try again like a busy reader
                    pass
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause_s)  # in a worker thread: the event loop runs on
        finally:
            conn.close()

    file: str  # the database's file ("" in memory), set by the Store

    def current_plans(self) -> set[str]:
        """The care plans of every current treatment session, by name."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT plan FROM treatments WHERE replaced_at IS NULL")}

    def finished_patients(self, now: datetime, retention_days: int, plan_lengths: Mapping[str, int]) -> list[int]:
        """Chats whose own plan (its length from ``plan_lengths``, by name) ended more than ``retention_days``
        ago, or whose enrolment was abandoned that long. A plan missing from ``plan_lengths`` never ends."""
        plans = sorted(plan_lengths.items())
        ended = "".join(" OR (t.plan = ? AND t.treatment_date < ?)" for _ in plans)
        cutoffs = [v for name, length in plans
                   for v in (name, (now.date() - timedelta(days=length + retention_days)).isoformat())]
        idle_cutoff = iso(now - timedelta(days=retention_days))
        return [r["chat_id"] for r in self.db.query(
            "SELECT p.chat_id FROM patients p LEFT JOIN treatments t"
            " ON t.chat_id = p.chat_id AND t.replaced_at IS NULL"
            f" WHERE (t.id IS NULL AND p.updated_at < ?){ended} ORDER BY p.chat_id", [idle_cutoff, *cutoffs])]


def _quote(name: str) -> str:
    """A table name from sqlite_master as an SQL identifier (names cannot be bound as parameters)."""
    return '"' + name.replace('"', '""') + '"'

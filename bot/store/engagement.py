"""How a patient engages with reminders: snoozes, unanswered check-in streaks, fewer messages, end-of-plan ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlite_utils import Database

from bot.store.deliveries import ROWS, DeliveryRow, delivery_row
from bot.store.records import iso

SILENT_AFTER = 3  # unanswered check-ins in a row that make a patient "silent"


class EngagementStore:
    """Store methods about what patients do with their reminders."""

    db: Database
    open_text: Callable[[str | None], str]

    def deliveries_of_message(self, chat_id: int, message_id: int) -> list[DeliveryRow]:
        """The deliveries one sent message carried (a bundle), for its buttons."""
        return [delivery_row(r) for r in self.db.query(
            f"{ROWS} WHERE d.chat_id = ? AND d.message_id = ? AND d.state = 'sent' ORDER BY d.id",
            [chat_id, message_id])]

    def snooze(self, rows: list[DeliveryRow], due_at: datetime, now: datetime) -> int:
        """Send these deliveries again at ``due_at`` (each at most once); returns how many were queued."""
        added = 0
        with self.db.atomic():
            for row in rows:
                added += self.db.execute(
                    "INSERT OR IGNORE INTO deliveries (chat_id, treatment_id, step, day, kind, slot, message_key,"
                    " due_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [row.chat_id, row.treatment_id, f"snooze:{row.id}", row.day, row.kind, row.slot,
                     row.message_key, iso(due_at), iso(now)]).rowcount
        return added

    def unanswered_streak(self, chat_id: int, treatment_id: int) -> int:
        """How many of the patient's latest check-ins in a row went unanswered (no_response)."""
        states = [r[0] for r in self.db.execute(
            "SELECT state FROM checkins WHERE chat_id = ? AND treatment_id = ? AND state IN"
            " ('done', 'emergency', 'no_response') ORDER BY day DESC, id DESC LIMIT ?",
            [chat_id, treatment_id, SILENT_AFTER]).fetchall()]
        streak = 0
        for state in states:
            if state != "no_response":
                break
            streak += 1
        return streak

    def is_silent(self, chat_id: int, treatment_id: int) -> bool:
        return self.unanswered_streak(chat_id, treatment_id) >= SILENT_AFTER

    def silent_patients(self) -> list[tuple[int, str, int]]:
        """(chat_id, display name, last unanswered day) of current-session patients who are silent."""
        found = []
        for row in self.db.query(
                "SELECT p.chat_id, p.display_name, t.id AS treatment_id FROM patients p JOIN treatments t"
                " ON t.chat_id = p.chat_id AND t.replaced_at IS NULL WHERE p.status = 'active' ORDER BY p.chat_id"):
            if self.is_silent(row["chat_id"], row["treatment_id"]):
                day = self.db.execute("SELECT max(day) FROM checkins WHERE treatment_id = ?",
                                      [row["treatment_id"]]).fetchone()[0]
                found.append((row["chat_id"], self.open_text(row["display_name"]), day))
        return found

    def engagement(self, chat_id: int) -> tuple[bool, int | None]:
        """(asked whether they want fewer messages, their own daily limit or None)."""
        row = self.db.execute("SELECT fewer_asked, daily_limit FROM patients WHERE chat_id = ?",
                              [chat_id]).fetchone()
        return (bool(row[0]), row[1]) if row else (False, None)

    def mark_fewer_asked(self, chat_id: int) -> None:
        self.db.execute("UPDATE patients SET fewer_asked = 1 WHERE chat_id = ?", [chat_id])

    def set_daily_limit(self, chat_id: int, limit: int | None) -> None:
        self.db.execute("UPDATE patients SET daily_limit = ? WHERE chat_id = ?", [limit, chat_id])

    def midday(self, chat_id: int) -> str | None:
        """The patient's midday sunscreen setting: None (clinic time), "off", or local "HH:MM"."""
        row = self.db.execute("SELECT midday FROM patients WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def set_midday(self, chat_id: int, value: str | None) -> None:
        self.db.execute("UPDATE patients SET midday = ? WHERE chat_id = ?", [value, chat_id])

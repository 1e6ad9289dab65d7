"""Photo check-ins: the patient's yes or no to being asked, and each photo asked for on a plan's photo day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.store.records import iso

PHOTO_WINDOW = timedelta(hours=12)  # a photo sent this long after the ask still goes with that day's result


@dataclass(frozen=True)
class PhotoAsk:
    """One photo asked for after a check-in: its day, the check-in's level, and what became of it."""

    id: int
    chat_id: int
    day: int
    level: str
    state: str
    asked_at: datetime


class PhotoStore:
    """Store methods about photo check-ins."""

    db: Database

    def photo_consent(self, chat_id: int) -> str | None:
        """'yes' or 'no' as the patient answered; None if they never did (then nothing is asked)."""
        row = self.db.execute("SELECT photo_consent FROM patients WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def set_photo_consent(self, chat_id: int, value: str, now: datetime) -> None:
        if value not in {"yes", "no"}:
            raise ValueError(f"photo consent must be yes or no, got {value!r}")
        self.db.execute("UPDATE patients SET photo_consent = ?, updated_at = ? WHERE chat_id = ?",
                        [value, iso(now), chat_id])

    def ask_photo(self, chat_id: int, treatment_id: int, day: int, checkin_id: int | None, level: str,
                  now: datetime) -> PhotoAsk | None:
        """Record that the day's photo is asked for; None if that day's was asked already (never twice)."""
        stamp = iso(now)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO photo_asks (chat_id, treatment_id, day, checkin_id, level, state, asked_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'asked', ?, ?)",
            [chat_id, treatment_id, day, checkin_id, level, stamp, stamp])
        return self.photo_ask(cursor.lastrowid) if cursor.rowcount == 1 else None

    def photo_ask(self, ask_id: int) -> PhotoAsk | None:
        rows = list(self.db.query("SELECT * FROM photo_asks WHERE id = ?", [ask_id]))
        return _ask(rows[0]) if rows else None

    def open_photo_ask(self, chat_id: int, now: datetime) -> PhotoAsk | None:
        """The photo asked for in this chat that is still awaited (neither sent nor skipped, asked within
        PHOTO_WINDOW), else None."""
        rows = list(self.db.query(
            "SELECT * FROM photo_asks WHERE chat_id = ? AND state = 'asked' AND asked_at > ?"
            " ORDER BY id DESC LIMIT 1", [chat_id, iso(now - PHOTO_WINDOW)]))
        return _ask(rows[0]) if rows else None

    def finish_photo_ask(self, ask_id: int, state: str, now: datetime, relay_id: int | None = None) -> bool:
        """Mark an awaited photo sent (with its relay) or skipped; False if it was no longer awaited."""
        return self.db.execute(
            "UPDATE photo_asks SET state = ?, relay_id = ?, updated_at = ? WHERE id = ? AND state = 'asked'",
            [state, relay_id, iso(now), ask_id]).rowcount == 1

    def photos_sent(self, chat_id: int) -> int:
        """How many check-in photos the patient sent to the clinic."""
        return self.db.execute("SELECT count(*) FROM photo_asks WHERE chat_id = ? AND state = 'sent'",
                               [chat_id]).fetchone()[0]


def _ask(row: dict) -> PhotoAsk:
    return PhotoAsk(row["id"], row["chat_id"], row["day"], row["level"], row["state"],
                    datetime.fromisoformat(row["asked_at"]))

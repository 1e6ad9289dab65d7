"""Photo check-ins: the patient's yes or no to being asked, and the photo asked for after a photo day's check-in.

A photo ask is a mark on the check-in it follows (``checkins.photo``, migration 0022), so it goes with the
check-in's record, its id is the check-in's, and its level is that check-in's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.store.records import iso

PHOTO_WINDOW = timedelta(hours=12)  # a photo sent this long after the ask still goes with that day's result
_ASKS = ("SELECT c.id, c.chat_id, c.day, c.photo, c.photo_asked_at, (SELECT v.level FROM verdicts v"
         " WHERE v.checkin_id = c.id ORDER BY v.id DESC LIMIT 1) AS level FROM checkins c")


@dataclass(frozen=True)
class PhotoAsk:
    """One photo asked for after a check-in (``id`` is the check-in's): its day, the check-in's level, and what
    became of it (asked, sent or skipped)."""

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

    def ask_photo(self, checkin_id: int, now: datetime) -> PhotoAsk | None:
        """Mark the check-in as followed by a photo ask; None if a photo was asked for on that day of the session
        already (a day is asked once, whatever became of it)."""
        cursor = self.db.execute(
            "UPDATE checkins SET photo = 'asked', photo_asked_at = ? WHERE id = ? AND photo IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM checkins o WHERE o.treatment_id = checkins.treatment_id AND o.day = checkins.day"
            " AND o.photo IS NOT NULL)", [iso(now), checkin_id])
        return self.photo_ask(checkin_id) if cursor.rowcount == 1 else None

    def photo_ask(self, ask_id: int) -> PhotoAsk | None:
        rows = list(self.db.query(f"{_ASKS} WHERE c.id = ? AND c.photo IS NOT NULL", [ask_id]))
        return _ask(rows[0]) if rows else None

    def open_photo_ask(self, chat_id: int, now: datetime) -> PhotoAsk | None:
        """The photo asked for in this chat that is still awaited (neither sent nor skipped, asked within
        PHOTO_WINDOW), else None."""
        rows = list(self.db.query(f"{_ASKS} WHERE c.chat_id = ? AND c.photo = 'asked' AND c.photo_asked_at > ?"
                                  " ORDER BY c.photo_asked_at DESC LIMIT 1", [chat_id, iso(now - PHOTO_WINDOW)]))
        return _ask(rows[0]) if rows else None

    def finish_photo_ask(self, ask_id: int, state: str, relay_id: int | None = None) -> bool:
        """Mark an awaited photo sent (with its relay) or skipped; False if it was no longer awaited."""
        if state not in {"sent", "skipped"}:
            raise ValueError(f"a photo ask ends sent or skipped, not {state!r}")
        return self.db.execute("UPDATE checkins SET photo = ?, photo_relay_id = ? WHERE id = ? AND photo = 'asked'",
                               [state, relay_id, ask_id]).rowcount == 1

    def photos_sent(self, chat_id: int) -> int:
        """How many check-in photos the patient sent to the clinic."""
        return self.db.execute("SELECT count(*) FROM checkins WHERE chat_id = ? AND photo = 'sent'",
                               [chat_id]).fetchone()[0]


def _ask(row: dict) -> PhotoAsk:
    return PhotoAsk(row["id"], row["chat_id"], row["day"], row["level"] or "monitor", row["photo"],
                    datetime.fromisoformat(row["photo_asked_at"]))

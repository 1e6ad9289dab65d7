"""The deliveries queue: the dispatcher's SQL over the deliveries table (the planned reminders).

A delivery moves pending -> claimed -> sent | skipped | failed (or back to
pending through :meth:`QueueStore.release`); ``cancelled`` when the patient
blocked the bot. Only one dispatcher runs per database and it never claims
while a run of its own is in flight, so any row still 'claimed' when it
claims again was left by a crash (or a cancelled run): it is claimed again.
That is the only duplicate window: a message Telegram accepted just before a
crash, whose ``record_sent`` had not committed yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlite_utils import Database

from bot.store.deliveries import ROWS, DeliveryRow, delivery_row
from bot.store.records import iso

_OPEN = "('pending', 'claimed')"


def _ids(ids: int | Iterable[int]) -> list[int]:
    return [ids] if isinstance(ids, int) else list(ids)


def _marks(ids: list[int]) -> str:
    # Only "?" placeholders are interpolated; the values stay parameters.
    return ", ".join("?" for _ in ids)


class QueueStore:
    """Store methods the dispatcher uses to claim due deliveries and record what happened."""

    db: Database

    def sent_earlier_that_day(self, chat_id: int, treatment_id: int, day: int, due_at: datetime) -> bool:
        """Whether the patient already got a message for this day of the plan, due before ``due_at``."""
        return self.db.execute(
            "SELECT 1 FROM deliveries WHERE chat_id = ? AND treatment_id = ? AND day = ? AND state = 'sent'"
            " AND due_at < ? LIMIT 1", [chat_id, treatment_id, day, iso(due_at)]).fetchone() is not None

    def next_due_at(self) -> datetime | None:
        """The due instant of the earliest pending delivery, or None when nothing is pending."""
        row = self.db.execute("SELECT min(due_at) FROM deliveries WHERE state = 'pending'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def claim_due(self, now: datetime, limit: int = 500, reclaim: bool = True) -> list[DeliveryRow]:
        """Claim up to ``limit`` deliveries due by ``now`` in one transaction, with (if ``reclaim``) rows a
        crash left 'claimed'. The dispatcher reclaims on the first claim of a run only, when none of its
        own claims is in flight.

        Rows of one patient due at the same instant are claimed together even
        past ``limit``, so a bundle is never split between two claims.
        """
        stamp, states = iso(now), _OPEN if reclaim else "('pending')"
        with self.db.atomic():
            picked = self.db.execute(
                f"SELECT id, chat_id, due_at FROM deliveries WHERE state IN {states} AND due_at <= ?"
                " ORDER BY due_at, chat_id, id LIMIT ?", [stamp, limit]).fetchall()
            if not picked:
                return []
            ids = [row[0] for row in picked]
            if len(picked) == limit:
                _, chat_id, due_at = picked[-1]
                ids += [row[0] for row in self.db.execute(
                    f"SELECT id FROM deliveries WHERE state IN {states} AND chat_id = ? AND due_at = ?"
                    " AND id > ?", [chat_id, due_at, ids[-1]]).fetchall()]
            self.db.execute(
                f"UPDATE deliveries SET state = 'claimed', attempts = attempts + 1, updated_at = ?"
                f" WHERE id IN ({_marks(ids)})", [stamp, *ids])
            rows = self.db.query(f"{ROWS} WHERE d.id IN ({_marks(ids)}) ORDER BY d.due_at, d.chat_id, d.id", ids)
            return [delivery_row(row) for row in rows]

    def record_sent(self, ids: int | Iterable[int], message_id: int, now: datetime) -> None:
        """Telegram accepted the message carrying these deliveries (recorded even if cancelled meanwhile)."""
        ids = _ids(ids)
        self.db.execute(
            f"UPDATE deliveries SET state = 'sent', message_id = ?, reason = NULL, updated_at = ?"
            f" WHERE id IN ({_marks(ids)})", [message_id, iso(now), *ids])

    def record_skipped(self, ids: int | Iterable[int], reason: str, now: datetime) -> None:
        """Claimed deliveries deliberately not sent, with a reason code."""
        self._finish(_ids(ids), "skipped", reason, now)

    def record_failed(self, ids: int | Iterable[int], error_class: str, now: datetime) -> None:
        """Claimed deliveries Telegram refused for good, with the error class."""
        self._finish(_ids(ids), "failed", error_class, now)

    def _finish(self, ids: list[int], state: str, reason: str, now: datetime) -> None:
        self.db.execute(
            f"UPDATE deliveries SET state = ?, reason = ?, updated_at = ?"
            f" WHERE state = 'claimed' AND id IN ({_marks(ids)})", [state, reason, iso(now), *ids])

    def release(self, ids: int | Iterable[int], due_at: datetime, now: datetime | None = None) -> None:
        """Put claimed deliveries back to pending, due at ``due_at`` (a retry later, or a shutdown)."""
        ids = _ids(ids)
        self.db.execute(
            f"UPDATE deliveries SET state = 'pending', due_at = ?, updated_at = ?"
            f" WHERE state = 'claimed' AND id IN ({_marks(ids)})", [iso(due_at), iso(now or due_at), *ids])

    def mark_unreachable(self, chat_id: int, now: datetime) -> int:
        """The patient blocked the bot: flag them and cancel what is still to send; returns rows cancelled."""
        stamp = iso(now)
        with self.db.atomic():
            self.db.execute("UPDATE patients SET reachable = 0, updated_at = ? WHERE chat_id = ?", [stamp, chat_id])
            return self.db.execute(
                f"UPDATE deliveries SET state = 'cancelled', reason = 'unreachable', updated_at = ?"
                f" WHERE chat_id = ? AND state IN {_OPEN}", [stamp, chat_id]).rowcount

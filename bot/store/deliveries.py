"""Deliveries: the planned messages of every patient, the source of truth for what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlite_utils import Database

from bot.store.records import iso
from schedules.kinds import FOLLOWUP
from schedules.planner import Delivery


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as stored, with its patient's zone and reachability and its care plan (what the dispatcher needs).

    What the planner plans is a :class:`schedules.planner.Delivery`; this is the row it became."""

    id: int
    chat_id: int
    treatment_id: int
    step: str
    day: int
    kind: str
    slot: str
    message_key: str
    due_at: datetime
    state: str
    attempts: int
    message_id: int | None
    reason: str | None
    zone: str | None
    reachable: bool
    plan: str


# Every read of deliveries goes through this, so each row carries its patient's zone and reachability
# and its treatment's care plan.
ROWS = ("SELECT d.*, p.zone AS zone, p.reachable AS reachable, t.plan AS plan FROM deliveries d"
        " JOIN patients p ON p.chat_id = d.chat_id JOIN treatments t ON t.id = d.treatment_id")


def delivery_row(row: dict) -> DeliveryRow:
    return DeliveryRow(
        id=row["id"], chat_id=row["chat_id"], treatment_id=row["treatment_id"], step=row["step"], day=row["day"],
        kind=row["kind"], slot=row["slot"], message_key=row["message_key"],
        due_at=datetime.fromisoformat(row["due_at"]), state=row["state"], attempts=row["attempts"],
        message_id=row["message_id"], reason=row["reason"], zone=row["zone"], reachable=bool(row["reachable"]),
        plan=row["plan"])


class DeliveryStore:
    """Store methods about planned messages."""

    db: Database

    def replace_pending(self, chat_id: int, treatment_id: int, planned: Iterable[Delivery],
                        now: datetime) -> int:
        """Re-plan a patient in one transaction: drop what is still pending (of any session), add the new
        plan's future rows. Rows already sent or skipped keep their natural key, so a step is never sent twice.
        Returns the number of rows now pending."""
        stamp = iso(now)
        rows = [(chat_id, treatment_id, p.step, p.day, p.kind, p.at, p.message_key, iso(p.due_utc), stamp)
                for p in planned if p.due_utc > now]
        with self.db.atomic():
            # Follow-ups after a worrying check-in are not part of the plan: re-planning keeps them.
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ? AND state = 'pending'"
                            " AND kind != ?", [chat_id, FOLLOWUP])
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (chat_id, treatment_id, step, day, kind, slot, message_key,"
                " due_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return self.db.execute("SELECT count(*) FROM deliveries WHERE chat_id = ? AND state = 'pending'",
                               [chat_id]).fetchone()[0]

    def upcoming(self, chat_id: int, limit: int = 10) -> list[DeliveryRow]:
        """The patient's next pending deliveries, soonest first."""
        return [delivery_row(r) for r in self.db.query(
            f"{ROWS} WHERE d.chat_id = ? AND d.state = 'pending' ORDER BY d.due_at, d.id LIMIT ?",
            [chat_id, limit])]

    def deliveries(self, chat_id: int) -> list[DeliveryRow]:
        """Every delivery of a patient, in due order (for /mydata and tests)."""
        return [delivery_row(r) for r in self.db.query(
            f"{ROWS} WHERE d.chat_id = ? ORDER BY d.due_at, d.id", [chat_id])]

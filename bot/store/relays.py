"""Messages between a patient and the clinic chat: the relay both ways, and the patient's request to write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlite_utils import Database

from bot.store.records import iso

RELAY_WINDOW = timedelta(hours=1)  # after /clinic, the next message within this long goes to the clinic


@dataclass(frozen=True)
class RelayRow:
    id: int
    chat_id: int
    direction: str
    text: str
    file_id: str | None
    clinic_message_id: int | None
    created_at: datetime


class RelayStore:
    """Store methods about messages to and from the clinic."""

    db: Database
    seal_text: Callable[[str | None], str]
    open_text: Callable[[str | None], str]

    def arm_relay(self, chat_id: int, now: datetime | None) -> None:
        """The patient's next message goes to the clinic (``now``), or no longer does (None)."""
        self.db.execute("UPDATE patients SET relay_armed_at = ? WHERE chat_id = ?",
                        [iso(now) if now else None, chat_id])

    def relay_armed(self, chat_id: int, now: datetime) -> bool:
        row = self.db.execute("SELECT relay_armed_at FROM patients WHERE chat_id = ?", [chat_id]).fetchone()
        return bool(row and row[0]) and datetime.fromisoformat(row[0]) + RELAY_WINDOW > now

    def record_relay(self, chat_id: int, direction: str, text: str | None, file_id: str | None,
                     clinic_message_id: int | None, now: datetime, patient_message_id: int | None = None,
                     clinic_chat_id: int | None = None) -> int:
        """Keep one relayed message (its text sealed; a photo as its Telegram file id only, sealed too), with the
        ids of its two sides: in the clinic chat ``clinic_chat_id``, and (a staff reply passed on) in the patient's
        chat."""
        return self.db.execute(
            "INSERT INTO relays (chat_id, direction, text, file_id, clinic_message_id, created_at, patient_message_id,"
            " clinic_chat_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [chat_id, direction, self.seal_text(text) or None, self.seal_text(file_id) or None, clinic_message_id,
             iso(now), patient_message_id, clinic_chat_id if clinic_message_id is not None else None]).lastrowid

    def staff_message_replied_to(self, chat_id: int, patient_message_id: int, clinic_chat_id: int) -> int | None:
        """The staff message in the clinic chat ``clinic_chat_id`` behind the message ``patient_message_id`` of the
        patient's chat (a staff reply the bot passed on), else None (one from an earlier clinic chat too)."""
        row = self.db.execute(
            "SELECT clinic_message_id FROM relays WHERE chat_id = ? AND patient_message_id = ?"
            " AND direction = 'from_clinic' AND clinic_chat_id = ? ORDER BY id DESC LIMIT 1",
            [chat_id, patient_message_id, clinic_chat_id]).fetchone()
        return row[0] if row else None

    def passed_on(self, clinic_chat_id: int, staff_message_id: int) -> tuple[int, int] | None:
        """Where a staff message of the clinic chat was passed on: (the patient's chat, the message there), the
        first of them when it went in parts; None if it never was."""
        row = self.db.execute(
            "SELECT chat_id, patient_message_id FROM relays WHERE direction = 'from_clinic' AND clinic_chat_id = ?"
            " AND clinic_message_id = ? AND patient_message_id IS NOT NULL ORDER BY id LIMIT 1",
            [clinic_chat_id, staff_message_id]).fetchone()
        return (row[0], row[1]) if row else None

    def relays(self, chat_id: int) -> list[RelayRow]:
        return [RelayRow(r["id"], r["chat_id"], r["direction"], self.open_text(r["text"]), self.open_text(r["file_id"]) or None,
                         r["clinic_message_id"], datetime.fromisoformat(r["created_at"]))
                for r in self.db.query("SELECT * FROM relays WHERE chat_id = ? ORDER BY id", [chat_id])]

    def patient_of_clinic_message(self, clinic_chat_id: int, message_id: int) -> int | None:
        """The patient a message the bot posted in the clinic chat ``clinic_chat_id`` is about: a relayed message,
        an alert or its re-raise (re-raises go to the clinic chat only; an erased patient's rows point nowhere).
        Found by the chat AND the message id: ids start again in a new chat, so an id alone could be anyone's."""
        row = self.db.execute(
            "SELECT chat_id FROM relays WHERE clinic_chat_id = ? AND clinic_message_id = ? AND direction = 'to_clinic'"
            " UNION ALL SELECT chat_id FROM alerts WHERE clinic_chat_id = ? AND clinic_message_id = ?"
            " UNION ALL SELECT about FROM outbox WHERE target = ? AND message_id = ? AND kind = 'reraise'"
            " AND state = 'sent' AND about IS NOT NULL LIMIT 1",
            [clinic_chat_id, message_id, clinic_chat_id, message_id, clinic_chat_id, message_id]).fetchone()
        return row[0] if row else None

    def adopt_clinic_chat(self, clinic_chat_id: int | None) -> int:
        """Once, at the first start after migration 0014: the relays and alerts recorded before it (no chat id) are
        pinned to ``clinic_chat_id``, the clinic chat the bot is configured with; returns the rows pinned.

        The safe option when that is not known to be their chat: if the outbox shows alerts posted to another
        group (the clinic moved since), or no clinic chat is configured, they stay NULL for good. A NULL row
        matches no chat: a staff reply to it is answered "not sent" (never passed on to a patient it might not
        be about), and a patient's /delete does not edit it (it might now be another patient's message)."""
        with self.db.atomic():
            if self.db.execute("SELECT 1 FROM meta WHERE name = 'clinic_chat_adopted'").fetchone():
                return 0
            self.db.execute("INSERT INTO meta (name, value) VALUES ('clinic_chat_adopted', ?)",
                            [str(clinic_chat_id) if clinic_chat_id is not None else ""])
            if clinic_chat_id is None or self.db.execute(
                    "SELECT 1 FROM outbox WHERE kind IN ('alert', 'reraise') AND target < 0 AND target != ? LIMIT 1",
                    [clinic_chat_id]).fetchone():
                return 0
            pinned = 0
            for table in ("relays", "alerts"):
                pinned += self.db.execute(f"UPDATE {table} SET clinic_chat_id = ? WHERE clinic_chat_id IS NULL"
                                          " AND clinic_message_id IS NOT NULL", [clinic_chat_id]).rowcount
            return pinned

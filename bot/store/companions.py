"""Companions: the one relative or friend a patient linked, who gets copies of urgent and emergency advice only.

A row of ``companions`` (migration 0023) is keyed by the patient's chat, so it is in the patient's /mydata and is
erased with them; the companion's own name is sealed like the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.store.records import iso

_COLUMNS = "chat_id, companion_chat_id, companion_name, language, not_ok, since"


@dataclass(frozen=True)
class Companion:
    """One link: the patient's chat, the companion's chat, first name and language, and whether the patient's
    "I'm not OK" is passed on."""

    patient_chat_id: int
    chat_id: int
    name: str
    language: str | None
    not_ok: bool
    since: datetime


class CompanionStore:
    """Store methods about companions."""

    db: Database

    def _companion(self, row) -> Companion | None:
        if row is None:
            return None
        return Companion(row[0], row[1], self.open_text(row[2]) if row[2] else "", row[3], bool(row[4]),
                         datetime.fromisoformat(row[5]))

    def companion_of(self, patient_chat_id: int) -> Companion | None:
        """The patient's companion, if they have one."""
        return self._companion(self.db.execute(f"SELECT {_COLUMNS} FROM companions WHERE chat_id = ?",
                                               [patient_chat_id]).fetchone())

    def accompanied_by(self, companion_chat_id: int) -> Companion | None:
        """The link of a chat that is someone's companion, if it is."""
        return self._companion(self.db.execute(f"SELECT {_COLUMNS} FROM companions WHERE companion_chat_id = ?",
                                               [companion_chat_id]).fetchone())

    def link_companion(self, patient_chat_id: int, companion_chat_id: int, name: str, language: str | None,
                       not_ok: bool, now: datetime) -> bool:
        """Link the companion; False when the patient has one already, or the companion accompanies someone."""
        cursor = self.db.execute(
            f"INSERT OR IGNORE INTO companions ({_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?"
            " WHERE EXISTS (SELECT 1 FROM patients WHERE chat_id = ?)",
            [patient_chat_id, companion_chat_id, self.seal_text(name) if name else None, language, int(not_ok),
             iso(now), patient_chat_id])
        return cursor.rowcount == 1

    def end_companion(self, patient_chat_id: int) -> Companion | None:
        """End the patient's link at once; the link that was, or None."""
        link = self.companion_of(patient_chat_id)
        if link is not None:
            self.db.execute("DELETE FROM companions WHERE chat_id = ?", [patient_chat_id])
        return link

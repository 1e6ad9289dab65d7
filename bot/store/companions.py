"""Companions: the one relative or friend a patient linked, who gets copies of urgent and emergency advice only.

The link is kept on the patient's own row (``patients.companion_*``, migration 0023), so it is in the patient's
/mydata and is erased with them; the companion's first name is sealed like the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.store.records import iso

_COLUMNS = "chat_id, companion_chat_id, companion_name, companion_language, companion_not_ok, companion_since"


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
        if row is None or row[1] is None:
            return None
        return Companion(row[0], row[1], self.open_text(row[2]) if row[2] else "", row[3], bool(row[4]),
                         datetime.fromisoformat(row[5]))

    def companion_of(self, patient_chat_id: int) -> Companion | None:
        """The patient's companion, if they have one."""
        return self._companion(self.db.execute(f"SELECT {_COLUMNS} FROM patients WHERE chat_id = ?",
                                               [patient_chat_id]).fetchone())

    def accompanied_by(self, companion_chat_id: int) -> Companion | None:
        """The link of a chat that is someone's companion, if it is."""
        return self._companion(self.db.execute(f"SELECT {_COLUMNS} FROM patients WHERE companion_chat_id = ?",
                                               [companion_chat_id]).fetchone())

    def link_companion(self, patient_chat_id: int, companion_chat_id: int, name: str, language: str | None,
                       not_ok: bool, now: datetime) -> bool:
        """Link the companion; False when the patient has one already, or the companion accompanies someone."""
        if self.accompanied_by(companion_chat_id) is not None:
            return False
        cursor = self.db.execute(
            "UPDATE patients SET companion_chat_id = ?, companion_name = ?, companion_language = ?,"
            " companion_not_ok = ?, companion_since = ? WHERE chat_id = ? AND companion_chat_id IS NULL",
            [companion_chat_id, self.seal_text(name) if name else None, language, int(not_ok), iso(now),
             patient_chat_id])
        return cursor.rowcount == 1

    def end_companion(self, patient_chat_id: int) -> Companion | None:
        """End the patient's link at once; the link that was, or None."""
        link = self.companion_of(patient_chat_id)
        if link is not None:
            self.db.execute("UPDATE patients SET companion_chat_id = NULL, companion_name = NULL,"
                            " companion_language = NULL, companion_not_ok = NULL, companion_since = NULL"
                            " WHERE chat_id = ?", [patient_chat_id])
        return link

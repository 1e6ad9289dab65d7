"""The forum topics of the clinic chat: which topic is which patient's (migration 0019, bot/care/topics.py)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.store.records import iso


class TopicStore:
    """Store methods of the patients' topics, per clinic chat."""

    db: Database

    def topic_of(self, clinic_chat_id: int, patient: int) -> int | None:
        """The thread id of the patient's topic in that clinic chat, or None when they have none there yet."""
        row = self.db.execute("SELECT thread_id FROM forum_topics WHERE clinic_chat_id = ? AND patient = ?",
                              [clinic_chat_id, patient]).fetchone()
        return row[0] if row else None

    def patient_of_topic(self, clinic_chat_id: int, thread_id: int) -> int | None:
        """The patient whose topic ``thread_id`` is in that clinic chat, or None."""
        row = self.db.execute("SELECT patient FROM forum_topics WHERE clinic_chat_id = ? AND thread_id = ?",
                              [clinic_chat_id, thread_id]).fetchone()
        return row[0] if row else None

    def remember_topic(self, clinic_chat_id: int, patient: int, thread_id: int, now: datetime) -> None:
        """The patient's topic in that clinic chat is now ``thread_id`` (a new one replaces a deleted one)."""
        with self.db.atomic():
            self.db.execute("DELETE FROM forum_topics WHERE clinic_chat_id = ? AND thread_id = ?",
                            [clinic_chat_id, thread_id])
            self.db.execute("INSERT OR REPLACE INTO forum_topics (clinic_chat_id, patient, thread_id, created_at)"
                            " VALUES (?, ?, ?, ?)", [clinic_chat_id, patient, thread_id, iso(now)])

    def forget_topic(self, clinic_chat_id: int, patient: int, thread_id: int) -> None:
        """That topic is gone (deleted or closed by staff): the patient's next message opens a new one."""
        self.db.execute("DELETE FROM forum_topics WHERE clinic_chat_id = ? AND patient = ? AND thread_id = ?",
                        [clinic_chat_id, patient, thread_id])

    def topics_of(self, patient: int) -> list[tuple[int, int]]:
        """Every (clinic chat id, thread id) of the patient's topics, oldest first."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT clinic_chat_id, thread_id FROM forum_topics WHERE patient = ? ORDER BY rowid", [patient])]

    def drop_topics(self, patient: int) -> list[tuple[int, int]]:
        """Erase the patient's topic rows; returns the (clinic chat id, thread id) they named, for the deletion."""
        topics = self.topics_of(patient)
        self.db.execute("DELETE FROM forum_topics WHERE patient = ?", [patient])
        return topics

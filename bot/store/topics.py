"""The forum topics of the clinic chat: which topic is which patient's (bot/care/topics.py).

Kept beside the patient's number in ``patient_refs`` (migration 0019): the clinic chat id and the topic's thread
id, so a topic of another clinic chat is never taken for the patient's, and the row goes with the patient."""

from __future__ import annotations

from sqlite_utils import Database


class TopicStore:
    """Store methods of the patients' topics, per clinic chat."""

    db: Database

    def topic_of(self, clinic_chat_id: int, patient: int) -> int | None:
        """The thread id of the patient's topic in that clinic chat, or None when they have none there yet."""
        row = self.db.execute("SELECT topic_id FROM patient_refs WHERE chat_id = ? AND topic_chat_id = ?",
                              [patient, clinic_chat_id]).fetchone()
        return row[0] if row else None

    def patient_of_topic(self, clinic_chat_id: int, thread_id: int) -> int | None:
        """The patient whose topic ``thread_id`` is in that clinic chat, or None."""
        row = self.db.execute("SELECT chat_id FROM patient_refs WHERE topic_chat_id = ? AND topic_id = ?",
                              [clinic_chat_id, thread_id]).fetchone()
        return row[0] if row else None

    def remember_topic(self, clinic_chat_id: int, patient: int, thread_id: int) -> None:
        """The patient's topic is now ``thread_id`` of that clinic chat (a new one replaces a deleted one, or one
        of an earlier clinic chat). The patient has a number already: the topic is named by it."""
        self.db.execute("UPDATE patient_refs SET topic_chat_id = ?, topic_id = ? WHERE chat_id = ?",
                        [clinic_chat_id, thread_id, patient])

    def forget_topic(self, clinic_chat_id: int, patient: int, thread_id: int) -> None:
        """That topic is gone (deleted or closed by staff): the next post about the patient opens a new one."""
        self.db.execute("UPDATE patient_refs SET topic_chat_id = NULL, topic_id = NULL WHERE chat_id = ?"
                        " AND topic_chat_id = ? AND topic_id = ?", [patient, clinic_chat_id, thread_id])

    def drop_topics(self, patient: int) -> list[tuple[int, int]]:
        """Erase the patient's topic mapping; returns the (clinic chat id, thread id) it named, for the deletion."""
        topics = [(r[0], r[1]) for r in self.db.execute(
            "SELECT topic_chat_id, topic_id FROM patient_refs WHERE chat_id = ? AND topic_id IS NOT NULL",
            [patient]).fetchall()]
        self.db.execute("UPDATE patient_refs SET topic_chat_id = NULL, topic_id = NULL WHERE chat_id = ?", [patient])
        return topics

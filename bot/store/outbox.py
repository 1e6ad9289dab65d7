"""The alert outbox (the ``outbox`` table): clinic alerts, their re-raises and on-call copies, erasure edits and
parked replies.

Rows move pending -> claimed -> sent | skipped | failed, like deliveries, and
the same dispatcher sends them. A claimed row is taken again only when it has
been claimed longer than the lease: a handler may be sending one right now
(the alert's first, immediate try), while a row a crash left claimed is due
again. Rows have no foreign key on purpose: the edits that erase a patient's
alerts must outlive the patient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlite_utils import Database

from bot.store.records import iso

ALERT_KINDS = ("alert", "reraise", "oncall")   # the kinds that carry an alert to staff


@dataclass(frozen=True)
class OutboxRow:
    """One row of the outbox as stored (``body`` opened)."""

    id: int
    kind: str
    target: int
    about: int | None
    alert_id: int | None
    edit_message_id: int | None
    body: str
    markup: Any
    due_at: datetime
    state: str
    attempts: int
    message_id: int | None
    reason: str | None
    options: dict | None = None  # a parked message's entities and reply (migration 0024)


@dataclass(frozen=True)
class PatientRef:
    """How staff can tell who the patient is: a stable short number, the Telegram name and @username."""

    number: int
    name: str
    username: str


@dataclass(frozen=True)
class UndeliverableAlert:
    """An alert the clinic chat refused for good (``OutboxStore.undeliverable_alerts``)."""

    alert_id: int
    number: int | None   # the patient's short number
    level: str
    raised_at: datetime
    refused_at: datetime
    open: bool           # nobody has acknowledged it yet


class OutboxStore:
    """Store methods of the outbox, patient numbers and the alerts' way through it."""

    db: Database
    seal_text: Callable[[str | None], str]
    open_text: Callable[[str | None], str]
    drop_topics: Callable[[int], list[tuple[int, int]]]  # bot/store/topics.py

    def _outbox_row(self, row: dict) -> OutboxRow:
        return OutboxRow(row["id"], row["kind"], row["target"], row["about"], row["alert_id"],
                         row["edit_message_id"], self.open_text(row["body"]),
                         json.loads(row["markup"]) if row["markup"] else None,
                         datetime.fromisoformat(row["due_at"]), row["state"], row["attempts"], row["message_id"],
                         row["reason"], json.loads(row["options"]) if row.get("options") else None)

    # ---- queueing ------------------------------------------------------------------------
    def enqueue(self, kind: str, target: int, now: datetime, *, due_at: datetime | None = None,
                about: int | None = None, alert_id: int | None = None, edit_message_id: int | None = None,
                body: str | None = None, markup: Any = None, claimed: bool = False,
                skipped: str | None = None, options: dict | None = None) -> int | None:
        """Add a row (``claimed`` when the caller sends it at once; ``skipped`` with a reason when a stage is
        passed over; ``options``: a parked message's entities and reply); None if that alert's row already
        exists."""
        state = "skipped" if skipped else "claimed" if claimed else "pending"
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO outbox (kind, target, about, alert_id, edit_message_id, body, markup, due_at,"
            " state, attempts, reason, updated_at, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, target, about, alert_id, edit_message_id, self.seal_text(body) or None,
             json.dumps(markup) if markup is not None else None, iso(due_at or now),
             state, int(claimed), skipped, iso(now), json.dumps(options) if options else None])
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        rows = list(self.db.query("SELECT * FROM outbox WHERE id = ?", [row_id]))
        return self._outbox_row(rows[0]) if rows else None

    def outbox(self, about: int | None = None) -> list[OutboxRow]:
        """Outbox rows (about one patient, or all), oldest first."""
        return [self._outbox_row(r) for r in self.db.query(
            "SELECT * FROM outbox WHERE ? IS NULL OR about = ? ORDER BY id", [about, about])]

    def next_outbox_due(self) -> datetime | None:
        row = self.db.execute("SELECT min(due_at) FROM outbox WHERE state = 'pending'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def claim_outbox(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxRow]:
        """Claim rows due by ``now`` (and rows claimed longer ago than ``lease``), oldest first."""
        stamp, stale = iso(now), iso(now - lease)
        with self.db.atomic():
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM outbox WHERE (state = 'pending' AND due_at <= ?) OR (state = 'claimed'"
                " AND updated_at <= ?) ORDER BY due_at, id LIMIT ?", [stamp, stale, limit]).fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            self.db.execute(f"UPDATE outbox SET state = 'claimed', attempts = attempts + 1, updated_at = ?"
                            f" WHERE id IN ({marks})", [stamp, *ids])
            return [self._outbox_row(r) for r in self.db.query(
                f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY due_at, id", ids)]

    def outbox_sent(self, row_id: int, message_id: int, now: datetime) -> None:
        """Telegram accepted the row; an alert's first message becomes the alert's clinic message, and a parked
        message (a relay, a receipt: recorded under minus the row's id, bot/delivery/replies.py) gets its real id."""
        with self.db.atomic():
            self.db.execute("UPDATE outbox SET state = 'sent', message_id = ?, reason = NULL, updated_at = ?"
                            " WHERE id = ?", [message_id, iso(now), row_id])
            kind, target = self.db.execute("SELECT kind, target FROM outbox WHERE id = ?", [row_id]).fetchone() \
                or (None, None)
            if kind == "reply" and target is not None and target < 0:  # only a parked message to a group has these
                for table, column in (("relays", "clinic_message_id"), ("clinic_mentions", "message_id")):
                    self.db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ? AND clinic_chat_id = ?",
                                    [message_id, -row_id, target])
            self.db.execute("UPDATE alerts SET clinic_chat_id = CASE WHEN clinic_message_id IS NULL THEN"
                            " (SELECT target FROM outbox WHERE id = ?) ELSE clinic_chat_id END,"
                            " clinic_message_id = coalesce(clinic_message_id, ?) WHERE id ="
                            " (SELECT alert_id FROM outbox WHERE id = ? AND kind = 'alert')",
                            [row_id, message_id, row_id])

    def outbox_finish(self, row_id: int, state: str, reason: str, now: datetime) -> None:
        """A claimed row skipped (with a reason) or failed for good (with the error class)."""
        self.db.execute("UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = 'claimed'",
                        [state, reason, iso(now), row_id])

    def outbox_release(self, row_id: int, due_at: datetime, now: datetime, reason: str | None = None) -> None:
        """Back to pending, due at ``due_at`` (a retry later, or a shutdown)."""
        self.db.execute("UPDATE outbox SET state = 'pending', due_at = ?, reason = ?, updated_at = ?"
                        " WHERE id = ? AND state = 'claimed'", [iso(due_at), reason, iso(now), row_id])

    # ---- patients as staff see them ------------------------------------------------------------
    def patient_number(self, chat_id: int) -> int | None:
        """The patient's stable short number, given on first use; None if no such patient."""
        self.db.execute("INSERT OR IGNORE INTO patient_refs (chat_id) SELECT chat_id FROM patients WHERE chat_id = ?",
                        [chat_id])
        row = self.db.execute("SELECT number FROM patient_refs WHERE chat_id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def note_username(self, chat_id: int, username: str | None) -> bool:
        """Remember the patient's current @username (and give them a number); False if not a patient."""
        if self.patient_number(chat_id) is None:
            return False
        self.db.execute("UPDATE patient_refs SET username = ? WHERE chat_id = ?",
                        [self.seal_text(username) or None, chat_id])
        return True

    def patient_ref(self, chat_id: int) -> PatientRef | None:
        number = self.patient_number(chat_id)
        row = self.db.execute("SELECT p.display_name, r.username FROM patients p JOIN patient_refs r"
                              " ON r.chat_id = p.chat_id WHERE p.chat_id = ?", [chat_id]).fetchone()
        return PatientRef(number, self.open_text(row[0]), self.open_text(row[1])) if row else None

    # ---- alerts on their way ------------------------------------------------------------------
    def alert_open(self, alert_id: int) -> bool:
        """Whether the alert still exists (not erased) and nobody acknowledged it."""
        return self.db.execute("SELECT 1 FROM alerts WHERE id = ? AND acknowledged_by IS NULL",
                               [alert_id]).fetchone() is not None

    def is_alert_copy(self, target: int, message_id: int) -> bool:
        """Whether ``message_id`` in chat ``target`` is an alert the bot posted there (first post, re-raise or
        on-call copy), erased or not."""
        return self.db.execute(f"SELECT 1 FROM outbox WHERE target = ? AND message_id = ? AND kind IN {ALERT_KINDS}"
                               " AND state = 'sent' LIMIT 1", [target, message_id]).fetchone() is not None

    def alert_sent_to(self, alert_id: int, target: int, message_id: int) -> bool:
        """Whether the message ``message_id`` in chat ``target`` is a copy of alert ``alert_id`` the bot sent there
        (an on-call admin may act only on an alert that reached them, and on that very message)."""
        return self.db.execute(f"SELECT 1 FROM outbox WHERE alert_id = ? AND target = ? AND message_id = ?"
                               f" AND kind IN {ALERT_KINDS} AND state = 'sent' LIMIT 1",
                               [alert_id, target, message_id]).fetchone() is not None

    def record_mention(self, about: int, clinic_chat_id: int, message_id: int) -> None:
        """A message the bot posted in the clinic chat names patient ``about`` (a receipt): edited on erasure."""
        self.db.execute("INSERT INTO clinic_mentions (chat_id, clinic_chat_id, message_id) VALUES (?, ?, ?)",
                        [about, clinic_chat_id, message_id])

    def mark_undeliverable(self, alert_id: int, now: datetime) -> bool:
        """The clinic chat refused the alert for good; True the first time (the caller then tells the on-call
        admins), False if it was marked before or no longer exists."""
        cursor = self.db.execute("UPDATE alerts SET undeliverable_at = ? WHERE id = ? AND undeliverable_at IS NULL",
                                 [iso(now), alert_id])
        return cursor.rowcount == 1

    def alert_undeliverable(self, alert_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM alerts WHERE id = ? AND undeliverable_at IS NOT NULL",
                               [alert_id]).fetchone() is not None

    def undeliverable_alerts(self) -> list[UndeliverableAlert]:
        """Alerts the clinic chat refused for good, oldest first (for the daily worklist): by number and level,
        never by name; an erased patient's are gone with their alerts."""
        return [UndeliverableAlert(r[0], r[1], r[2], datetime.fromisoformat(r[3]), datetime.fromisoformat(r[4]),
                                   r[5] is None)
                for r in self.db.execute(
                    "SELECT a.id, r.number, a.level, a.created_at, a.undeliverable_at, a.acknowledged_by"
                    " FROM alerts a LEFT JOIN patient_refs r ON r.chat_id = a.chat_id"
                    " WHERE a.undeliverable_at IS NOT NULL ORDER BY a.id").fetchall()]

    def alert_exists(self, alert_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM alerts WHERE id = ?", [alert_id]).fetchone() is not None

    def alerts_to_raise_again(self, kind_before: str, sent_before: datetime, levels: Iterable[str]) -> list[int]:
        """Open alerts of ``levels`` whose ``kind_before`` message went out before ``sent_before`` and that
        have not been raised again since (the next stage after ``kind_before``)."""
        levels = list(levels)
        following = {"alert": "reraise", "reraise": "oncall"}[kind_before]
        marks = ", ".join("?" for _ in levels)
        return [r[0] for r in self.db.execute(
            "SELECT a.id FROM alerts a WHERE a.acknowledged_by IS NULL AND a.level IN (" + marks + ")"
            " AND EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.kind = ? AND o.state = 'sent'"
            "   AND o.updated_at <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.kind = ?) ORDER BY a.id",
            [*levels, kind_before, iso(sent_before), following]).fetchall()]

    def forget_patient_everywhere(self, chat_id: int, now: datetime, purge: bool = True) -> int:
        """Queue the edits of staff's messages about the patient, then erase every row about them; returns the
        rows deleted. Two transactions (the erasure ends with a WAL checkpoint, which no transaction may hold):
        if the second fails, the patient's /delete fails visibly and a retry finds the edits already queued.
        ``purge=False`` leaves the WAL to the caller (bot/care/alerts.py empties it off the event loop)."""
        self.erase_from_clinic(chat_id, now)
        return self.forget_patient(chat_id, purge=purge)

    def erase_from_clinic(self, about: int, now: datetime) -> int:
        """Before a patient is erased: drop what is still to send about them and queue an edit of every
        alert staff got about them, every text they relayed and every receipt naming them (and the deletion of
        their forum topics), each in the chat it was posted to (never by its
        message id alone: a relay recorded before the clinic chat was, migration 0014, is left as it is);
        returns the edits queued."""
        stamp = iso(now)
        with self.db.atomic():
            self.db.execute("UPDATE outbox SET state = 'skipped', reason = 'erased', body = NULL, updated_at = ?"
                            " WHERE about = ? AND state IN ('pending', 'claimed')", [stamp, about])
            self.db.execute("UPDATE outbox SET body = NULL WHERE about = ?", [about])
            shown = self.db.execute(
                "SELECT alert_id, target, message_id FROM outbox WHERE about = ? AND state = 'sent'"
                f" AND kind IN {(*ALERT_KINDS, 'recall', 'prep_note')} AND message_id IS NOT NULL ORDER BY id",
                [about]).fetchall()
            for alert_id, target, message_id in shown:
                self.enqueue("erased", target, now, alert_id=alert_id, edit_message_id=message_id)
            # what they wrote to the clinic (/clinic); a photo's caption is edited instead of a text
            relayed, photos = [], []
            for clinic_chat_id, message_id, file_id in self.db.execute(
                    "SELECT clinic_chat_id, clinic_message_id, file_id FROM relays WHERE chat_id = ? AND"
                    " direction = 'to_clinic' AND clinic_message_id > 0 AND clinic_chat_id IS NOT NULL"
                    " ORDER BY id", [about]).fetchall():
                (photos if file_id else relayed).append((clinic_chat_id, message_id))
            for clinic_chat_id, message_id in photos:
                self.enqueue("erased_caption", clinic_chat_id, now, edit_message_id=message_id)
            # the bot's receipts that name them ("✓ Sent to Ana (@ana_k), patient no. 1")
            relayed += self.db.execute("SELECT clinic_chat_id, message_id FROM clinic_mentions WHERE chat_id = ?"
                                       " AND message_id > 0 ORDER BY id", [about]).fetchall()  # parked: skipped
            for clinic_chat_id, message_id in relayed:
                self.enqueue("erased", clinic_chat_id, now, edit_message_id=message_id)
            self.db.execute("DELETE FROM clinic_mentions WHERE chat_id = ?", [about])
            # their topics in a forum clinic chat: deleted after the edits (or, if Telegram refuses, renamed to the
            # erased wording: bot/care/topics.py), and the mapping row erased now
            topics = self.drop_topics(about)
            for clinic_chat_id, thread_id in topics:
                self.enqueue("drop_topic", clinic_chat_id, now, edit_message_id=thread_id)
            self.db.execute("UPDATE outbox SET about = NULL WHERE about = ?", [about])  # nothing points back
        return len(shown) + len(relayed) + len(photos) + len(topics)

"""The alert journal: clinic alerts that could not be written to the database, kept in a file beside it.

When the database cannot be written (locked by another process, a full disk, a read-only file), a worrying
verdict's alert is appended here instead of the outbox (bot/care/safety.py), and replayed into the outbox as
soon as writes work again: at each dispatcher run, the first of which is at start-up. One record a line, each
the record's JSON sealed with the store's data key like every other sealed value (plain without one, as in
the tests and tools), each with a unique id; the file is created 0600 and only ever appended to, until a
replay has put every record into the database and clears it. The store remembers the ids it replayed (in
``meta``, in the alert's own transaction, until the journal is cleared), so a journal replayed twice (a crash
between the two) alerts once.

When even the file cannot be written (the disk is full), the record is held in memory and replayed the same
way; only a crash before writes work again loses it (the patient had the advice already).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlite_utils import Database

from bot.store.records import iso

log = logging.getLogger(__name__)


def journal_path(database_path: str | Path) -> Path:
    """Where the journal of the database at ``database_path`` lives: beside it."""
    database_path = Path(database_path)
    return database_path.with_name(database_path.name + ".alert-journal")


class AlertJournal:
    """Append-only records (dicts with an ``id``), sealed one a line, in a file or (no file) in memory."""

    def __init__(self, path: Path | None, seal: Callable[[str], str], open_: Callable[[str], str]) -> None:
        self.path, self._seal, self._open = path, seal, open_
        self._held: list[dict[str, Any]] = []  # records the file could not take (or an in-memory store's)

    def append(self, record: dict[str, Any]) -> bool:
        """Add ``record``; False when only memory holds it (the file could not be written)."""
        if self.path is None:
            self._held.append(record)
            return False
        line = (self._seal(json.dumps(record, sort_keys=True)) + "\n").encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            log.error("alert journal: could not append a record (%s): held in memory until writes work",
                      type(error).__name__)
            self._held.append(record)
            return False
        return True

    def _in_file(self) -> list[dict[str, Any]]:
        if self.path is None or not self.path.exists():
            return []
        found = []
        for line in self.path.read_text().splitlines():
            try:
                found.append(json.loads(self._open(line.strip()))) if line.strip() else None
            except ValueError as error:  # a line torn by a crash mid-append: unreadable, dropped at the next clear
                log.error("alert journal: an unreadable line skipped (%s)", type(error).__name__)
        return found

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first, once each (by id)."""
        found: dict[str, dict[str, Any]] = {}
        for record in self._in_file() + self._held:
            found.setdefault(record["id"], record)
        return list(found.values())

    def clear(self, ids: set[str]) -> None:
        """Forget the records with ``ids`` (all replayed): the file goes when it holds no other."""
        self._held = [r for r in self._held if r["id"] not in ids]
        if self.path is None or not self.path.exists():
            return
        left = [r for r in self._in_file() if r["id"] not in ids]
        if not left:
            self.path.unlink()
            return
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.writelines(self._seal(json.dumps(r, sort_keys=True)) + "\n" for r in left)
        os.replace(temporary, self.path)

    def __len__(self) -> int:
        return len(self.records())


class JournalStore:
    """Store methods of the journal's replay: which records the database already holds. A record's id is kept in
    ``meta`` from its replay (in the alert's own transaction) until the journal no longer holds it."""

    db: Database

    def journal_replayed(self, record_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM meta WHERE name = ?", [_MARK + record_id]).fetchone() is not None

    def mark_journal_replayed(self, record_id: str, now: datetime) -> None:
        self.db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", [_MARK + record_id, iso(now)])

    def forget_journal_marks(self, record_ids: set[str]) -> None:
        """The journal no longer holds these records: their marks are not needed any more."""
        for record_id in sorted(record_ids):
            self.db.execute("DELETE FROM meta WHERE name = ?", [_MARK + record_id])


_MARK = "journal_replayed:"  # + a record id: the meta row saying it is in the database already

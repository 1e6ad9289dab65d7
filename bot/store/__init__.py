"""The store: the only package that holds SQL or imports sqlite_utils.

Methods speak the care domain and return dataclasses. The database file is
created readable by its owner only, and migrations run when it opens.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import ContextManager

from sqlite_utils import Database

from bot.crypto import DataKeyError, Sealer

from bot.store.backups import BackupRecord, BackupStore
from bot.store.checkins import CheckinStore
from bot.store.clinic_side import ClinicSideStore
from bot.store.companions import Companion, CompanionStore
from bot.store.control import ControlStore
from bot.store.deliveries import DeliveryRow, DeliveryStore
from bot.store.health import HealthStore
from bot.store.journal import AlertJournal, JournalStore, journal_path
from bot.store.migrations import migrations
from bot.store.outbox import OutboxStore
from bot.store.patients import PatientStore
from bot.store.photos import PhotoStore
from bot.store.queue import QueueStore
from bot.store.sealing import Sealing, check_key, sealing_with
from bot.store.records import Patient, Treatment
from bot.store.relays import RelayStore
from bot.store.topics import TopicStore
from bot.store.engagement import EngagementStore
from bot.store.updates import UpdateStore

__all__ = ["Store", "StoreError", "DamagedDatabase", "Patient", "Treatment", "DeliveryRow", "BackupRecord", "Companion", "open_store"]

# What a store method raises when the database fails (locked, full, gone): callers outside the store
# catch this, so only the store knows the database is SQLite.
StoreError = sqlite3.Error
BUSY_WAIT_MS = 10_000  # the bot's own connection: a backup or health check never makes a write fail
WORKER_WAIT = 5.0      # seconds a worker thread waits out another process's write lock (wait_writable)


class DamagedDatabase(Exception):
    """The database file is not a sound SQLite database (a zeroed header, a truncated file, bad pages)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class Store(Sealing, PatientStore, DeliveryStore, CheckinStore, ControlStore, QueueStore, OutboxStore,
            HealthStore, RelayStore, EngagementStore, UpdateStore, JournalStore, ClinicSideStore, BackupStore,
            PhotoStore, TopicStore, CompanionStore):
    """All persistence for the bot, over one SQLite connection.

    With a ``sealer`` (the data key), every answer a patient gives is encrypted at rest
    (``records.SEALED``, bot/store/sealing.py). Without one (tests, the maintenance tools) it is
    stored as given and sealed values read back as "".
    """

    def __init__(self, db: Database, sealer: Sealer | None = None, path: Path | None = None) -> None:
        self.db = db
        self.sealer = sealer
        self.path = path  # None: in memory
        self.worker_wait = WORKER_WAIT
        # Alerts the database could not take, beside it (in memory for an in-memory store): bot/store/journal.py.
        self.journal = AlertJournal(journal_path(path) if path is not None else None, self.seal_text,
                                    self.open_text)
        # The file, for the connections of worker threads (ControlStore.purge_wal_patiently); "" in memory.
        self.file = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
        db.execute("PRAGMA foreign_keys = ON")
        # Erased rows are overwritten with zeros, whatever this SQLite build's default is (it varies);
        # ControlStore.forget_patient then checkpoints the WAL, so they leave the -wal file too.
        db.execute("PRAGMA secure_delete = ON")
        pending = migrations.pending(db)
        with sealing_with(sealer):  # a migration that seals existing rows needs the key
            migrations.apply(db)
        if pending:  # a migration may have sealed rows in place: their plain bytes leave the WAL too
            self.purge_wal()
        if sealer is not None:
            check_key(db, sealer)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> ContextManager[Database]:
        """Store calls inside one transaction (the methods' own ones nest as savepoints): a bulk import
        commits once."""
        return self.db.atomic()

    def writable_now(self) -> bool:
        """Whether the database takes a write right now (no other process holds the write lock); never waits."""
        try:
            self._probe(0)
        except sqlite3.Error:
            return False
        return True

    def wait_writable(self) -> None:
        """Block until the database takes a write, for at most ``worker_wait`` seconds; raises StoreError if it
        still does not (locked by another process, read-only). For a worker thread (``asyncio.to_thread``): it
        waits on a connection of its own, so the event loop's connection is never held meanwhile."""
        self._probe(self.worker_wait)

    def _probe(self, wait: float) -> None:
        if self.path is None:
            return  # in memory: no other process can hold it
        conn = sqlite3.connect(str(self.path), timeout=wait, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock (waiting for it), writes nothing
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]


def open_store(path: str | Path | None, sealer: Sealer | None = None) -> Store:
    """Open (creating if needed) the database at ``path``, or an in-memory one for ``None``.

    Raises ``DataKeyError`` when ``sealer`` is not the key the database was written with."""
    if path is None:
        return Store(Database(memory=True), sealer)
    path = Path(path)
    if not path.exists():
        # Create the file 0600 before SQLite touches it, so no window exists in
        # which health data sits in a world-readable file.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
    conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    try:
        _check_sound(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):  # locked, unreadable, I/O: not a verdict on the file
            raise
        raise DamagedDatabase(path, str(exc)) from None
    # Service settings, per connection and before the migrations run: WAL lets `aftercare backup` and
    # `aftercare healthcheck` read while the bot writes; NORMAL is durable enough in WAL mode (a power cut
    # may lose the last commits, never corrupts); the busy timeout outlasts a backup or a health check.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")  # on the event loop: Store.wait_writable waits first
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        return Store(Database(conn), sealer, path)
    except DataKeyError:
        conn.close()
        raise


def _check_sound(conn: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError unless the file reads as a whole: a zeroed header fails at the first
    statement, a truncated file or a damaged page in ``quick_check`` (which reads every page once, a
    fraction of a second for a clinic's database, and never writes)."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(problems[:3]))

"""Health and whole-file operations: is a delivery overdue, can we still write, copy and verify a database.

The SQL behind `aftercare healthcheck`, `backup` and `restore`; bot/runtime.py holds the instance lock and the
private temporary files.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from bot.store.records import SEALED, iso
from bot.crypto import CHECK_VALUE, DataKeyError, is_sealed
from bot.store.migrations import migrations


class HealthStore:
    """Store methods for `aftercare healthcheck`; none of them changes a row."""

    db: Database

    def oldest_overdue(self, now: datetime) -> datetime | None:
        """The due instant of the oldest delivery still waiting to leave (pending or claimed), if any is due."""
        row = self.db.execute(
            "SELECT min(due_at) FROM deliveries WHERE state IN ('pending', 'claimed') AND due_at <= ?",
            [iso(now)]).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def oldest_undelivered_alert(self, levels: tuple[str, ...]) -> datetime | None:
        """When the oldest open alert of ``levels`` was raised that has not reached the clinic chat yet (its first
        message still waiting, or refused for good) or, with no clinic chat, has reached nobody."""
        marks = ", ".join("?" for _ in levels)
        row = self.db.execute(
            f"SELECT min(a.created_at) FROM alerts a WHERE a.level IN ({marks}) AND a.acknowledged_by IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.kind = 'alert' AND o.state = 'sent')"
            " AND (a.undeliverable_at IS NOT NULL OR EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id"
            "      AND o.kind = 'alert' AND o.state IN ('pending', 'claimed'))"
            "    OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.state = 'sent'))",
            list(levels)).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def last_job_run(self, job: str) -> datetime | None:
        """The due instant the daily job ``job``'s last finished run covered, if it ever ran (kept in ``meta``)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", [f"last_run:{job}"]).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def record_job_run(self, job: str, covered: datetime) -> None:
        """Remember that the daily job ``job`` finished its run due at ``covered``."""
        with self.db.atomic():
            self.db.execute("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE"
                            " SET value = excluded.value", [f"last_run:{job}", iso(covered)])

    def writable(self) -> bool:
        """Whether a write goes through: rewrites the header's user_version to itself, then rolls back.

        BEGIN IMMEDIATE alone succeeds even on a read-only file; a real (rolled-back) write does not.
        """
        conn = self.db.conn
        if conn.in_transaction:  # we are the writer already
            return True
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            return False
        return True


# ---- whole-file operations for backup, restore and the health check (bot/tools/backup.py orchestrates) --
AFTERCARE_TABLES = ("_sqlite_migrations", "patients", "deliveries")


def sqlite_uri(path: Path, mode: str) -> str:
    """An SQLite URI for ``path``: every character that means something in a URI (``#``, ``?``, ``%``)
    is percent-encoded, so ``a#b.db`` opens ``a#b.db`` and never ``a``."""
    return f"file:{quote(str(Path(path).absolute()), safe='/')}?mode={mode}"


class HealthProbe(HealthStore):
    """A separate connection for `aftercare healthcheck`; never creates the file, never migrates."""

    def __init__(self, path: Path, timeout_s: float = 10) -> None:
        self.db = Database(sqlite3.connect(sqlite_uri(path, "rw"), uri=True, timeout=timeout_s))

    def close(self) -> None:
        self.db.close()


def copy_database(source: Path, target: Path, source_read_only: bool = False) -> None:
    """Copy ``source`` into the (existing, owner-only) file ``target`` with SQLite's online backup API.

    The copy is consistent even while the bot writes (WAL readers see one snapshot) and is switched to
    the rollback journal, so it is one self-contained file with no -wal beside it.
    """
    mode = "ro" if source_read_only else "rw"  # never "rwc": a mistyped path must not create a database
    src = sqlite3.connect(sqlite_uri(source, mode), uri=True, timeout=10)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()


def database_problems(path: Path) -> list[str]:
    """Why ``path`` cannot serve as the bot's database: not SQLite, damaged, or not an aftercare database."""
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    except sqlite3.Error as exc:
        return [f"cannot open: {exc}"]
    try:
        check = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        if check != ["ok"]:
            return [f"integrity check failed: {'; '.join(check[:5])}"]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not set(AFTERCARE_TABLES) <= tables or not conn.execute(
                "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'aftercare'").fetchone()[0]:
            return ["not an aftercare database (no aftercare migrations table)"]
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        return [f"not a SQLite database ({exc})"]
    finally:
        conn.close()
    return []


def restore_problems(path: Path, sealer) -> list[str]:
    """Why the aftercare database at ``path`` cannot replace the bot's: sealed with another data key (or
    with none we can check), or written by a newer version of the bot than this one."""

    if sealer is None:
        return ["no data key is set (AFTERCARE_DATA_KEY_FILE): a backup is only restored once it is known to "
                "open with the key the bot will run with"]
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        known = {m.name for m in migrations.pending(Database(memory=True))}
        newer = [m.name for m in migrations.applied(Database(conn)) if m.name not in known]
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone() if has_meta else None
    finally:
        conn.close()
    if newer:
        return [f"it was written by a newer version of the bot (migrations {', '.join(newer)}): upgrade first"]
    if row is None:
        return ["it holds no data key check, so it cannot be shown to open with the configured data key"]
    try:
        if sealer.open(row[0]) != CHECK_VALUE:
            raise DataKeyError("mismatch")
    except DataKeyError:
        return ["it was sealed with another data key than the configured one (AFTERCARE_DATA_KEY_FILE); "
                "its patients' answers could not be read"]
    return unreadable_sealed_values(path, sealer)


def unreadable_sealed_values(path: Path, sealer) -> list[str]:
    """Where sealed values of the database at ``path`` do not open with ``sealer`` (damaged bytes, or
    sealed with another key), as "N of M values in table.column"; [] when every one opens.

    Every value is opened, not a sample: a backup is restored in place of the live data, so a damaged
    answer found later could no longer be had from anywhere. A value counts as sealed when it is in a
    column of ``records.SEALED`` (every non-empty one must open) or when it looks sealed in any other
    column (the outbox's parked bodies)."""
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    damaged: list[str] = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            for column in [r[1] for r in conn.execute(f"PRAGMA table_info({quoted})")]:
                name = '"' + column.replace('"', '""') + '"'
                always = column in SEALED.get(table, ())
                seen = bad = 0
                for (value,) in conn.execute(f"SELECT {name} FROM {quoted} WHERE typeof({name}) = 'text'"
                                             f" AND {name} != ''"):
                    if not (always or is_sealed(value)):
                        continue
                    seen += 1
                    try:
                        sealer.open(value)
                    except DataKeyError:
                        bad += 1
                if bad:
                    damaged.append(f"{bad} of {seen} values in {table}.{column}")
    finally:
        conn.close()
    if not damaged:
        return []
    return [f"some of its sealed values do not open with the configured data key (damaged or written with "
            f"another key): {', '.join(damaged)}"]


def inspect_database(path: Path, sealer) -> tuple[list[str], list[str]]:
    """A read-only look for `aftercare doctor`: (migrations still to apply, problems with the data key)."""

    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        pending = [m.name for m in migrations.pending(Database(conn))]
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone() if has_meta else None
    finally:
        conn.close()
    key_problems = []
    if sealer is None:
        key_problems.append("no data key is set (AFTERCARE_DATA_KEY_FILE or AFTERCARE_DATA_KEY): the bot will not start")
    elif row is not None:
        try:
            if sealer.open(row[0]) != CHECK_VALUE:
                raise DataKeyError("mismatch")
        except DataKeyError:
            key_problems.append("the data key does not match this database: start with the key it was written with")
    return pending, key_problems


def last_rules_version(path: Path) -> str | None:
    """The triage rules version of the newest stored verdict (read-only), or None before the first check-in."""
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'verdicts'").fetchone():
            return None
        row = conn.execute("SELECT rules_version FROM verdicts ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return row[0] if row else None

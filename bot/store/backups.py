"""Nightly backups as files, and the record of the last night's run.

The running bot writes one ``nightly-YYYYMMDDTHHMMSSZ.db`` a night into its backup folder (bot/care/backups.py
is the alarm clock). Each copy is taken with SQLite's online backup API (consistent while the bot writes),
switched to a self-contained file, made owner-only, and verified before it counts: it opens, passes
``integrity_check``, has this bot's schema (the same migrations), and its key check and every sealed value
open with the data key, exactly as ``aftercare restore`` would demand. A copy that does not verify is
deleted, and the older ones are kept. Only ``nightly-*`` files are rotated (the newest N kept), so a backup an
operator wrote by hand is never deleted; the kept ones are checked again each night, so a file that rots on
disk is reported, not discovered on the day it is needed.

The outcome of each run is kept in ``meta`` (``nightly_backup:last``, no patient data: times, a file name
and a reason), read by :meth:`BackupStore.last_backup` and, read-only, by `aftercare doctor`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from bot.store.health import copy_database, database_problems, restore_problems, sqlite_uri
from bot.store.migrations import migrations

NIGHTLY_PREFIX = "nightly-"
RECORD_NAME = "nightly_backup:last"


@dataclass(frozen=True)
class BackupRecord:
    """The last nightly run: when, whether it left a verified backup, the file, and what went wrong."""

    at: datetime                  # when the run happened
    ok: bool                      # a verified new backup was written and every kept one is intact
    file: str                     # the new backup's file name ("" when none was kept)
    problem: str                  # "" when ok
    last_ok_at: datetime | None   # the latest run that wrote a verified backup (this one, when it did)


def nightly_name(now: datetime) -> str:
    return f"{NIGHTLY_PREFIX}{_stamp(now)}.db"


def nightly_files(folder: Path) -> list[Path]:
    """The nightly backups in ``folder``, oldest first (their names sort by time)."""
    if not Path(folder).is_dir():
        return []
    return sorted(p for p in Path(folder).glob(f"{NIGHTLY_PREFIX}*.db") if p.is_file())


def schema_of(path: Path) -> list[str]:
    """The migrations applied to the database at ``path`` (read-only), in order."""
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        return [m.name for m in migrations.applied(Database(conn))]
    finally:
        conn.close()


def current_schema() -> list[str]:
    """Every migration this version of the bot knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def backup_problems(path: Path, sealer) -> list[str]:
    """Why the file at ``path`` is not a backup ``aftercare restore`` would take (none: []): not SQLite,
    damaged, not an aftercare database, written by a newer bot, or not opening with the data key."""
    problems = database_problems(path)
    if problems:
        return problems
    try:
        return restore_problems(path, sealer)
    except sqlite3.Error as exc:
        return [f"cannot be read ({exc})"]


def write_nightly(source: Path, folder: Path, now: datetime, sealer, keep: int) -> BackupRecord:
    """Write tonight's backup of ``source`` into ``folder``, verify it, rotate, check the kept ones.

    Runs in a worker thread (it reads the whole database). Never raises for the ordinary failures (a
    folder that cannot be written, a full disk, a copy that does not verify): they are the record's problem."""
    folder, name = Path(folder), nightly_name(now)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / name
        temp = folder / f".{name}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            copy_database(source, temp)
            problems = backup_problems(temp, sealer)
            if not problems and schema_of(temp) != current_schema():
                problems = ["its schema is not this bot's (a migration is missing)"]
            if problems:
                return BackupRecord(now, False, "", f"tonight's backup did not verify and was not kept: "
                                                    f"{'; '.join(problems)}", None)
            os.chmod(temp, 0o600)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        kept = nightly_files(folder)
        for old in kept[:-keep] if keep > 0 else []:
            old.unlink(missing_ok=True)
        damaged = [p.name for p in nightly_files(folder) if p.name != name and backup_problems(p, sealer)]
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return BackupRecord(now, False, "", f"no backup was written to {folder}: {reason}", None)
    if damaged:
        return BackupRecord(now, False, name, f"tonight's backup {name} is fine, but older ones in {folder} are "
                                              f"damaged: {', '.join(damaged)} (delete them)", now)
    return BackupRecord(now, True, name, "", now)


# Times in the record are written as the file names write them (20261124T023000Z), never in the ISO form of
# the patients' own timestamps: an erased patient's created_at must not survive in the database as this value.
STAMP = "%Y%m%dT%H%M%SZ"


def _stamp(when: datetime | None) -> str | None:
    return when.astimezone(timezone.utc).strftime(STAMP) if when else None


def _instant(text: str | None) -> datetime | None:
    return datetime.strptime(text, STAMP).replace(tzinfo=timezone.utc) if text else None


def _encode(record: BackupRecord) -> str:
    return json.dumps({"at": _stamp(record.at), "ok": record.ok, "file": record.file, "problem": record.problem,
                       "last_ok_at": _stamp(record.last_ok_at)})


def _decode(value: str | None) -> BackupRecord | None:
    if not value:
        return None
    raw = json.loads(value)
    return BackupRecord(_instant(raw["at"]), bool(raw["ok"]), raw["file"], raw["problem"],
                        _instant(raw.get("last_ok_at")))


class BackupStore:
    """Store methods for the nightly backup's record (the Store mixes this in)."""

    db: Database

    def last_backup(self) -> BackupRecord | None:
        """The last nightly run (None before the first): for the clinic's daily worklist and the doctor."""
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", [RECORD_NAME]).fetchone()
        return _decode(row[0]) if row else None

    def record_backup(self, record: BackupRecord) -> BackupRecord:
        """Keep ``record`` as the last run; a failed run keeps the time of the last good one. Returns what was kept."""
        if record.last_ok_at is None:
            previous = self.last_backup()
            record = BackupRecord(record.at, record.ok, record.file, record.problem,
                                  previous.last_ok_at if previous else None)
        with self.db.atomic():
            self.db.execute("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE"
                            " SET value = excluded.value", [RECORD_NAME, _encode(record)])
        return record


def read_last_backup(path: Path) -> BackupRecord | None:
    """The last nightly run recorded in the database at ``path``, read-only (for `aftercare doctor`)."""
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
            return None
        row = conn.execute("SELECT value FROM meta WHERE name = ?", [RECORD_NAME]).fetchone()
    finally:
        conn.close()
    return _decode(row[0]) if row else None


def database_created_at(path: Path) -> datetime | None:
    """When the database at ``path`` was created (its first migration), read-only."""
    conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    try:
        applied = migrations.applied(Database(conn))
    finally:
        conn.close()
    if not applied:
        return None
    first = datetime.fromisoformat(str(applied[0].applied_at))
    return first if first.tzinfo else first.replace(tzinfo=timezone.utc)


# The restore drill's record: a small file in the backup folder, because the drill must never write to the live
# database (and may run while the bot does). No patient data: times, a backup's file name, a patient count and a
# reason.
DRILL_NAME = "restore-drill.json"


@dataclass(frozen=True)
class DrillRecord:
    """The last restore drill: when, whether it passed, the backup it used, and why it failed."""

    at: datetime                  # when the drill ran
    ok: bool                      # the backup was restored into a temporary folder and opened with the key
    file: str                     # the backup's file name
    problem: str                  # "" when ok
    last_ok_at: datetime | None   # the latest drill that passed (this one, when it did)


def read_drill_record(folder: Path) -> DrillRecord | None:
    """The last restore drill recorded in the backup ``folder`` (None before the first, or when unreadable)."""
    try:
        raw = json.loads((Path(folder) / DRILL_NAME).read_text(encoding="utf-8"))
        return DrillRecord(_instant(raw["at"]), bool(raw["ok"]), str(raw["file"]), str(raw["problem"]),
                           _instant(raw.get("last_ok_at")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_drill_record(folder: Path, record: DrillRecord) -> DrillRecord:
    """Keep ``record`` as the last drill in ``folder`` (0600, replaced atomically); a failed drill keeps the time
    of the last one that passed. Returns what was kept; a folder that cannot be written keeps nothing."""
    folder = Path(folder)
    if record.last_ok_at is None:
        previous = read_drill_record(folder)
        record = DrillRecord(record.at, record.ok, record.file, record.problem,
                             previous.last_ok_at if previous else None)
    if not folder.is_dir():
        return record
    temp = folder / f".{DRILL_NAME}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"at": _stamp(record.at), "ok": record.ok, "file": record.file, "problem": record.problem,
                       "last_ok_at": _stamp(record.last_ok_at)}, handle)
        os.replace(temp, folder / DRILL_NAME)
    except OSError:
        temp.unlink(missing_ok=True)
    return record

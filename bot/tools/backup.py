"""``aftercare backup`` and ``aftercare restore``: consistent, verified, owner-only copies of the database.

Backups use SQLite's online backup API, so they are consistent while the bot runs; that is the normal
case (a nightly cron job), so ``backup`` never takes the instance lock and needs no token. Both commands
refuse the ordinary mistakes before they touch anything:

- ``backup`` writes only a new file, or over an existing aftercare backup with ``--force``; never inside
  the data folder, onto a ``-wal``/``-shm``/``-journal`` or lock file, the data key or ``.env``.
- ``backup --verify FILE`` checks a backup as ``restore`` would, and ``restore --dry-run`` is the restore drill:
  the newest nightly backup (bot/store/backups.py) restored into a temporary folder and opened with the key;
  its outcome is kept in the backup folder for `aftercare doctor`.
- ``restore`` replaces the database only with an aftercare database sealed with the configured data key,
  only while the bot is stopped, and keeps a timestamped copy of what it replaced (a damaged database,
  which start-up refuses and sends here, is kept as its bytes are).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from bot.config import Settings
from bot.runtime import LOCK_NAME, AlreadyRunning, OpsError, acquire_instance_lock, private_temp
from bot.store import open_store
from bot.store.backups import (DrillRecord, backup_problems, current_schema, nightly_files, schema_of,
                               write_drill_record)
from bot.store.health import copy_database, database_problems, restore_problems
from bot.tools.common import run_tool

# Files SQLite or the bot keep beside a database: writing over one corrupts or unlocks the live data.
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")


def _inside(path: Path, folder: Path) -> bool:
    folder = folder.resolve()
    return path == folder or folder in path.parents


def backup_target_problem(settings: Settings, target: Path, force: bool) -> str | None:
    """Why ``target`` must not receive a backup, or None when it may."""
    resolved = target.resolve()  # symlinks followed: a link into the data folder is the data folder
    name = resolved.name
    if _inside(resolved, settings.data_dir):
        return (f"{target} is inside the data folder {settings.data_dir}: keep backups elsewhere, so a backup "
                "never lands beside (or on) the live files")
    if name.endswith(SIDE_FILE_SUFFIXES):
        return f"{target} is named like SQLite's {name.rsplit('-', 1)[1]} file of a database: choose a .db name"
    if name == LOCK_NAME or name.endswith(".lock"):
        return f"{target} is named like a lock file: choose a .db name"
    if name == ".env" or name.startswith(".env."):
        return f"{target} is a settings file (.env): choose a .db name"
    if settings.data_key_file is not None and resolved == settings.data_key_file.resolve():
        return f"{target} is the data key file (AFTERCARE_DATA_KEY_FILE)"
    if not resolved.exists():
        return None
    if not resolved.is_file():
        return f"{target} exists and is not a regular file"
    if database_problems(resolved):
        return f"{target} exists and is not an aftercare backup: refusing to write over it"
    if any(Path(str(resolved) + suffix).exists() for suffix in SIDE_FILE_SUFFIXES[:2]):
        return f"{target} is a database in use (it has a -wal or -shm file beside it)"
    if not force:
        return f"{target} already exists: pass --force to replace that older backup"
    return None


def backup(settings: Settings, path: str | Path, now: datetime | None = None, force: bool = False) -> Path:
    """Write a consistent, checked, owner-only copy of the database to ``path`` (a folder: a dated file in it)."""
    source, target = settings.database_path, Path(path)
    if not source.is_file():
        raise OpsError(f"there is no database at {source} to back up")
    if target.is_dir():
        target = target / f"aftercare-{_stamp(now)}.db"
    problem = backup_target_problem(settings, target, force)
    if problem:
        raise OpsError(f"nothing written: {problem}")
    if not target.parent.is_dir():
        raise OpsError(f"the folder {target.parent} does not exist")
    temp = private_temp(target.resolve().parent, ".aftercare-backup-")
    try:
        copy_database(source, temp)
        problems = database_problems(temp)
        if problems:
            raise OpsError(f"the backup did not verify: {'; '.join(problems)}")
        os.chmod(temp, 0o600)
        os.replace(temp, target.resolve())
    finally:
        temp.unlink(missing_ok=True)
    return target


def _kept_name(database: Path, now: datetime | None) -> Path:
    """A new name for the replaced database: aftercare.db.20261123T090000Z.bak (-2, -3 ... on a clash)."""
    base = f"{database.name}.{_stamp(now)}"
    kept, number = database.with_name(f"{base}.bak"), 1
    while kept.exists():
        number += 1
        kept = database.with_name(f"{base}-{number}.bak")
    return kept


def restore(settings: Settings, path: str | Path, now: datetime | None = None) -> Path | None:
    """Replace the database with the backup at ``path`` once it verifies; returns the kept previous file.

    Refuses while the bot runs (it holds the lock, and this holds it too while replacing, so the bot
    cannot start half-way). The previous database is kept as ``aftercare.db.<UTC stamp>.bak`` (0600).
    """
    source, database = Path(path), settings.database_path
    if not source.is_file():
        raise OpsError(f"{source}: no such backup file")
    if database.exists() and source.resolve() == database.resolve():
        raise OpsError("the backup path is the database itself")
    try:
        lock = acquire_instance_lock(settings.data_dir)
    except AlreadyRunning:
        raise OpsError("refusing to restore while the bot is running: stop it first, then restore") from None
    with lock:
        candidate = private_temp(settings.data_dir, ".aftercare-restore-")
        try:
            _copy_checked(source, candidate, settings, f"{source} was not restored: ", "cannot read it as SQLite")
            kept = None
            if database.exists() and database_problems(database):
                kept = _kept_name(database, now)  # damaged: kept byte for byte (SQLite cannot copy it)
                os.replace(database, kept)
                wal = database.with_name(database.name + "-wal")
                if wal.exists():  # what it still held belongs with it, for whoever tries to salvage it
                    os.replace(wal, kept.with_name(kept.name + "-wal"))
                database.with_name(database.name + "-shm").unlink(missing_ok=True)
            elif database.exists():
                kept = _kept_name(database, now)
                previous = private_temp(settings.data_dir, ".aftercare-previous-")
                copy_database(database, previous)  # includes what is still in the -wal
                os.chmod(previous, 0o600)
                os.replace(previous, kept)
                for suffix in ("-wal", "-shm"):  # the old WAL belongs to the old file: never replay it
                    database.with_name(database.name + suffix).unlink(missing_ok=True)
            os.replace(candidate, database)
            os.chmod(database, 0o600)
        finally:
            candidate.unlink(missing_ok=True)
    return kept


def _copy_checked(source: Path, candidate: Path, settings: Settings, failed: str, unreadable: str,
                  refused: str = "") -> None:
    """Copy the backup ``source`` into ``candidate`` and check it as a restore would; OpsError (starting with
    ``failed``) when it cannot be read as SQLite or would be refused."""
    try:
        copy_database(source, candidate, source_read_only=True)
    except Exception as exc:  # noqa: BLE001 - sqlite3 raises several classes for "not a database"
        raise OpsError(f"{failed}{unreadable} ({exc})") from None
    problems = database_problems(candidate) or restore_problems(candidate, settings.sealer())
    if problems:
        raise OpsError(f"{failed}{refused}{'; '.join(problems)}")


def verify_backup(settings: Settings, path: str | Path) -> str:
    """`aftercare backup --verify FILE`: the report on one backup file, or OpsError naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise OpsError(f"{path}: no such backup file")
    problems = backup_problems(path, settings.sealer())
    if problems:
        raise OpsError(f"{path} is not a backup that can be restored: {'; '.join(problems)}")
    schema, known = schema_of(path), current_schema()
    if schema == known:
        age = "this version's schema"
    else:
        age = f"an older schema ({len(known) - len(schema)} migrations behind: restore brings it up to date)"
    return (f"{path}: intact, an aftercare database with {age} (last migration {schema[-1]}), "
            "and every sealed value opens with the data key")


def restore_drill(settings: Settings, path: str | Path | None, now: datetime | None = None) -> str:
    """`aftercare restore --dry-run [FILE]`: restore a backup (default: the newest nightly one) into a temporary
    folder and open it as the bot would; the live database is never touched, and the bot may keep running.
    The outcome is recorded in the backup folder (restore-drill.json), where `aftercare doctor` reads it."""
    when = now or datetime.now(timezone.utc)
    try:
        source, patients = _drill(settings, path)
    except OpsError as exc:
        failed = Path(path).name if path is not None else ""
        write_drill_record(settings.backup_folder, DrillRecord(when, False, failed, str(exc), None))
        raise
    write_drill_record(settings.backup_folder, DrillRecord(when, True, source.name, "", when))
    return (f"restore drill passed: {source} was restored into a temporary folder and opened with the data key "
            f"({patients} patients); the live database was not touched")


def _drill(settings: Settings, path: str | Path | None) -> tuple[Path, int]:
    """The drill itself: the backup it used and the patients it holds, or OpsError saying what failed."""
    if path is None:
        nightly = nightly_files(settings.backup_folder)
        if not nightly:
            raise OpsError(f"there is no nightly backup in {settings.backup_folder} to rehearse with "
                           "(AFTERCARE_BACKUP_DIR); name a backup file")
        path = nightly[-1]
    source = Path(path)
    if not source.is_file():
        raise OpsError(f"{source}: no such backup file")
    with tempfile.TemporaryDirectory(prefix="aftercare-drill-") as folder:
        drill = replace(settings, data_dir=Path(folder))
        candidate = Path(folder) / "aftercare.db"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        _copy_checked(source, candidate, drill, "restore drill failed: ", f"{source} cannot be read as SQLite",
                      f"{source} would be refused: ")
        store = open_store(drill.database_path, drill.sealer())  # migrations applied, the key checked
        try:
            patients = store.patient_count()
        finally:
            store.close()
    return source, patients


def backup_command(environ: dict[str, str], argv: list[str]) -> int:
    """`aftercare backup PATH`: a consistent, verified, owner-only copy; safe (and meant) while the bot runs."""
    parser = argparse.ArgumentParser(prog="aftercare backup", description=backup_command.__doc__)
    parser.add_argument("path", help="the backup file to write (outside the data folder), or a folder for a "
                                     "dated file; with --verify, the backup file to check")
    parser.add_argument("--force", action="store_true", help="replace an existing aftercare backup at PATH")
    parser.add_argument("--verify", action="store_true",
                        help="write nothing: check that PATH is an intact backup that opens with the data key")
    args = parser.parse_args(argv)
    if args.verify:
        return run_tool(environ, lambda settings: verify_backup(settings, args.path))
    return run_tool(environ, lambda settings: "backup written to {} (integrity check ok)".format(
        backup(settings, args.path, now=datetime.now(timezone.utc), force=args.force)))


def restore_command(environ: dict[str, str], argv: list[str], now: datetime | None = None) -> int:
    """`aftercare restore PATH`: replace the database with a verified backup; the bot must be stopped."""
    parser = argparse.ArgumentParser(prog="aftercare restore", description=restore_command.__doc__)
    parser.add_argument("path", nargs="?",
                        help="a file written by `aftercare backup`, sealed with the configured data key "
                             "(with --dry-run: default the newest nightly backup)")
    parser.add_argument("--dry-run", action="store_true",
                        help="a restore drill: restore into a temporary folder and open it; changes nothing")
    args = parser.parse_args(argv)
    if args.dry_run:
        return run_tool(environ, lambda settings: restore_drill(settings, args.path, now=now))
    if args.path is None:
        parser.error("the backup file to restore is required (or --dry-run for a drill)")

    def act(settings: Settings) -> str:
        kept = restore(settings, args.path, now=datetime.now(timezone.utc))
        return (f"restored {args.path} into {settings.database_path}"
                + (f"; the previous database is kept as {kept}" if kept else ""))
    return run_tool(environ, act)

"""``aftercare backup`` and ``aftercare restore``: consistent, verified, owner-only copies of the database.

Backups use SQLite's online backup API, so they are consistent while the bot runs.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone
from pathlib import Path

from bot.config import Settings
from bot.runtime import AlreadyRunning, OpsError, acquire_instance_lock, private_temp
from bot.store.health import copy_database, database_problems
from bot.tools.common import run_tool


def backup(settings: Settings, path: str | Path, now: datetime | None = None) -> Path:
    """Write a consistent, checked, owner-only copy of the database to ``path`` (a folder: a dated file in it)."""
    source, target = settings.database_path, Path(path)
    if not source.is_file():
        raise OpsError(f"there is no database at {source} to back up")
    if target.is_dir():
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"aftercare-{stamp}.db"
    if target.exists() and target.resolve() == source.resolve():
        raise OpsError("the backup path is the database itself; choose another file")
    if not target.parent.is_dir():
        raise OpsError(f"the folder {target.parent} does not exist")
    temp = private_temp(target.parent, ".aftercare-backup-")
    try:
        copy_database(source, temp)
        problems = database_problems(temp)
        if problems:
            raise OpsError(f"the backup did not verify: {'; '.join(problems)}")
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def restore(settings: Settings, path: str | Path) -> Path | None:
    """Replace the database with the backup at ``path`` once it verifies; returns the kept previous file.

    Refuses while the bot runs (it holds the lock, and this holds it too while replacing, so the bot
    cannot start half-way). The previous database is kept as ``aftercare.db.bak`` (0600).
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
            try:
                copy_database(source, candidate, source_read_only=True)
            except Exception as exc:  # noqa: BLE001 - sqlite3 raises several classes for "not a database"
                raise OpsError(f"{source} was not restored: cannot read it as SQLite ({exc})") from None
            problems = database_problems(candidate)
            if problems:
                raise OpsError(f"{source} was not restored: {'; '.join(problems)}")
            kept = None
            if database.exists():
                kept = database.with_name(database.name + ".bak")
                previous = private_temp(settings.data_dir, ".aftercare-previous-")
                copy_database(database, previous)  # includes what is still in the -wal
                os.replace(previous, kept)
                os.chmod(kept, 0o600)
                for suffix in ("-wal", "-shm"):  # the old WAL belongs to the old file: never replay it
                    database.with_name(database.name + suffix).unlink(missing_ok=True)
            os.replace(candidate, database)
            os.chmod(database, 0o600)
        finally:
            candidate.unlink(missing_ok=True)
    return kept


def backup_command(environ: dict[str, str], argv: list[str]) -> int:
    """`aftercare backup PATH`: a consistent, verified, owner-only copy; safe while the bot runs."""
    parser = argparse.ArgumentParser(prog="aftercare backup", description=backup_command.__doc__)
    parser.add_argument("path", help="the backup file to write, or a folder for a dated file")
    args = parser.parse_args(argv)
    return run_tool(environ, lambda settings: "backup written to {} (integrity check ok)".format(
        backup(settings, args.path, now=datetime.now(timezone.utc))))


def restore_command(environ: dict[str, str], argv: list[str]) -> int:
    """`aftercare restore PATH`: replace the database with a verified backup; the bot must be stopped."""
    parser = argparse.ArgumentParser(prog="aftercare restore", description=restore_command.__doc__)
    parser.add_argument("path", help="a file written by `aftercare backup`")
    args = parser.parse_args(argv)

    def act(settings: Settings) -> str:
        kept = restore(settings, args.path)
        return (f"restored {args.path} into {settings.database_path}"
                + (f"; the previous database is kept as {kept}" if kept else ""))
    return run_tool(environ, act)

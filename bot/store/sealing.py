"""Sealing at rest: which columns hold what patients gave us, the data key check, and the sealing of rows
written before a column was sealed.

Every answer a patient gives is sealed with the data key (bot/crypto.py): the enrolment answers (name,
immune system, cold sores, skin type), every check-in answer, its triage tokens and reasons, free text
and relayed messages. Plain stay only what the engine queries: ids, times, days, delivery state and
the triage level. A migration that seals a column gets the store's sealer through :func:`sealing_with`
(sqlite-utils hands a migration the database only).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Mapping

from sqlite_utils import Database

from bot.crypto import BLIND_PREFIX, CHECK_VALUE, DataKeyError, Sealer, is_sealed

_SEALER: ContextVar[Sealer | None] = ContextVar("aftercare_migration_sealer", default=None)


@contextmanager
def sealing_with(sealer: Sealer | None) -> Iterator[None]:
    """Make ``sealer`` the one migrations seal existing rows with, while they run."""
    token = _SEALER.set(sealer)
    try:
        yield
    finally:
        _SEALER.reset(token)


def check_key(db: Database, sealer: Sealer) -> None:
    """Remember a sealed value on first use; later, refuse a key that cannot open it."""
    row = db.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta (name, value) VALUES ('key_check', ?)", [sealer.seal(CHECK_VALUE)])
    elif sealer.open(row[0]) != CHECK_VALUE:
        raise DataKeyError("the data key does not match this database")


def seal_existing(db: Database, columns: Mapping[str, tuple[str, ...]]) -> int:
    """Seal, in place, every plain value in ``columns`` (table -> column names); returns how many.

    Runs inside a migration, with the sealer given by :func:`sealing_with`. Without one, a database
    that holds plain answers is refused (it would stay plain forever once the migration is recorded)."""
    sealer = _SEALER.get()
    if sealer is not None:
        check_key(db, sealer)  # never seal with a key other than the one the database was written with
    sealed = 0
    for table, names in columns.items():
        for column in names:
            rows = db.execute(f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"
                              f" AND {column} != ''").fetchall()
            plain = [(rowid, value) for rowid, value in rows if isinstance(value, str) and not is_sealed(value)]
            if plain and sealer is None:
                raise DataKeyError("this database holds patients' answers that are not sealed yet: open it "
                                   "once with the data key (start the bot) to seal them")
            for rowid, value in plain:
                db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [sealer.seal(value), rowid])
            sealed += len(plain)
    return sealed


def blind_existing(db: Database, table: str, column: str, sealed_column: str) -> None:
    """Move each plain ``column`` value into ``sealed_column`` (sealed) and keep a blind index in ``column``."""
    sealer = _SEALER.get()
    rows = db.execute(f"SELECT rowid, {column} FROM {table} WHERE {sealed_column} IS NULL").fetchall()
    if rows and sealer is None:
        raise DataKeyError("this database holds patients' answers that are not sealed yet: open it "
                           "once with the data key (start the bot) to seal them")
    for rowid, value in rows:
        db.execute(f"UPDATE {table} SET {column} = ?, {sealed_column} = ? WHERE rowid = ?",
                   [sealer.blind(value), sealer.seal(value), rowid])


def blind_in_place(db: Database, table: str, column: str) -> None:
    """Replace each plain, non-empty ``column`` value by its keyed hash (values only ever compared)."""
    sealer = _SEALER.get()
    if sealer is not None:
        check_key(db, sealer)  # never hash with a key other than the one the database was written with
    rows = db.execute(f"SELECT rowid, {column} FROM {table} WHERE {column} != '' AND {column} NOT LIKE ?",
                      [BLIND_PREFIX + "%"]).fetchall()
    if rows and sealer is None:
        raise DataKeyError("this database holds patients' answers that are not sealed yet: open it "
                           "once with the data key (start the bot) to seal them")
    for rowid, value in rows:
        db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [sealer.blind(value), rowid])


class Sealing:
    """Seal and open column values with the store's data key (the Store mixes this in)."""

    sealer: Sealer | None

    def seal_text(self, text: str | None) -> str:
        return "" if not text else self.sealer.seal(text) if self.sealer else text

    def open_text(self, stored: str | None) -> str:
        if not stored:
            return ""
        if not is_sealed(stored):
            return stored
        return self.sealer.open(stored) if self.sealer else ""

    def blind(self, text: str) -> str:
        """A keyed hash for a column that must stay unique per value (plain without a data key)."""
        return self.sealer.blind(text) if self.sealer else text

    def seal_json(self, value: Any) -> str:
        return self.seal_text(json.dumps(value))

    def open_json(self, stored: str | None, default: Any) -> Any:
        text = self.open_text(stored)
        return json.loads(text) if text else default

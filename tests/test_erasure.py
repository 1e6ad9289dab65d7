"""Erasure that erases: after /delete, a running bot's database and WAL files hold none of the patient's
bytes, and its logs never named the patient by their Telegram id.

A real process (`python -m bot`) against the fake Bot API; the files are read as raw bytes while it runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from pathlib import Path

from tests.test_process import CHAT, enrol, folder, polling, processes, say, server, start, tap  # noqa: F401


def raw_bytes(database: Path) -> bytes:
    """The database file and its -wal, as they are on disk."""
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def stored_values(database: Path) -> list[bytes]:
    """Every text value of the patient's row, read through a read-only connection (closed again)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM patients WHERE chat_id = ?", (CHAT,)).fetchone()
        return [value.encode() for value in dict(row).values() if isinstance(value, str) and len(value) >= 8]
    finally:
        conn.close()


def test_delete_leaves_no_patient_bytes_in_the_database_or_wal_and_logs_use_pseudonyms(server, folder, processes):
    """While the bot runs, /delete removes the patient's values from both files on disk (secure_delete and
    a WAL checkpoint), and the log calls the patient by a keyed pseudonym, never by chat id."""
    bot = start(processes, folder, server)
    polling(server, bot)
    enrol(server)
    database = folder / "data" / "aftercare.db"
    values = stored_values(database)
    assert b"Europe/London" in values and all(value in raw_bytes(database) for value in values)

    say(server, "/delete", "Erase everything?")
    tap(server, "Yes, erase everything", "has been erased")

    left = raw_bytes(database)  # the bot is still running: nothing has closed the database yet
    assert bot.proc.poll() is None
    assert [value for value in values if value in left] == []
    assert bot.terminate() == 0
    key = (folder / "data.key").read_text().strip().encode()
    derived = hmac.new(key, b"aftercare log pseudonyms", hashlib.sha256).digest()
    expected = "p-" + hmac.new(derived, str(CHAT).encode(), hashlib.sha256).hexdigest()[:12]
    records = [json.loads(line) for line in bot.output().splitlines() if line.strip()]
    erased = [r for r in records if r["event"] == "erased"]
    assert erased and erased[0]["chat"] == expected and "chat_id" not in erased[0]
    assert not [r for r in records if CHAT in r.values() or str(CHAT) in json.dumps(r)]

"""`aftercare backup` and `aftercare restore`: online, without a token, and refusing the ordinary mistakes.

Real files throughout; the online backup runs as a real process beside a real running bot.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime import OpsError, acquire_instance_lock
from bot.store import open_store
from bot.store.health import database_problems
from bot.tools.backup import backup, restore
from tests.conftest import START, make_settings
from tests.test_ops import add_patient
from tests.test_process import ROOT, enrol, folder, polling, processes, say, server, start  # noqa: F401 - fixtures

OTHER_KEY = "eDIhXF6U0ZCqzUkP7pLtp2h1v1Fb7oHl2lqGQgGm0fc="  # a valid Fernet key, not the test one


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder outside the data folder (the settings fixture's data folder is tmp_path itself)."""
    return tmp_path_factory.mktemp("backups")


def patients(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT chat_id FROM patients ORDER BY chat_id")]
    finally:
        conn.close()


def tool(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`aftercare ARGS` as its own process, with no token in its environment."""
    environ = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot.tools.cli", *args], cwd=folder, env=environ,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.process
def test_backup_runs_beside_the_running_bot_without_a_token(server, folder, processes):
    """While the bot runs, `aftercare backup` with no token writes a verified copy holding the enrolment,
    refuses to write over it again without --force, replaces it with --force, and the bot keeps answering."""
    bot = start(processes, folder, server)
    polling(server, bot)
    enrol(server)
    env = {"AFTERCARE_DATA_DIR": str(folder / "data"), "AFTERCARE_DATA_KEY_FILE": str(folder / "data.key")}
    (folder / "backups").mkdir()
    nightly = folder / "backups" / "nightly.db"

    first = tool(folder, "backup", str(nightly), **env)
    again = tool(folder, "backup", str(nightly), **env)
    forced = tool(folder, "backup", str(nightly), "--force", **env)

    assert first.returncode == 0, first.stderr
    assert database_problems(nightly) == [] and patients(nightly) == [1001] and mode(nightly) == 0o600
    assert again.returncode == 1 and "--force" in again.stderr
    assert forced.returncode == 0, forced.stderr
    assert bot.proc.poll() is None and say(server, "/help").text
    assert bot.terminate() == 0


@pytest.mark.parametrize("name", ["notes.txt", "data/aftercare.db-wal", "data/aftercare.lock", "data/copy.db",
                                  "data.key", ".env", "fresh.db-journal", "fresh.db-shm", "kept.db"])
def test_backup_refuses_every_target_but_a_new_file_or_an_old_backup_with_force(tmp_path, name):
    """Over an unrelated file, the WAL, the lock, the key or .env, into the data folder, onto a side-file name,
    or over an existing backup without --force: refused, and every file keeps its bytes."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data.key").write_text(OTHER_KEY + "\n")
    settings = make_settings(tmp_path / "data", AFTERCARE_DATA_KEY="", AFTERCARE_DATA_KEY_FILE=str(tmp_path / "data.key"))
    (tmp_path / "notes.txt").write_text("the clinic's notes\n")
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=1:x\n")
    store = open_store(settings.database_path, settings.sealer())
    add_patient(store)  # the store stays open, so the -wal and the bot's lock are live
    lock = acquire_instance_lock(settings.data_dir)
    backup(settings, tmp_path / "kept.db")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    try:
        with pytest.raises(OpsError, match="nothing written"):
            backup(settings, tmp_path / name)
        assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
        assert backup(settings, tmp_path / "kept.db", force=True) == tmp_path / "kept.db"
    finally:
        lock.release()
        store.close()


def test_restore_refuses_another_key_and_keeps_every_replaced_database(tmp_path, settings, store, outside):
    """A backup sealed with another data key is refused before anything is replaced; each accepted
    restore keeps what it replaced under its own timestamped name."""
    add_patient(store, 1001)
    written = backup(settings, outside / "b.db")
    store.close()
    (outside / "other").mkdir()
    stranger = make_settings(outside / "other", AFTERCARE_DATA_KEY=OTHER_KEY)
    foreign = open_store(stranger.database_path, stranger.sealer())
    add_patient(foreign, 3003)
    foreign.close()
    foreign_copy = backup(stranger, outside / "foreign.db")

    with pytest.raises(OpsError, match="another data key"):
        restore(settings, foreign_copy, now=START)
    assert patients(settings.database_path) == [1001]

    first = restore(settings, written, now=START)
    second = restore(settings, written, now=START)
    kept = sorted(p.name for p in settings.data_dir.glob("aftercare.db.*.bak"))
    assert kept == ["aftercare.db.20261123T090000Z-2.bak", "aftercare.db.20261123T090000Z.bak"]
    assert {first.name, second.name} == set(kept) and all(mode(settings.data_dir / k) == 0o600 for k in kept)


def test_restore_refuses_a_backup_whose_sealed_values_are_damaged_and_leaves_the_live_database(settings, store,
                                                                                                outside):
    """One damaged character in one patient's sealed name in the backup: restore opens every sealed value
    first, names the column, and replaces nothing (the live file keeps every byte, no .bak, no temp)."""
    for chat_id, name in ((1001, "Ana"), (1002, "Bob")):
        add_patient(store, chat_id)
        store.db.execute("UPDATE patients SET display_name = ? WHERE chat_id = ?", [store.seal_text(name), chat_id])
    store.db.conn.commit()
    written = backup(settings, outside / "b.db")
    store.close()
    conn = sqlite3.connect(written)
    sealed = conn.execute("SELECT display_name FROM patients WHERE chat_id = 1002").fetchone()[0]
    middle = len(sealed) // 2
    flipped = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1:]
    conn.execute("UPDATE patients SET display_name = ? WHERE chat_id = 1002", [flipped])
    conn.commit()
    conn.close()
    assert database_problems(written) == []  # still a sound SQLite file: only the sealed value is wrong
    live = settings.database_path.read_bytes()

    with pytest.raises(OpsError, match=r"1 of 2 values in patients\.display_name"):
        restore(settings, written, now=START)
    assert settings.database_path.read_bytes() == live
    assert not list(settings.data_dir.glob("*.bak"))
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".aftercare-")]


def test_paths_with_hash_question_mark_and_percent_name_the_right_file(tmp_path, settings, store, outside):
    """A backup at `we#ird?name%41.db` is written and restored as that very file, never as the `we` file
    that a naive SQLite URI would cut the name down to."""
    add_patient(store, 1001)
    odd = backup(settings, outside / "we#ird?name%41.db")
    store.db.execute("DELETE FROM patients")
    store.db.conn.commit()
    add_patient(store, 2002)
    backup(settings, outside / "we")  # a decoy with the other patient, at the cut-down name
    store.close()

    assert odd.exists() and patients(odd) == [1001]
    restore(settings, odd, now=START)
    assert patients(settings.database_path) == [1001]
# ---- backup and restore --------------------------------------------------------------------------
def test_backup_and_restore_round_trip(settings, store, outside):
    """A backup verifies and is 0600; restoring it brings the data back and keeps the previous file as .bak."""
    add_patient(store, 1001)
    target = outside
    written = backup(settings, target, now=START)
    assert written.name == "aftercare-20261123T090000Z.db" and mode(written) == 0o600
    assert database_problems(written) == []
    assert not Path(str(written) + "-wal").exists()  # one self-contained file
    store.db.execute("DELETE FROM patients")
    add_patient(store, 2002)
    store.close()

    kept = restore(settings, written)

    reopened = open_store(settings.database_path)
    assert [r[0] for r in reopened.db.execute("SELECT chat_id FROM patients")] == [1001]
    reopened.close()
    assert kept is not None and mode(kept) == 0o600
    old = sqlite3.connect(kept)
    assert [r[0] for r in old.execute("SELECT chat_id FROM patients")] == [2002]
    old.close()


def test_restore_is_refused_while_the_bot_runs(settings, store, outside):
    """With the instance lock held by the bot, restore refuses and leaves the database alone."""
    add_patient(store)
    copy = backup(settings, outside / "b.db")
    with acquire_instance_lock(settings.data_dir):
        with pytest.raises(OpsError, match="while the bot is running"):
            restore(settings, copy)
    assert not list(settings.data_dir.glob("*.bak"))


@pytest.mark.parametrize("content", ["sqlite-other-app", "text"])
def test_restore_refuses_a_file_that_is_not_an_aftercare_database(settings, store, tmp_path, content):
    """Another application's SQLite file, or not SQLite at all, is refused before anything is replaced."""
    add_patient(store)
    store.close()
    other = tmp_path / "other.db"
    if content == "text":
        other.write_text("not a database at all, just some text " * 50)
    else:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
        conn.close()
    with pytest.raises(OpsError, match="was not restored"):
        restore(settings, other)
    reopened = open_store(settings.database_path)
    assert reopened.db.execute("SELECT count(*) FROM patients").fetchone()[0] == 1
    reopened.close()
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".aftercare-")]




# ---- a damaged database --------------------------------------------------------------------------
DAMAGES = {"zeroed header": lambda data: bytes(100) + data[100:], "truncated": lambda data: data[:len(data) // 2]}


@pytest.mark.process
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_database_stops_start_up_in_one_line_and_restore_puts_the_backup_back(tmp_path, outside, damage):
    """`python -m bot` on a zeroed-header or truncated database exits 2 with one line naming the file and
    `aftercare restore`, no traceback; that restore then works on the damaged file and keeps it beside."""
    data = tmp_path / "data"
    data.mkdir()
    settings = make_settings(data)
    store = open_store(settings.database_path, settings.sealer())
    for chat_id in range(1001, 1201):  # enough rows for several pages, so half the file is a real loss
        add_patient(store, chat_id)
    written = backup(settings, outside / "nightly.db")
    store.close()
    damaged = DAMAGES[damage](settings.database_path.read_bytes())
    settings.database_path.write_bytes(damaged)
    for side in ("-wal", "-shm"):
        settings.database_path.with_name(settings.database_path.name + side).unlink(missing_ok=True)
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
           "AFTERCARE_DATA_DIR": str(data), "AFTERCARE_DATA_KEY": settings.data_key, "AFTERCARE_LOG_FORMAT": "json"}

    started = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env})
    assert started.returncode == 2 and "Traceback" not in started.stderr, started.stderr
    assert started.stderr.count("\n") == 1 and str(settings.database_path) in started.stderr
    assert "is damaged" in started.stderr and "aftercare restore" in started.stderr
    assert settings.database_path.read_bytes() == damaged  # start-up changed nothing

    restored = tool(tmp_path, "restore", str(written), **env)
    assert restored.returncode == 0, restored.stderr
    assert patients(settings.database_path) == list(range(1001, 1201))
    assert [p.read_bytes() for p in data.glob("aftercare.db.*.bak")] == [damaged]

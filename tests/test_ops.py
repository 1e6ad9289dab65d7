"""Running as a service: the instance lock, SQLite settings and file modes, backup/restore, health, watchdog."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.runtime import (TICK_NAME, AlreadyRunning, OpsError, Watchdog, acquire_instance_lock, read_tick, record_tick,
                         watchdog_check)
from bot.serve import prepare_data_dir
from bot.tools.health import healthcheck, healthcheck_command
from bot.store import open_store
from bot.store.health import HealthProbe
from bot.store.records import iso
from tests.conftest import DATA_KEY, START, TOKEN

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def add_patient(store, chat_id: int = 1001) -> int:
    """A patient with one treatment; returns the treatment id (raw rows: these tests are about files)."""
    stamp = iso(START)
    store.db.execute("INSERT INTO patients (chat_id, status, consent_at, created_at, updated_at)"
                     " VALUES (?, 'active', ?, ?, ?)", [chat_id, stamp, stamp, stamp])
    cursor = store.db.execute("INSERT INTO treatments (chat_id, plan, treatment_date, created_at)"
                              " VALUES (?, 'microneedling', '2026-11-23', ?)", [chat_id, stamp])
    store.db.conn.commit()
    return cursor.lastrowid


def add_delivery(store, treatment_id: int, due, state: str = "pending", chat_id: int = 1001) -> None:
    store.db.execute(
        "INSERT INTO deliveries (chat_id, treatment_id, step, day, kind, slot, message_key, due_at, state,"
        " updated_at) VALUES (?, ?, ?, 1, 'sunscreen', 'morning', 'reminders.sunscreen', ?, ?, ?)",
        [chat_id, treatment_id, f"s{due.isoformat()}", iso(due), state, iso(START)])
    store.db.conn.commit()


# ---- one instance ------------------------------------------------------------------------------
@pytest.mark.process
def test_second_process_exits_with_a_clear_message(tmp_path):
    """A second bot against a data folder whose lock is held exits at once, naming the folder."""
    with acquire_instance_lock(tmp_path):
        env = {"PATH": os.environ.get("PATH", ""), "TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path),
               "TELEGRAM_API_URL": "http://127.0.0.1:9/bot", "AFTERCARE_LOG_FORMAT": "json",
               "AFTERCARE_DATA_KEY": DATA_KEY}
        done = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 3
    assert "already running" in done.stderr and str(tmp_path) in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_second_lock_in_the_same_process_fails_and_release_frees_it(tmp_path):
    """flock conflicts between two opens of the lock file; releasing lets the next owner in; the file is 0600."""
    first = acquire_instance_lock(tmp_path)
    with pytest.raises(AlreadyRunning, match="stop it first"):
        acquire_instance_lock(tmp_path)
    assert mode(first.path) == 0o600
    first.release()
    acquire_instance_lock(tmp_path).release()


TAKE_LOCK = """
import sys
from bot.runtime import AlreadyRunning, acquire_instance_lock
try:
    acquire_instance_lock(sys.argv[1])
except AlreadyRunning:
    sys.exit(3)
"""


def take_lock_in_another_process(folder: Path) -> int:
    """Exit code of a real second process trying the data folder's lock: 3 refused, 0 taken (then let go)."""
    return subprocess.run([sys.executable, "-c", TAKE_LOCK, str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60).returncode


@pytest.mark.process
def test_a_deleted_lock_file_does_not_let_a_second_process_in(tmp_path):
    """The lock lives on the data folder itself: with aftercare.lock deleted (a tmp cleaner, an operator), a
    second process is still refused while the first runs, and gets in once it has stopped."""
    first = acquire_instance_lock(tmp_path)
    assert take_lock_in_another_process(tmp_path) == 3
    (tmp_path / "aftercare.lock").unlink()
    assert take_lock_in_another_process(tmp_path) == 3
    first.release()
    assert take_lock_in_another_process(tmp_path) == 0


def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(tmp_path):
    """A symlink planted as aftercare.lock is never followed: the lock is refused in one sentence that names
    it, the file it points to keeps every byte, and the folder is free again for a real lock file."""
    data, target = tmp_path / "data", tmp_path / "precious.txt"
    data.mkdir()
    target.write_text("the clinic's only copy\n", encoding="utf-8")
    (data / "aftercare.lock").symlink_to(target)
    with pytest.raises(OpsError, match="is a symbolic link") as refused:
        acquire_instance_lock(data)
    assert "\n" not in str(refused.value) and str(data / "aftercare.lock") in str(refused.value)
    assert not isinstance(refused.value, AlreadyRunning)
    assert target.read_text(encoding="utf-8") == "the clinic's only copy\n"
    (data / "aftercare.lock").unlink()
    acquire_instance_lock(data).release()  # the folder's own lock was let go with the refusal


@pytest.mark.process
def test_start_up_with_a_symlinked_lock_file_is_one_clear_line(tmp_path):
    """`python -m bot` with a symlink for aftercare.lock exits 2 with one line, before any network, and the
    link's target is not truncated."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "aftercare.lock").symlink_to(target)
    env = {"PATH": os.environ.get("PATH", ""), "TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(data),
           "TELEGRAM_API_URL": "http://127.0.0.1:9/bot", "AFTERCARE_LOG_FORMAT": "json",
           "AFTERCARE_DATA_KEY": DATA_KEY}
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"


# ---- SQLite for a service ----------------------------------------------------------------------
def test_pragmas_read_back_from_a_file_database(store):
    """The store opens in WAL with a busy timeout of at least 5 s, foreign keys on and synchronous NORMAL."""
    pragma = lambda name: store.db.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("busy_timeout") >= 5000
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1


def test_in_memory_store_still_opens():
    """The in-memory store used by quick tests keeps working with foreign keys on."""
    store = open_store(None)
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_data_folder_is_0700_and_every_file_in_it_0600(tmp_path, settings, store):
    """Database, WAL, lock and tick are owner-only and the folder is 0700."""
    prepare_data_dir(settings, explicit=True)
    add_patient(store)
    lock = acquire_instance_lock(settings.data_dir)
    record_tick(settings.data_dir, START)
    lock.release()
    assert mode(settings.data_dir) == 0o700
    files = [p for p in settings.data_dir.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"aftercare.db", "aftercare.db-wal", "aftercare.lock", TICK_NAME}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_a_configured_data_folder_that_is_missing_stops_start_up(tmp_path):
    """AFTERCARE_DATA_DIR naming a missing folder is refused rather than silently created."""
    from bot.config import ConfigError
    from tests.conftest import make_settings
    settings = make_settings(tmp_path / "missing")
    with pytest.raises(ConfigError, match="AFTERCARE_DATA_DIR"):
        prepare_data_dir(settings, explicit=True)
    assert not (tmp_path / "missing").exists()


# ---- health --------------------------------------------------------------------------------------
def test_healthcheck_passes_when_fresh(settings, store):
    """A recent tick, a writable database and nothing overdue: no problems."""
    treatment = add_patient(store)
    add_delivery(store, treatment, START - timedelta(minutes=5))  # a little late is normal in a busy morning
    add_delivery(store, treatment, START + timedelta(hours=1))
    record_tick(settings.data_dir, START - timedelta(seconds=30))
    assert healthcheck(settings, START, max_overdue_minutes=30, tick_interval_s=60) == []


def test_healthcheck_fails_on_a_stale_tick(settings, store):
    """A dispatcher that has not ticked for more than twice its interval is reported as stuck."""
    record_tick(settings.data_dir, START - timedelta(seconds=121))
    problems = healthcheck(settings, START, tick_interval_s=60)
    assert len(problems) == 1 and "looks stuck" in problems[0]
    assert healthcheck_command({"AFTERCARE_DATA_DIR": str(settings.data_dir)}, [], now=START) == 1


def test_healthcheck_fails_on_a_missing_tick(settings, store):
    """No tick file at all (a dispatcher that never ran) is a problem too."""
    assert any("has not recorded a run" in p for p in healthcheck(settings, START))


def test_healthcheck_fails_on_an_overdue_delivery(settings, store):
    """A pending delivery later than the configured minutes is reported with its due instant only."""
    treatment = add_patient(store)
    add_delivery(store, treatment, START - timedelta(minutes=45))
    record_tick(settings.data_dir, START)
    problems = healthcheck(settings, START, max_overdue_minutes=30)
    assert problems == ["a delivery due at 2026-11-23T08:15:00+00:00 is 45 minutes overdue (more than 30)"]
    assert healthcheck(settings, START, max_overdue_minutes=60) == []
    assert healthcheck_command({"AFTERCARE_DATA_DIR": str(settings.data_dir)}, ["--max-overdue-minutes", "60"],
                               now=START) == 0


def test_healthcheck_fails_without_a_database(tmp_path):
    """A data folder without a database (wrong volume, say) is unhealthy and nothing is created."""
    from tests.conftest import make_settings
    settings = make_settings(tmp_path)
    assert "does not exist" in healthcheck(settings, START)[0]
    assert not settings.database_path.exists()


def test_writable_is_false_on_a_read_only_connection(settings, store):
    """The write probe fails when SQLite cannot take the write lock (here: a read-only connection)."""
    probe = HealthProbe(settings.database_path)
    assert probe.writable()
    probe.close()
    readonly = HealthProbe(settings.database_path)
    readonly.db.conn.close()
    readonly.db = type(readonly.db)(sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True))
    assert not readonly.writable()
    readonly.close()


def test_tick_is_replaced_atomically_and_read_back(tmp_path):
    """record_tick leaves exactly one 0600 tick file holding the last instant."""
    record_tick(tmp_path, START)
    record_tick(tmp_path, START + timedelta(minutes=1))
    assert read_tick(tmp_path) == START + timedelta(minutes=1)
    assert [p.name for p in tmp_path.iterdir()] == [TICK_NAME] and mode(tmp_path / TICK_NAME) == 0o600


# ---- watchdog ------------------------------------------------------------------------------------
@pytest.mark.parametrize("tick_age_s, tick_before_start, stuck", [
    (None, False, False),   # never ticked in this process: the health check reports it, the watchdog waits
    (299, False, False),
    (301, False, True),     # 5 intervals of 60 s without a run
    (3600, True, False),    # an old tick from the previous process does not count
])
def test_watchdog_check(tmp_path, tick_age_s, tick_before_start, stuck):
    """The watchdog calls the dispatcher stuck only after five intervals without a tick of this process."""
    started = START - timedelta(seconds=600) if not tick_before_start else START - timedelta(seconds=60)
    if tick_age_s is not None:
        record_tick(tmp_path, START - timedelta(seconds=tick_age_s))
    assert watchdog_check(tmp_path, START, 60, started_at=started) is stuck


def test_watchdog_fires_once_and_asks_the_process_to_stop(tmp_path):
    """On a stuck dispatcher the watchdog signals the process once and remembers it fired."""
    kills = []
    record_tick(tmp_path, START)
    watchdog = Watchdog(tmp_path, now=lambda: START - timedelta(seconds=1), kill=lambda: kills.append(1))
    assert not watchdog.check(START + timedelta(seconds=120))
    assert watchdog.check(START + timedelta(seconds=301))
    assert not watchdog.check(START + timedelta(seconds=900))
    assert kills == [1] and watchdog.fired

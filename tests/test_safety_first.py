"""Safety first, then storage (issue 26): the emergency advice never waits on a database write, and a clinic
alert that could not be written reaches the clinic, once, as soon as writes work again.

Each fault is real: a second sqlite3 connection holding the write lock, the store's own connection made
read-only (``PRAGMA query_only``, which stops writes even for root, where a chmod 0444 does not), and a full
filesystem (a small tmpfs, where this machine lets a test mount one).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from bot.store.journal import journal_path
from bot.tools.simulated_updates import as_update
from tests.conftest import CLINIC_CHAT, clinic_settings, enrol, start
from tests.texts import said, shows

A = 1001
THROAT = "my throat is closing up"


def alerts_posted(bot) -> list[str]:
    """The alerts the clinic chat got (not the patients' relays or anything else)."""
    return [m.text for m in bot.telegram.chat(CLINIC_CHAT) if m.text.startswith("⚠️ EMERGENCY")]


def journal_lines(settings) -> list[str]:
    path = journal_path(settings.database_path)
    return path.read_text().splitlines() if path.exists() else []


def assert_advised_not_apologised(sent, advice: str = "checkin.safety_advice_emergency") -> None:
    """The emergency ``advice`` came (a typed sign's, or the check-in's emergency result), with the kind line that
    the check-in was not saved, and no generic apology."""
    texts = [m.text for m in sent]
    assert any(shows(t, advice, at_start=True) for t in texts), texts
    assert any(said("checkin.not_stored") in t for t in texts), texts
    assert said("common.error") not in texts


@pytest.fixture
async def clinic(tmp_path, clock):
    """A bot with a clinic chat on a database file; the store's own connection fails at once on a lock (as the
    other fault tests set it), so nothing in a test waits for real."""
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    await enrol(bot.phone, A)
    store.db.execute("PRAGMA busy_timeout = 0")
    store.worker_wait = 0  # the worker thread's bounded wait for a lock: none in a test
    yield bot, settings
    await bot.phone.app.shutdown()
    store.close()


async def delivered_once_after(bot, settings) -> None:
    """Two dispatcher runs once writes work again: the journaled alert is posted to the clinic exactly once."""
    now = bot.phone.clock.now()
    await bot.run(now + timedelta(minutes=1))
    await bot.run(now + timedelta(minutes=2))
    assert len(alerts_posted(bot)) == 1, alerts_posted(bot)
    assert journal_lines(settings) == []
    assert len(bot.store.alerts(open_only=False)) == 1


async def test_typed_emergency_with_the_write_lock_held_elsewhere_advises_then_alerts_once(clinic):
    """Another process holds the write lock while the patient types an emergency sign: the advice is sent, the
    alert is journaled (sealed, 0600), and once the lock is gone the clinic gets it exactly once."""
    bot, settings = clinic
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        sent = await bot.phone.send(A, THROAT)
        assert_advised_not_apologised(sent)
        lines = journal_lines(settings)
        assert len(lines) == 1 and "throat" not in lines[0] and "emergency" not in lines[0]
        assert stat.S_IMODE(os.stat(journal_path(settings.database_path)).st_mode) == 0o600
        assert alerts_posted(bot) == []
        try:  # still locked: the run cannot replay the journal (nor claim what it writes), and keeps it
            await bot.run(bot.phone.clock.now())
        except sqlite3.OperationalError:
            pass
        assert len(journal_lines(settings)) == 1 and alerts_posted(bot) == []
    finally:
        blocker.execute("ROLLBACK") if blocker.in_transaction else None
        blocker.close()
    await delivered_once_after(bot, settings)
    assert THROAT in alerts_posted(bot)[0]  # staff see the patient's own words, as with any typed sign


async def test_a_journal_replayed_again_after_a_crash_alerts_once(clinic):
    """A crash after the journal was replayed but before it was cleared: the next run finds the same record and
    the clinic still gets one alert (each record is replayed once, by its id)."""
    bot, settings = clinic
    bot.store.db.execute("PRAGMA query_only = ON")
    await bot.phone.send(A, THROAT)
    bot.store.db.execute("PRAGMA query_only = OFF")
    path = journal_path(settings.database_path)
    kept = path.read_bytes()
    await bot.run(bot.phone.clock.now())
    assert not path.exists() and len(alerts_posted(bot)) == 1
    path.write_bytes(kept)  # as if the process died before the clear reached the disk
    await delivered_once_after(bot, settings)


async def test_a_lock_held_elsewhere_is_waited_out_off_the_event_loop(clinic):
    """While another process holds the write lock, the emergency advice is out and the event loop stays free (the
    wait is in a worker thread); once the lock is released the alert is stored and posted, with no journal."""
    bot, settings = clinic
    bot.store.worker_wait = 60  # long enough that only the release below ends the wait
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    before = len(bot.telegram.chat(A))
    update = as_update(bot.telegram.message(A, THROAT), bot.phone.app.bot)
    handling = asyncio.ensure_future(bot.phone.app.process_update(update))
    try:
        for _ in range(200):  # the loop runs this test's own code while the handler waits for the lock
            await asyncio.sleep(0)
        sent = [m.text for m in bot.telegram.chat(A)[before:]]
        assert any(shows(t, "checkin.safety_advice_emergency", at_start=True) for t in sent), sent
        assert not handling.done()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await handling
    sent = [m.text for m in bot.telegram.chat(A)[before:]]
    assert said("checkin.not_stored") not in sent and said("common.error") not in sent
    assert journal_lines(settings) == [] and len(alerts_posted(bot)) == 1
    assert bot.store.open_checkin(A) is not None  # the check-in goes on, stored


async def test_tapping_yes_at_the_safety_question_with_the_write_lock_held_elsewhere_advises_then_alerts_once(
        clinic):
    """Another process holds the write lock when the patient taps Yes at Q1: the emergency advice is sent, and
    the alert reaches the clinic once after the lock is released."""
    bot, settings = clinic
    await bot.phone.send(A, "/checkin")
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        sent = await bot.phone.tap(A, "Yes")
        assert_advised_not_apologised(sent, "triage.level_emergency")
        assert len(journal_lines(settings)) == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await delivered_once_after(bot, settings)


async def test_not_sure_at_the_safety_question_on_a_read_only_database_advises_then_alerts_once(clinic):
    """The store cannot write at all (read-only, even for root): "Not sure" at Q1 still gives the emergency
    advice, and the alert goes out once writes work again."""
    bot, settings = clinic
    await bot.phone.send(A, "/checkin")
    bot.store.db.execute("PRAGMA query_only = ON")
    sent = await bot.phone.tap(A, "Not sure")
    assert_advised_not_apologised(sent, "triage.level_emergency")
    assert len(journal_lines(settings)) == 1
    bot.store.db.execute("PRAGMA query_only = OFF")
    await delivered_once_after(bot, settings)


async def test_typed_emergency_on_a_read_only_database_advises_then_alerts_once(clinic):
    """The store cannot write at all: a typed emergency sign still gets the advice, and the alert arrives once."""
    bot, settings = clinic
    bot.store.db.execute("PRAGMA query_only = ON")
    assert_advised_not_apologised(await bot.phone.send(A, THROAT))
    bot.store.db.execute("PRAGMA query_only = OFF")
    await delivered_once_after(bot, settings)


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs for the data folder, where this machine lets the test mount one (root, no sandbox)."""
    where = tmp_path / "disk"
    where.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a full filesystem needs a tmpfs mount (root and the mount command)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def fill(where: Path) -> Path:
    """Fill the filesystem to the last byte; returns the filler file to delete."""
    filler = where / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:  # ENOSPC: full
            pass
    return filler


async def test_typed_emergency_on_a_full_disk_advises_then_alerts_once(small_disk, clock):
    """The disk is full (not even the journal fits): the advice is sent, and after space is freed the next
    dispatcher runs deliver the alert exactly once."""
    settings = clinic_settings(small_disk)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    try:
        await enrol(bot.phone, A)
        filler = fill(small_disk)
        assert_advised_not_apologised(await bot.phone.send(A, THROAT))
        assert alerts_posted(bot) == []
        filler.unlink()
        await delivered_once_after(bot, settings)
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_typed_urgent_sign_on_a_read_only_database_advises_then_alerts_once(clinic):
    """An urgent sign (U10: a fever) typed while nothing can be written: its advice to call the clinic today is
    sent, and the urgent alert reaches the clinic once writes work again."""
    bot, settings = clinic
    bot.store.db.execute("PRAGMA query_only = ON")
    sent = [m.text for m in await bot.phone.send(A, "I have a fever and the area is hot")]
    assert any(said("checkin.not_stored") in t for t in sent) and said("common.error") not in sent
    assert any(settings.clinic.phone in t for t in sent[:-1]), sent  # the advice itself, before the kind line
    bot.store.db.execute("PRAGMA query_only = OFF")
    now = bot.phone.clock.now()
    await bot.run(now + timedelta(minutes=1))
    await bot.run(now + timedelta(minutes=2))
    urgent = [m.text for m in bot.telegram.chat(CLINIC_CHAT) if m.text.startswith("⚠️ URGENT")]
    assert len(urgent) == 1 and journal_lines(settings) == []

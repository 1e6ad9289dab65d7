"""Database faults during a burst: a real second connection holds the write lock; nothing is lost or sent twice."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import timedelta

import pytest

from bot.store import open_store
from tests.conftest import enrol, make_settings, start
from tests.test_dispatch import DAY0_EVENING
from tests.texts import said

CHATS = [2000 + i for i in range(20)]
EVENING = "Day 0 check-in"  # in the evening bundle every patient gets once


@pytest.fixture
async def burst(tmp_path, clock):
    """Twenty enrolled patients; the store fails at once on a lock instead of waiting 10 s for it."""
    settings = make_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    for chat in CHATS:
        await enrol(bot.phone, chat)
    store.db.execute("PRAGMA busy_timeout = 0")
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    yield bot, blocker
    blocker.close()
    await bot.phone.app.shutdown()
    store.close()


def lock_after(bot, blocker, sends: int) -> list[int]:
    """Take the write lock from the second connection once ``sends`` evening messages have gone out."""
    seen: list[int] = []
    observe = bot.telegram.observer

    def observer(event, sent) -> None:
        observe(event, sent)
        if event == "sent" and EVENING in sent.text:
            seen.append(sent.chat_id)
            if len(seen) == sends:
                blocker.execute("BEGIN IMMEDIATE")
    bot.telegram.observer = observer
    return seen


async def test_a_locked_database_mid_burst_sends_nothing_twice(burst):
    """With the lock held mid-burst the run stops; the next run sends each patient's reminder exactly once."""
    bot, blocker = burst
    seen = lock_after(bot, blocker, 5)
    with pytest.raises(sqlite3.OperationalError):
        await bot.run(DAY0_EVENING)
    assert 5 <= len(seen) < len(CHATS)
    blocker.execute("COMMIT")
    await bot.run(DAY0_EVENING + timedelta(minutes=1))
    await bot.run(DAY0_EVENING + timedelta(minutes=5))
    counts = Counter(seen)
    assert sorted(counts) == CHATS and set(counts.values()) == {1}, counts  # lost 0, duplicates 0
    for chat in CHATS:
        assert {r.state for r in bot.store.deliveries(chat) if r.due_at == DAY0_EVENING} == {"sent"}


async def test_the_stale_queue_never_reaches_an_erased_or_stopped_patient(burst):
    """A patient who used /delete or /stop while the database was locked gets nothing from the stalled run."""
    bot, blocker = burst
    seen = lock_after(bot, blocker, 3)
    with pytest.raises(sqlite3.OperationalError):
        await bot.run(DAY0_EVENING)
    blocker.execute("COMMIT")
    erased, stopped = CHATS[-1], CHATS[-2]
    assert erased not in seen and stopped not in seen
    await bot.phone.send(erased, "/delete")
    await bot.phone.tap(erased, "Yes, erase everything")
    await bot.phone.send(stopped, "/stop")
    await bot.phone.tap(stopped, "Everything")
    await bot.run(DAY0_EVENING + timedelta(minutes=1))
    counts = Counter(seen)
    assert erased not in counts and stopped not in counts
    assert sorted(counts) == CHATS[:-2] and set(counts.values()) == {1}, counts


async def test_a_failed_record_of_a_sent_alert_is_not_sent_again(tmp_path, clock):
    """An alert Telegram took whose record failed is recorded later, never posted twice."""
    from tests.test_alerts import CLINIC, red_flag
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC))
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        await enrol(bot.phone, 1001)
        store.db.execute("PRAGMA busy_timeout = 0")
        observe = bot.telegram.observer

        def observer(event, sent) -> None:
            observe(event, sent)
            if event == "sent" and sent.chat_id == CLINIC:
                blocker.execute("BEGIN IMMEDIATE")
        bot.telegram.observer = observer
        await red_flag(bot)
        bot.telegram.observer = observe
        blocker.execute("COMMIT")
        for minutes in (1, 3, 10):
            await bot.run(bot.phone.clock.now() + timedelta(minutes=minutes))
        assert len(bot.telegram.chat(CLINIC)) == 1
        assert store.alerts(open_only=False)[0].id == 1
        assert [row.state for row in store.outbox()] == ["sent"]
    finally:
        blocker.close()
        await bot.phone.app.shutdown()
        store.close()


async def test_an_alert_left_claimed_by_a_crash_is_sent_after_a_restart(tmp_path, clock):
    """An alert recorded but never sent (its try died mid-way, as in a crash) is sent once after a restart."""
    from tests.conftest import open_phone
    from tests.test_alerts import CLINIC, red_flag
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC))
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    await enrol(bot.phone, 1001)
    store.db.execute("PRAGMA busy_timeout = 0")
    bot.telegram.fail_next("sendMessage", "network", chat_id=CLINIC)
    original = bot.telegram.handle

    def handle(method, params, files=None):
        if method == "sendMessage" and str(params.get("chat_id")) == str(CLINIC):
            blocker.execute("BEGIN IMMEDIATE")  # the try fails and nothing can be written after it
        return original(method, params, files)
    bot.telegram.handle = handle
    await red_flag(bot)
    bot.telegram.handle = original
    blocker.execute("COMMIT")
    blocker.close()
    assert [row.state for row in store.outbox()] == ["claimed"] and bot.telegram.chat(CLINIC) == []
    store.close()  # killed

    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock, bot.telegram)
    try:
        await phone.run_jobs(clock.advance(timedelta(minutes=1)))
        assert phone.telegram.chat(CLINIC) == []  # a handler may still be sending it: not yet
        await phone.run_jobs(clock.advance(timedelta(minutes=2)))
        await phone.run_jobs(clock.advance(timedelta(minutes=5)))
        assert len(phone.telegram.chat(CLINIC)) == 1 and phone.telegram.last(CLINIC).text.startswith("⚠️ " + said("checkin.level_label_emergency"))
    finally:
        await phone.app.shutdown()
        await bot.phone.app.shutdown()
        store.close()

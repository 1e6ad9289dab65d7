"""One slow chat never delays another, one chat stays in order, and repeated input counts once (real app)."""

from __future__ import annotations

import asyncio
import copy
import logging
import sqlite3
from datetime import timedelta

import pytest

from bot.store import open_store
from bot.tools.simulated_updates import as_update
from tests.conftest import enrol, open_phone
from tests.test_alerts import CLINIC, THROAT, clinic_settings
from tests.texts import said, shows

A, B = 1001, 1002


class Gate:
    """The retry layer's sleep: records each wait; a wait of a second or more blocks until the gate opens."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.opened = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if seconds >= 1:
            await self.opened.wait()


@pytest.fixture
async def gated(tmp_path, clock):
    """A phone whose retry layer blocks on any wait of a second or more, with a clinic chat."""
    from bot.store import open_store
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    gate = Gate()
    phone = await open_phone(settings, store, clock, sleep=gate)
    yield phone, gate
    gate.opened.set()
    await phone.app.shutdown()
    store.close()


def through(phone, data: dict) -> asyncio.Task:
    """Hand an update to the application's update processor, as polling or the webhook does."""
    update = as_update(data, phone.app.bot)
    return asyncio.ensure_future(phone.app.update_processor.process_update(update, phone.app.process_update(update)))


async def settle(rounds: int = 200) -> None:
    """Let the event loop run what is ready (no time passes)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_a_chat_in_429_never_delays_another_patients_emergency(gated):
    """While one chat's reply is throttled for 30 s, another patient's emergency advice and alert go out at once."""
    phone, gate = gated
    await enrol(phone, A)
    await enrol(phone, B)
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=A, value=30)
    slow = through(phone, phone.telegram.message(A, "/help"))
    urgent = through(phone, phone.telegram.message(B, THROAT))
    await settle()
    assert urgent.done() and slow.done(), "a handler slept through a chat's retry_after"
    assert any(t.startswith("⚠️ Call 999 now") for t in phone.telegram.texts(B))
    assert phone.telegram.last(CLINIC).text.startswith("⚠️ " + said("checkin.level_label_emergency"))
    assert max(gate.waits, default=0) < 1


async def test_a_long_retry_after_parks_the_reply_and_keeps_the_chat_in_order(gated):
    """A reply Telegram throttles for 30 s waits in the alert outbox with the chat's next reply; both arrive once, in
    order."""
    phone, gate = gated
    await enrol(phone, A)
    before = len(phone.telegram.chat(A))
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=A, value=30)
    for text in ("/help", "/privacy"):
        task = through(phone, phone.telegram.message(A, text))
        await settle()
        assert task.done(), "the handler waited for Telegram's retry_after"
    assert phone.telegram.chat(A)[before:] == []
    assert [row.kind for row in phone.store.outbox(about=A)] == ["reply", "reply"]
    await phone.run_jobs(phone.clock.advance(timedelta(seconds=10)))
    assert phone.telegram.chat(A)[before:] == []  # not before Telegram allows
    await phone.run_jobs(phone.clock.advance(timedelta(seconds=21)))
    texts = phone.telegram.texts(A)[before:]
    assert len(texts) == 2 and shows(texts[0], "common.help") and shows(texts[1], "control.privacy", at_start=True)
    await phone.run_jobs(phone.clock.advance(timedelta(minutes=5)))
    assert len(phone.telegram.chat(A)) == before + 2


async def test_one_chats_updates_run_one_at_a_time_in_order(gated):
    """A chat's second message waits for its first to be handled; another chat is not held up meanwhile."""
    phone, gate = gated
    await enrol(phone, A)
    await enrol(phone, B)
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=A, value=1)  # a one-second wait, inline
    first = through(phone, phone.telegram.message(A, "/help"))
    second = through(phone, phone.telegram.message(A, "/privacy"))
    other = through(phone, phone.telegram.message(B, "/help"))
    before = len(phone.telegram.chat(A))
    await settle()
    assert other.done() and not first.done()
    assert shows(phone.telegram.last(B).text, "common.help")
    assert phone.telegram.chat(A)[before:] == []  # /privacy waits behind /help
    gate.opened.set()
    await asyncio.gather(first, second)
    await settle()
    texts = phone.telegram.texts(A)
    assert shows(texts[-2], "common.help") and shows(texts[-1], "control.privacy", at_start=True)


async def enrol_to_immune_question(phone) -> None:
    await phone.send(A, "/start")
    await phone.tap(A, "I agree")
    for answer in ("London", "today", "8:00 21:00"):
        await phone.send(A, answer)
    assert shows(phone.last(A).text, "enrol.ask_immune")


async def test_the_same_update_twice_is_handled_once(phone):
    """Telegram delivering one update twice ("no" at the immune question) gets one answer and one change."""
    await enrol_to_immune_question(phone)
    update = phone.telegram.message(A, "no")
    await phone.feed(update)
    answered = len(phone.telegram.chat(A))
    await phone.feed(copy.deepcopy(update))
    assert len(phone.telegram.chat(A)) == answered
    patient = phone.store.patient(A)
    assert patient.immunocompromised == "no" and patient.cold_sore_history is None


async def in_a_checkin(phone) -> None:
    await enrol(phone, A)
    phone.clock.advance(timedelta(days=2))
    await phone.send(A, "/checkin")


async def test_an_update_handled_before_a_restart_is_ignored_after_it(settings, clock):
    """Telegram delivering a check-in's "no" again after a restart sends nothing and answers no other question."""
    store = open_store(settings.database_path, settings.sealer())
    first = await open_phone(settings, store, clock)
    await in_a_checkin(first)
    update = first.telegram.message(A, "no")
    await first.feed(update)
    answers = store.open_checkin(A).answers
    assert len(answers) == 1
    await first.app.shutdown()
    store.close()

    store = open_store(settings.database_path, settings.sealer())
    second = await open_phone(settings, store, clock, first.telegram)  # the same Telegram, a new process
    try:
        sent = len(second.telegram.chat(A))
        await second.feed(copy.deepcopy(update))
        assert len(second.telegram.chat(A)) == sent
        assert store.open_checkin(A).answers == answers  # the next question still waits for its own answer
        assert await second.send(A, "same") and len(store.open_checkin(A).answers) == 2  # new updates count
    finally:
        await second.app.shutdown()
        store.close()


class ReleaseWhenLogged(logging.Handler):
    """Ends a second connection's write lock as soon as the bot logs an error, and keeps what it logged."""

    def __init__(self, blocker: sqlite3.Connection) -> None:
        super().__init__(logging.ERROR)
        self.blocker, self.lines = blocker, []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if self.blocker.in_transaction:
            self.blocker.execute("ROLLBACK")


async def test_an_update_is_handled_when_the_database_cannot_record_it(phone, settings):
    """The database locked while an update is recorded as handled: the patient's "no" still answers the question
    (and the same update again is still ignored), and only the error class is logged."""
    await in_a_checkin(phone)
    phone.store.db.execute("PRAGMA busy_timeout = 0")  # fail at once on the lock instead of waiting for it
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    released = ReleaseWhenLogged(blocker)
    logger = logging.getLogger("bot.handlers.intake")
    logger.addHandler(released)
    try:
        update = phone.telegram.message(A, "no")
        blocker.execute("BEGIN IMMEDIATE")
        sent = len(phone.telegram.chat(A))
        await phone.feed(update)
        assert len(phone.telegram.chat(A)) > sent and len(phone.store.open_checkin(A).answers) == 1
        sent = len(phone.telegram.chat(A))
        await phone.feed(copy.deepcopy(update))
        assert len(phone.telegram.chat(A)) == sent and len(phone.store.open_checkin(A).answers) == 1
    finally:
        logger.removeHandler(released)
        blocker.close()
    assert released.lines == [f"update {update['update_id']}: could not record it as handled (OperationalError)"]


async def test_a_double_sent_no_answers_only_the_question_on_screen(phone):
    """Two quick "no"s at the immune question (both sent before its answer arrived) never answer the next one."""
    await enrol_to_immune_question(phone)
    first, second = phone.telegram.message(A, "no"), phone.telegram.message(A, "no")
    await phone.feed(first)
    asked = phone.last(A).text
    await phone.feed(second)
    assert phone.last(A).text == asked  # the cold-sore question still waits for its own answer
    patient = phone.store.patient(A)
    assert patient.immunocompromised == "no" and patient.cold_sore_history is None


async def test_a_double_sent_severe_at_redness_never_sets_swelling(phone):
    """"severe" typed twice quickly at the redness question answers redness only."""
    await enrol(phone, A)
    phone.clock.advance(timedelta(days=2))
    await phone.send(A, "/checkin")
    for answer in ("no", "same"):
        await phone.send(A, answer)
    assert said("checkin.sign_redness") in phone.last(A).text
    first, second = phone.telegram.message(A, "severe"), phone.telegram.message(A, "severe")
    await phone.feed(first)
    await phone.feed(second)
    answers = dict(phone.store.open_checkin(A).answers)
    assert answers["redness"] == "severe" and "swelling" not in answers
    assert said("checkin.sign_swelling") in phone.last(A).text


async def test_an_edited_message_with_a_warning_sign_gets_the_safety_advice(gated):
    """A message edited to describe a warning sign is read like a new one: advice and one alert."""
    phone, _ = gated
    await enrol(phone, A)
    original = phone.telegram.message(A, "My face is a bit pink today")
    await phone.feed(original)
    edited = copy.deepcopy(original)
    edited["update_id"] += 1000
    message = edited.pop("message")
    message.update(text=THROAT, edit_date=1)
    edited["edited_message"] = message
    await phone.feed(edited)
    assert any(t.startswith("⚠️ Call 999 now") for t in phone.telegram.texts(A))
    assert len(phone.store.alerts(open_only=False)) == 1
    await phone.send(A, THROAT)  # the same sign again within minutes
    assert len(phone.store.alerts(open_only=False)) == 1
    assert len(phone.telegram.chat(CLINIC)) == 1


async def test_a_throttled_message_to_the_clinic_chat_is_parked_and_delivered(gated):
    """A patient's message relayed to a clinic chat that Telegram throttles is parked, then delivered once."""
    phone, _ = gated
    await enrol(phone, A)
    await phone.send(A, "/clinic")
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=CLINIC, value=30)
    await phone.send(A, "Is the swelling normal?")
    assert phone.telegram.chat(CLINIC) == []
    await phone.run_jobs(phone.clock.advance(timedelta(seconds=31)))
    assert [m.text for m in phone.telegram.chat(CLINIC)] == [
        next(row.body for row in phone.store.outbox() if row.target == CLINIC)]
    assert shows(phone.telegram.last(CLINIC).text, "clinic.to_clinic", text="Is the swelling normal?")


async def test_delete_while_a_backup_holds_a_snapshot_never_holds_up_another_chat(phone, settings):
    """While a backup's read snapshot (a real second connection) keeps the WAL from emptying, a /delete that
    has erased the rows waits for the purge off the event loop: another chat's message is answered in the
    meantime, and once the snapshot ends the delete finishes, says so and leaves the WAL empty."""
    await enrol(phone, A)
    await enrol(phone, B)
    await phone.send(A, "/delete")
    backup = sqlite3.connect(settings.database_path)  # the online backup API reads inside one such snapshot
    try:
        backup.execute("BEGIN")
        assert backup.execute("SELECT count(*) FROM patients").fetchone()[0] == 2
        deleting = asyncio.create_task(phone.tap(A, "Yes, erase"))
        for _ in range(10_000):  # let the delete run up to its wait (yielding, never sleeping)
            if phone.store.patient(A) is None or deleting.done():
                break
            await asyncio.sleep(0)
        assert phone.store.patient(A) is None  # erased and committed: only the WAL purge waits
        answered = await phone.send(B, "/help")
        assert answered and shows(answered[0].text, "common.help")
        assert not deleting.done(), "the delete finished first: it held the event loop while it waited"
    finally:
        backup.rollback()
        backup.close()
    await deleting
    assert phone.last(A).text == said("control.deleted")
    wal = settings.database_path.with_name(settings.database_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

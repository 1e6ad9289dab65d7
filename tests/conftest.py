"""Shared fixtures: the real Application over the fake Bot API, with a hand-moved clock."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from contextlib import asynccontextmanager

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.app import build_app
from bot.care.jobs import run_jobs
from bot.clock import ManualClock, VirtualTime
from bot.delivery.dispatch import dispatcher_of
from bot.config import load_settings
from bot.tools.simulated_telegram import FakeRequest, FakeTelegram, Sent
from bot.tools.simulated_updates import as_update
from bot.delivery.retrying import RetryingRequest
from bot.store import Store, open_store

# Hypothesis: no per-example deadline (a slow CI machine is not a bug), and in CI a fixed, database-free
# search so a run is reproducible and never replays an example saved on some other machine.
hypothesis_settings.register_profile("aftercare", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, database=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "aftercare")

# python-telegram-bot 22 warns when it builds a RetryAfter unless opted in to timedelta values;
# the sender reads either form. (The bot opts in at start-up too: bot/tools/cli.py.)
os.environ.setdefault("PTB_TIMEDELTA", "true")

TOKEN = "123456:TEST-token-never-to-be-logged_abcdefghij"
START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday, 09:00 in London


DATA_KEY = "qsXcIYk2F4w3Mb1pTzDaNNV6O6Csa8bkDPcUaJ4pRw0="  # a test-only Fernet key


def make_settings(tmp_path: Path, **overrides: str):
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               **overrides}
    if "AFTERCARE_CLINIC_FILE" not in environ:  # the example profile, without the daily worklist (its own tests)
        environ["AFTERCARE_CLINIC_FILE"] = _quiet_example()
    return load_settings(environ)


class Phone:
    """Drives the real Application the way a patient's phone would."""

    def __init__(self, app, telegram: FakeTelegram, store: Store, clock: ManualClock, time: VirtualTime) -> None:
        self.app, self.telegram, self.store, self.clock, self.time = app, telegram, store, clock, time
        self.dispatcher = dispatcher_of(app)

    async def feed(self, data: dict) -> None:
        await self.app.process_update(as_update(data, self.app.bot))

    async def send(self, chat_id: int, text: str, **kwargs) -> list[Sent]:
        """Type ``text`` in the chat; returns the messages the bot sent in answer."""
        before = len(self.telegram.chat(chat_id))
        await self.feed(self.telegram.message(chat_id, text, **kwargs))
        return self.telegram.chat(chat_id)[before:]

    async def feed_and_read(self, data: dict, chat_id: int) -> list[Sent]:
        """Feed an update; returns the messages the bot sent into ``chat_id`` in answer."""
        before = len(self.telegram.chat(chat_id))
        await self.feed(data)
        return self.telegram.chat(chat_id)[before:]

    async def tap(self, chat_id: int, label: str, message: Sent | None = None) -> list[Sent]:
        """Tap the button whose label contains ``label`` on ``message`` (default: the newest with buttons)."""
        if message is None:
            message = next(m for m in reversed(self.telegram.chat(chat_id)) if m.buttons)
        return await self._callback(chat_id, self.telegram.callback(chat_id, message.data_for(label),
                                                                     message_id=message.message_id))

    async def press(self, chat_id: int, data: str) -> list[Sent]:
        """Send raw callback data (for stale or forged buttons)."""
        return await self._callback(chat_id, self.telegram.callback(chat_id, data))

    async def _callback(self, chat_id: int, update: dict) -> list[Sent]:
        """Feed a button tap; every tap must be answered exactly once, or the patient's spinner never stops."""
        before, answers = len(self.telegram.chat(chat_id)), len(self.telegram.callback_answers)
        await self.feed(update)
        assert len(self.telegram.callback_answers) == answers + 1, "the tap was not answered exactly once"
        return self.telegram.chat(chat_id)[before:]

    def last(self, chat_id: int) -> Sent:
        return self.telegram.last(chat_id)

    async def run_jobs(self, now: datetime, **kwargs):
        """Every job once at ``now`` (triage, re-raise, then the dispatcher); returns the dispatcher's report."""
        return await run_jobs(self.app, now, **kwargs)


async def no_wait(seconds: float) -> None:
    """The retry layer's sleep in tests: retries happen at once."""


async def open_phone(settings, store: Store, clock: ManualClock, telegram: FakeTelegram | None = None,
                     sleep=no_wait) -> Phone:
    """The real Application over ``telegram`` (a new one by default), its dispatcher's sender on virtual time
    (pacing never really waits); ``sleep`` is the retry layer's."""
    telegram, time = telegram or FakeTelegram(), VirtualTime()
    app = build_app(settings, store, clock, request=RetryingRequest(FakeRequest(telegram), sleep=sleep),
                    sender_options={"monotonic": time.monotonic, "sleep": time.sleep})
    await app.initialize()
    return Phone(app, telegram, store, clock, time)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def store(settings):
    store = open_store(settings.database_path, settings.sealer())
    yield store
    store.close()


@pytest.fixture
async def phone(settings, store, clock):
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()


async def enrol_typing(phone: Phone, chat_id: int = 1001, zone: str = "London", treated: str = "today",
                       skin: str | None = "skip") -> None:
    """Walk the enrolment typing every answer (default times, no to both health questions); ``skin=None``
    stops at the skin-type question."""
    await phone.send(chat_id, "/start")
    await phone.tap(chat_id, "I agree")
    for answer in (zone, treated, "8:00 21:00", "no", "no", *([skin] if skin is not None else [])):
        await phone.send(chat_id, answer)


async def enrol(phone: Phone, chat_id: int = 1001, date_label: str = "Today") -> None:
    """Walk the whole enrolment with buttons and defaults."""
    await phone.send(chat_id, "/start")
    await phone.tap(chat_id, "I agree")
    await phone.send(chat_id, "Use Europe/London")
    await phone.tap(chat_id, date_label)
    await phone.tap(chat_id, "Use 08:00")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "Skip")


# A day-4 check-in tapped through to contact_provider by severe redness (C-level, alerted):
# No, Better, redness Severe, swelling None, pain Mild, itching None, None of these, no fever.
SEVERE_DAY_4 = ("No", "Better", "Severe", "None", "Mild", "None", "None of these", "No")


async def severe_redness_on_day_four(phone: Phone, chat_id: int = 1001) -> None:
    """Four days on, a check-in tapped through with severe redness (contact_provider, the clinic alerted)."""
    phone.clock.advance(timedelta(days=4))
    await phone.send(chat_id, "/checkin")
    for label in SEVERE_DAY_4:
        await phone.tap(chat_id, label)


class Bot:
    """The phone, the dispatcher and the sender's virtual time, with the send times Telegram saw."""

    def __init__(self, phone, dispatcher, time: VirtualTime) -> None:
        self.phone, self.dispatcher, self.time = phone, dispatcher, time
        self.telegram, self.store = phone.telegram, phone.store
        self.log: list[tuple[float, int, str]] = []  # (virtual time, chat, text) of what runs sent
        self.recording = False
        self.telegram.observer = self._observe

    def _observe(self, event: str, sent) -> None:
        if self.recording and event == "sent":
            self.log.append((self.time.now, sent.chat_id, sent.text))

    async def run(self, now: datetime, **kwargs):
        self.phone.clock.set(now)
        self.recording = True
        try:
            return await self.phone.run_jobs(now, **kwargs)
        finally:
            self.recording = False

    def states(self, chat_id: int, due: datetime) -> dict[str, tuple[str, str | None]]:
        return {r.step: (r.state, r.reason) for r in self.store.deliveries(chat_id) if r.due_at == due}

    def reminders(self, chat_id: int) -> list[str]:
        """Texts the dispatcher sent to the chat (enrolment chatter excluded)."""
        return [text for _, chat, text in self.log if chat == chat_id]


async def start(settings, store, clock) -> Bot:
    phone = await open_phone(settings, store, clock)
    return Bot(phone, phone.dispatcher, phone.time)


@asynccontextmanager
async def bot_of(settings, clock):
    """A bot on ``settings`` with a store of its own, shut down and closed when the block ends (a fixture's body)."""
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    try:
        yield bot
    finally:
        await bot.phone.app.shutdown()
        store.close()


@pytest.fixture
async def bot(settings, store, clock):
    """An app with its dispatcher on virtual sender time (pacing never really waits)."""
    bot = await start(settings, store, clock)
    yield bot
    await bot.phone.app.shutdown()


CLINIC_CHAT, CLINIC_ADMIN = -100777, 4242  # the staff group and one admin of the clinic fixtures
CLINIC_NURSE = 7  # on the clinic fixtures' staff list; the fake's staff replies come from user 7 by default


@functools.lru_cache(maxsize=1)
def _quiet_example() -> str:
    """The example profile with no daily worklist, written once outside every test's data folder."""
    folder = tempfile.mkdtemp(prefix="aftercare-test-profile-")
    atexit.register(shutil.rmtree, folder, True)
    return clinic_file(Path(folder), staff=())


def clinic_file(tmp_path: Path, staff: tuple[int, ...] = (CLINIC_NURSE,), worklist: bool = False) -> str:
    """The example clinic profile with ``staff`` on its staff list, written into ``tmp_path``."""
    from bot.clinic_profile import default_clinic_file
    text = Path(default_clinic_file()).read_text(encoding="utf-8")
    assert "\nstaff = []\n" in text
    path = tmp_path / "clinic_with_staff.toml"
    text = text.replace("\nstaff = []\n", f"\nstaff = {list(staff)}\n")
    if not worklist:  # the daily worklist has its own tests (tests/test_worklist.py); elsewhere it would be noise
        assert "\nsend = true\n" in text
        text = text.replace("\nsend = true\n", "\nsend = false\n")
    path.write_text(text, encoding="utf-8")
    return str(path)


def clinic_settings(tmp_path: Path, **overrides: str):
    """Settings with a clinic chat, one admin and one nurse on the staff list, so alerts and relays have somewhere
    to go and someone to answer them."""
    environ = {"AFTERCARE_CLINIC_CHAT_ID": str(CLINIC_CHAT), "AFTERCARE_ADMIN_IDS": str(CLINIC_ADMIN), **overrides}
    if "AFTERCARE_CLINIC_FILE" not in environ:
        environ["AFTERCARE_CLINIC_FILE"] = clinic_file(tmp_path)
    return make_settings(tmp_path, **environ)


@pytest.fixture
async def clinic_phone(tmp_path, clock):
    """The app with a clinic chat and one admin, driven by a phone on the hand-moved clock."""
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


@pytest.fixture
async def clinic_bot(tmp_path, clock):
    """The app with a clinic chat and one admin, and its dispatcher on virtual sender time."""
    settings = clinic_settings(tmp_path)
    async with bot_of(settings, clock) as bot:
        yield bot

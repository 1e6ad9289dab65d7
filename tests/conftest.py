"""Shared fixtures: the real Application over the fake Bot API, with a hand-moved clock."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.app import build_app
from bot.clock import ManualClock
from bot.config import load_settings
from bot.fake_api import FakeRequest, FakeTelegram, Sent, as_update
from bot.store import Store, open_store

# python-telegram-bot 22 warns when it builds a RetryAfter unless opted in to timedelta values;
# the sender reads either form. (The bot opts in at start-up too: bot/cli.py.)
os.environ.setdefault("PTB_TIMEDELTA", "true")

TOKEN = "123456789:TEST-token-never-to-be-logged_abcdefghij"
START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday, 09:00 in London


DATA_KEY = "qsXcIYk2F4w3Mb1pTzDaNNV6O6Csa8bkDPcUaJ4pRw0="  # a test-only Fernet key


def make_settings(tmp_path: Path, **overrides: str):
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               **overrides}
    return load_settings(environ)


class Phone:
    """Drives the real Application the way a patient's phone would."""

    def __init__(self, app, telegram: FakeTelegram, store: Store, clock: ManualClock) -> None:
        self.app, self.telegram, self.store, self.clock = app, telegram, store, clock

    async def feed(self, data: dict) -> None:
        await self.app.process_update(as_update(data, self.app.bot))

    async def send(self, chat_id: int, text: str, **kwargs) -> list[Sent]:
        """Type ``text`` in the chat; returns the messages the bot sent in answer."""
        before = len(self.telegram.chat(chat_id))
        await self.feed(self.telegram.message(chat_id, text, **kwargs))
        return self.telegram.chat(chat_id)[before:]

    async def tap(self, chat_id: int, label: str, message: Sent | None = None) -> list[Sent]:
        """Tap the button whose label contains ``label`` on ``message`` (default: the newest with buttons)."""
        if message is None:
            message = next(m for m in reversed(self.telegram.chat(chat_id)) if m.buttons)
        before = len(self.telegram.chat(chat_id))
        await self.feed(self.telegram.callback(chat_id, message.data_for(label), message_id=message.message_id))
        return self.telegram.chat(chat_id)[before:]

    async def press(self, chat_id: int, data: str) -> list[Sent]:
        """Send raw callback data (for stale or forged buttons)."""
        before = len(self.telegram.chat(chat_id))
        await self.feed(self.telegram.callback(chat_id, data))
        return self.telegram.chat(chat_id)[before:]

    def last(self, chat_id: int) -> Sent:
        return self.telegram.last(chat_id)


async def open_phone(settings, store: Store, clock: ManualClock, telegram: FakeTelegram | None = None) -> Phone:
    telegram = telegram or FakeTelegram()
    app = build_app(settings, store, clock, request=FakeRequest(telegram))
    await app.initialize()
    return Phone(app, telegram, store, clock)


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


async def enrol(phone: Phone, chat_id: int = 1001, date_label: str = "Today") -> None:
    """Walk the whole enrolment with buttons and defaults."""
    await phone.send(chat_id, "/start")
    await phone.tap(chat_id, "I agree")
    await phone.tap(chat_id, date_label)
    await phone.send(chat_id, "Use Europe/London")
    await phone.tap(chat_id, "Use 08:00")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "Skip")

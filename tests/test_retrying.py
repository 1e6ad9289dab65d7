"""Replies survive network errors, timeouts and 429s; the dispatcher and polling keep their own retries."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError

from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
from bot.delivery.retrying import RetryingRequest, no_retries
from tests.conftest import TOKEN
from tests.texts import shows

CHAT = 1001
URL = f"https://api.telegram.org/bot{TOKEN}"
METHOD = "setMyCommands"  # any call; this one needs no parameters from the fake


class Sleeps:
    """Records the waits the retry layer asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.mark.parametrize("kind", ["network", "timeout"])
async def test_a_reply_is_retried_after_network_trouble(phone, kind):
    """/help still reaches the patient when the first two sends fail on the network."""
    phone.telegram.fail_next("sendMessage", kind, chat_id=CHAT, times=2)
    replies = await phone.send(CHAT, "/help")
    assert len(replies) == 1 and shows(replies[0].text, "common.help")


async def test_a_throttled_call_waits_a_short_retry_after_then_succeeds():
    """A 429 of a second on a reply waits that second, with backoff for network errors, then goes through."""
    telegram, sleeps = FakeTelegram(), Sleeps()
    request = RetryingRequest(FakeRequest(telegram), sleep=sleeps)
    telegram.fail_next(METHOD, "retry_after", value=1)
    telegram.fail_next(METHOD, "network")
    status, _ = await request.do_request(f"{URL}/{METHOD}", "POST", None)
    assert status == 200 and sleeps.waits == [1.0, 0.5]  # 429 first (its own wait), then network (backoff 2nd try)


async def test_retries_are_bounded_and_the_error_surfaces():
    """After three failed attempts (under a second of waiting) the network error is raised for the error handler."""
    telegram, sleeps = FakeTelegram(), Sleeps()
    telegram.fail_next(METHOD, "network", times=10)
    with pytest.raises(NetworkError):
        await RetryingRequest(FakeRequest(telegram), sleep=sleeps).do_request(f"{URL}/{METHOD}", "POST")
    assert sleeps.waits == [0.25, 0.5] and telegram.sent_count(METHOD) == 3


async def test_polling_and_the_dispatcher_are_not_retried_here():
    """getUpdates and calls inside no_retries() fail at once: their callers retry in their own way."""
    telegram, sleeps = FakeTelegram(), Sleeps()
    request = RetryingRequest(FakeRequest(telegram), sleep=sleeps)
    telegram.fail_next("getUpdates", "network")
    with pytest.raises(NetworkError):
        await request.do_request(f"{URL}/getUpdates", "POST")
    telegram.fail_next(METHOD, "retry_after", value=2)
    with no_retries():
        status, _ = await request.do_request(f"{URL}/{METHOD}", "POST")
    assert status == 429 and sleeps.waits == []


async def test_a_long_retry_after_is_passed_on():
    """Without parking, a 429 asking for more than a second is handed back rather than holding a reply."""
    telegram, sleeps = FakeTelegram(), Sleeps()
    telegram.fail_next(METHOD, "retry_after", value=2)
    status, _ = await RetryingRequest(FakeRequest(telegram), sleep=sleeps).do_request(f"{URL}/{METHOD}", "POST")
    assert status == 429 and sleeps.waits == []

"""Retries for every Bot API call the handlers make: network errors, timeouts and 429 RetryAfter.

python-telegram-bot sends a reply once and raises on any failure. This
``BaseRequest`` wraps the real one and retries with exponential backoff
(network errors, timeouts) or after Telegram's ``retry_after`` (429), a
bounded number of times. The dispatcher's paced sender does its own retrying
(it must park one chat on a 429 without stalling others), so it switches this
layer off for its sends with ``no_retries()``; ``getUpdates`` is never retried
here because the updater's polling loop already retries it.

A message a handler sends counts against Telegram's limits with the paced
sender's (``limits``, bot/delivery/pacing.py): it waits, about a second at most and
ahead of the sender's queue, while the bot's second is full or the sender has
just messaged that chat.

A handler never sleeps more than about a second here: a 429 asking for longer
parks the reply in the alert outbox through ``parking`` (bot/delivery/replies.py) when one is
set, and passes the 429 on otherwise. ``screen`` sees every successful answer,
to remember the question on screen.

A retried send after a timeout can, rarely, deliver a message twice (Telegram
may have received the first try): a duplicate reply is better than a lost one.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.logs import NETWORK_RETRY, THROTTLED, log_event
from bot.delivery.pacing import SENDING, Limits

log = logging.getLogger(__name__)

ATTEMPTS = 3               # one try and two retries: 0.25 s then 0.5 s, so a reply never waits long inline
BASE_DELAY = 0.25          # seconds, doubled per retry
MAX_DELAY = 1.0
MAX_INLINE_WAIT = 1.0      # a longer 429 wait parks the reply in the alert outbox (replies.py), or is passed on
_RETRIES = contextvars.ContextVar("aftercare_request_retries", default=True)


@contextmanager
def no_retries() -> Iterator[None]:
    """Within this block (and tasks started from it), calls fail at once, for a caller that retries itself."""
    token = _RETRIES.set(False)
    try:
        yield
    finally:
        _RETRIES.reset(token)


def _retry_after(body: bytes) -> float | None:
    try:
        value = json.loads(body)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


class RetryingRequest(BaseRequest):
    """A ``BaseRequest`` that retries the wrapped one; ``sleep`` is injectable so tests never wait."""

    def __init__(self, inner: BaseRequest, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 attempts: int = ATTEMPTS) -> None:
        self.inner, self._sleep, self.attempts = inner, sleep, attempts
        self.parking: Any = None  # bot.delivery.replies.Parking, set by build_app
        self.screen: Any = None   # bot.delivery.replies.Screen, set by build_app
        self.limits: Limits | None = None  # the sender's (bot/delivery/pacing.py): replies count and wait for room there

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    @staticmethod
    def _parked(result: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _once(self, limits: Limits | None, chat: Any, *args: Any) -> tuple[int, bytes]:
        """One request; a message waits (about a second at most, ahead of the sender's queue) until it is
        within Telegram's limits, and counts against them until a second after its answer."""
        slot = await limits.admit(int(chat), self._sleep, MAX_INLINE_WAIT) if limits is not None else None
        try:
            return await self.inner.do_request(*args)
        finally:
            if slot is not None:
                limits.done(int(chat), slot)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]  # the URL holds the token: only its last part is ever logged
        retries = _RETRIES.get() and api_method != "getUpdates"
        params = request_data.parameters if request_data is not None and retries else {}
        parking = self.parking if retries else None
        if parking is not None and (behind := parking.waiting(api_method, params)):  # keep the chat's order
            return self._parked(parking.park(api_method, params, behind))
        chat = params.get("chat_id")
        limits = self.limits if retries and api_method in SENDING and str(chat).lstrip("-").isdigit() else None
        for attempt in range(1, self.attempts + 1):
            last = not retries or attempt == self.attempts
            try:
                status, body = await self._once(limits, chat, url, method, request_data, read_timeout,
                                                write_timeout, connect_timeout, pool_timeout)
            except NetworkError as error:  # TimedOut is a NetworkError too
                if last:
                    raise
                delay = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
                log_event(log, NETWORK_RETRY, logging.WARNING, method=api_method, attempt=attempt,
                          error=type(error).__name__)
                await self._sleep(delay)
                continue
            wait = _retry_after(body) if status == 429 else None
            if wait is not None and wait > MAX_INLINE_WAIT and parking is not None:
                result = parking.park(api_method, params, wait)
                if result is not None:
                    log_event(log, THROTTLED, logging.WARNING, method=api_method, retry_after=wait, parked=True)
                    return self._parked(result)
            if status == 200 and retries and self.screen is not None:
                self.screen.sent(api_method, params, body)
            if last or wait is None or wait > MAX_INLINE_WAIT:
                return status, body
            log_event(log, THROTTLED, logging.WARNING, method=api_method, retry_after=wait, attempt=attempt)
            await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

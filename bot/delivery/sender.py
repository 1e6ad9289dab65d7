"""The paced sender: gets messages out as fast as Telegram allows, and no faster.

Telegram allows about 30 messages a second per bot, 1 a second per private
chat and 20 a minute per group; over that it answers 429 RetryAfter.
``AIORateLimiter`` paces only the global rate and groups and halts everyone on
one RetryAfter (python-telegram-bot's own documentation says so), so pacing is done here:

* the limits are counted in ``bot.delivery.pacing.Limits``, shared with the replies
  handlers send (which go first); a GCRA pace (``rate`` per second) spreads the
  sender's own messages evenly over each second;
* a chat has at most one request in flight, and its messages leave in order;
* RetryAfter puts the message back at the head of *that* chat's queue and
  parks only that chat for the time Telegram asked; the others go on;
* NetworkError / TimedOut retry the same way with bounded exponential
  backoff, then the chat's messages come back as ``retry`` (still in order);
* Forbidden answers ``blocked`` for that message and every later one of the
  chat (no further request); BadRequest and other errors ``failed``.

Time is injected (``monotonic`` and an async ``sleep``), so tests run on a
virtual clock and never sleep. Logs carry chat ids and error classes only.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Awaitable, Callable, Iterable

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.logs import pseudonym
from bot.delivery.pacing import Limits, Pace

log = logging.getLogger(__name__)

SendFn = Callable[["Outgoing"], Awaitable[int]]
ResultFn = Callable[["SendResult"], Awaitable[None]]


@dataclass(frozen=True)
class Outgoing:
    """One message to send (or, with ``edit``, the message id to edit); ``tag`` is the caller's."""

    chat_id: int
    text: str
    markup: Any = None
    tag: Any = None
    edit: int | None = None
    caption: bool = False  # with ``edit``: the message is a photo, its caption is edited
    topic_of: int | None = None  # to the clinic chat about this patient: in their topic when it is a forum
    photo: Any = None  # a callable drawing PNG bytes: the message is that photo with ``text`` as its caption
    options: dict | None = None  # a parked message's "entities" and "reply_parameters" (Bot API JSON)


@dataclass(frozen=True)
class SendResult:
    """What became of one message: sent, blocked, failed, skipped (``check`` said no, reason in ``error``)
    or retry (gave up for now)."""

    message: Outgoing
    status: str
    message_id: int | None = None
    error: str | None = None


@dataclass
class _Chat:
    queue: deque = field(default_factory=deque)  # of [Outgoing, failed_tries]
    parked_until: float = float("-inf")            # RetryAfter or network backoff
    busy: bool = False


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whichever type this PTB version returns (int deprecated in v22.2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    """Sends messages through ``send`` within Telegram's limits; see the module docstring."""

    def __init__(self, send: SendFn, *, rate: float = 30.0, chat_interval: float = 1.0,
                 group_interval: float = 3.0, concurrency: int = 8, network_retries: int = 4,
                 backoff: float = 0.5, backoff_cap: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, max_sleep: float = 1.0,
                 check: Callable[[Outgoing], str | None] | None = None) -> None:
        self._send, self._monotonic, self._sleep = send, monotonic, sleep
        self._check = check  # asked just before each request: a reason not to send it any more, or None
        # Spreads the sender's messages evenly over the second. Half an interval of slack: a timer waking a
        # little late is made up for instead of lost for good; ``limits`` keeps any second within Telegram's.
        self._global = Pace(1.0 / rate, slack=0.5 / rate)
        self.limits = Limits(max(1, int(rate)), chat_interval, group_interval, monotonic)
        self.limits.on_done = self._answered
        self._concurrency, self._retries = concurrency, network_retries
        self._backoff, self._backoff_cap, self._max_sleep = backoff, backoff_cap, max_sleep
        self._chats: dict[int, _Chat] = {}
        self._heap: list[tuple[float, int, int]] = []
        self._seq = 0
        self._outcomes: asyncio.Queue[SendResult] = asyncio.Queue()
        self.throttled = 0  # RetryAfter answers received, over the sender's life

    # ---- queueing ---------------------------------------------------------------
    def submit(self, messages: Iterable[Outgoing]) -> None:
        """Queue messages; each chat's leave in the order submitted."""
        for message in messages:
            chat = self._chats.get(message.chat_id)
            if chat is None:
                chat = self._chats[message.chat_id] = _Chat()
            chat.queue.append([message, 0])
            if len(chat.queue) == 1 and not chat.busy:
                self._push(message.chat_id, chat)

    @property
    def queued(self) -> int:
        return sum(len(chat.queue) for chat in self._chats.values())

    def _ready_at(self, chat_id: int, chat: _Chat, now: float) -> float:
        return max(chat.parked_until, self.limits.chat_opens(chat_id, now))

    def _push(self, chat_id: int, chat: _Chat) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (self._ready_at(chat_id, chat, self._monotonic()), self._seq, chat_id))

    def _answered(self, chat_id: int) -> None:
        """A message to the chat was answered (a reply's too): its next one can be timed now."""
        chat = self._chats.get(chat_id)
        if chat is not None and chat.queue and not chat.busy:
            self._push(chat_id, chat)

    def _next_chat(self) -> tuple[float, int] | None:
        """The chat able to send soonest (dropping stale heap entries), without popping it."""
        now = self._monotonic()
        while self._heap:
            ready, _, chat_id = self._heap[0]
            chat = self._chats.get(chat_id)
            if chat is None or chat.busy or not chat.queue:
                heapq.heappop(self._heap)
            elif ready < (actual := self._ready_at(chat_id, chat, now)):  # parked or paced since it was pushed
                heapq.heapreplace(self._heap, (actual, self._seq, chat_id))
                self._seq += 1
            else:
                return ready, chat_id
        return None

    # ---- the loop -----------------------------------------------------------------
    async def run(self, on_outcome: ResultFn, *, refill: Callable[[], Awaitable[list[Outgoing]]] | None = None,
                  low_water: int = 100, should_stop: Callable[[], bool] = lambda: False) -> list[Outgoing]:
        """Send everything queued (asking ``refill`` for more when the queue runs low) and report each
        outcome through ``on_outcome`` as it happens. When ``should_stop()`` turns true, finish the
        requests in flight and return what was not sent yet."""
        inflight: set[asyncio.Task] = set()
        exhausted = refill is None
        try:
            while True:
                await self._report(on_outcome)
                if should_stop():
                    break
                if not exhausted and self.queued < low_water:
                    more = await refill()
                    exhausted = not more
                    self.submit(more)
                head = self._next_chat()
                if head is None or len(inflight) >= self._concurrency:
                    if not inflight:
                        if head is None and exhausted:
                            break
                        continue
                    await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    inflight = {task for task in inflight if not task.done()}
                    continue
                now = self._monotonic()  # replies waiting for room go first: leave them theirs
                start = max(head[0], self._global.allowed_at(), self.limits.bot_opens(now, self.limits.waiting))
                delay = start - now
                if delay > 0:
                    await self._pause(min(delay, self._max_sleep), inflight)
                    inflight = {task for task in inflight if not task.done()}
                    continue
                heapq.heappop(self._heap)
                inflight.add(asyncio.ensure_future(self._attempt(head[1], *self._start(head[1]))))
        finally:
            if inflight:
                await asyncio.wait(inflight)
            await self._report(on_outcome)
        return self._take_all()

    async def _report(self, on_outcome: ResultFn) -> None:
        while not self._outcomes.empty():
            await on_outcome(self._outcomes.get_nowait())

    async def _pause(self, delay: float, inflight: set[asyncio.Task]) -> None:
        """Sleep ``delay``, waking early if a request in flight finishes (it may free a chat)."""
        if not inflight:
            await self._sleep(delay)
            return
        nap = asyncio.ensure_future(self._sleep(delay))
        await asyncio.wait({nap, *inflight}, return_when=asyncio.FIRST_COMPLETED)
        if not nap.done():
            nap.cancel()
            await asyncio.gather(nap, return_exceptions=True)

    def _take_all(self) -> list[Outgoing]:
        """Hand back what is still queued (the chats' pace stays in ``limits``)."""
        left = [item[0] for chat in self._chats.values() for item in chat.queue]
        self._chats.clear()
        self._heap.clear()
        return left

    def discard(self) -> int:
        """Forget everything queued (the caller releases it in the store); returns how many were dropped."""
        return len(self._take_all())

    def _drain(self, chat_id: int, status: str, error: str) -> None:
        chat = self._chats.pop(chat_id, None)
        while chat and chat.queue:
            self._outcomes.put_nowait(SendResult(chat.queue.popleft()[0], status, error=error))

    # ---- one request ---------------------------------------------------------------
    def _start(self, chat_id: int) -> tuple[_Chat, list, list[float]]:
        """Take the chat's head and count it now, before the request runs (so the loop sees it)."""
        chat = self._chats[chat_id]
        chat.busy = True
        self._global.take(self._monotonic())
        return chat, chat.queue.popleft(), self.limits.start(chat_id)

    async def _attempt(self, chat_id: int, chat: _Chat, item: list, slot: list[float]) -> None:
        message: Outgoing = item[0]
        try:
            try:
                reason = self._check(message) if self._check else None
            except Exception as error:  # noqa: BLE001 - cannot tell (database trouble): try again later
                self._outcomes.put_nowait(SendResult(message, "retry", error=type(error).__name__))
                return
            if reason is not None:
                self._outcomes.put_nowait(SendResult(message, "skipped", error=reason))
                return
            message_id = await self._send(message)
        except RetryAfter as error:
            self.throttled += 1
            wait = retry_after_seconds(error)
            log.warning("429 for chat %s: retry after %.0f s", pseudonym(chat_id), wait)
            chat.parked_until = self._monotonic() + wait
            chat.queue.appendleft(item)
        except Forbidden:
            log.info("chat %s blocked the bot", pseudonym(chat_id))
            self._outcomes.put_nowait(SendResult(message, "blocked", error="Forbidden"))
            self._drain(chat_id, "blocked", "Forbidden")
        except BadRequest as error:
            log.warning("chat %s: %s", pseudonym(chat_id), type(error).__name__)
            self._outcomes.put_nowait(SendResult(message, "failed", error=type(error).__name__))
        except NetworkError as error:  # also TimedOut
            item[1] += 1
            if item[1] > self._retries:
                log.warning("chat %s: %s, giving up for now", pseudonym(chat_id), type(error).__name__)
                chat.queue.appendleft(item)
                self._drain(chat_id, "retry", type(error).__name__)
            else:
                chat.parked_until = self._monotonic() + min(self._backoff_cap, self._backoff * 2 ** (item[1] - 1))
                chat.queue.appendleft(item)
        except Exception as error:  # noqa: BLE001 - one bad message must not stop the others
            log.error("chat %s: unexpected %s", pseudonym(chat_id), type(error).__name__)
            self._outcomes.put_nowait(SendResult(message, "failed", error=type(error).__name__))
        else:
            self._outcomes.put_nowait(SendResult(message, "sent", message_id=message_id))
        finally:
            chat.busy = False
            self.limits.done(chat_id, slot)  # pushes the chat again if more of its messages wait

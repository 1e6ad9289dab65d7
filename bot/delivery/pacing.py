"""Telegram's flood limits, counted the only way the bot can be sure of.

Telegram allows about 30 messages a second per bot and one a second per private
chat (20 a minute per group), and counts a message when it receives it:
somewhere between the moment the request starts and the moment its answer
comes back. So here a message counts from its start until a second after its
answer (a group's three seconds). Counted so, no round trip and no late timer can
ever put a 31st message into a second Telegram counts, or a second message
into a chat's second; counting from the start instead drew 429s in bench/.

One ``Limits`` is shared by the paced sender (bot/delivery/sender.py) and the replies
handlers send (bot/delivery/retrying.py). Replies go first, because a patient is
waiting: a reply takes the first room that opens, and while replies wait for
room the sender leaves them that much. A reply waits for its chat's second only
after the sender's message (a reminder just sent): a handler's own few
messages in a row go at once, as Telegram allows short bursts in a chat and
python-telegram-bot's own rate limiter does not pace private chats either.

Time is injected (``monotonic``); waiting is the caller's, with its own sleep.
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable

INF = float("inf")
POLL = 0.05          # an answer still on its way: look again this soon
MIN_NAP = 0.01       # a reply's shortest wait, so a bounded wait is a bounded number of naps
SENDING = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendLocation", "copyMessage",
           "forwardMessage")  # the Bot API calls Telegram counts as messages (edits and answers are not)


class Pace:
    """Generic cell rate algorithm: one event per ``interval``, bursts of up to ``burst``."""

    __slots__ = ("interval", "tolerance", "slack", "tat")

    def __init__(self, interval: float, burst: int = 1, slack: float = 0.0) -> None:
        self.interval, self.tolerance, self.tat = interval, interval * (burst - 1), float("-inf")
        self.slack = slack  # lateness (a timer waking a little late) made up for, instead of lost for good

    def allowed_at(self) -> float:
        return self.tat - self.tolerance

    def take(self, now: float) -> None:
        self.tat = max(self.tat, now - self.slack) + self.interval


class Limits:
    """The bot's sliding second and each chat's last message; ``start`` a message, ``done`` when answered."""

    def __init__(self, per_second: int = 30, chat_interval: float = 1.0, group_interval: float = 3.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.monotonic = per_second, monotonic
        self.chat_interval, self.group_interval = chat_interval, group_interval
        self._slots: list[list[float]] = []        # [answered at, a reply?] of the bot's recent messages
        self._chats: dict[int, list[float]] = {}   # each chat's last message, the same cell (INF: on its way)
        self.waiting = 0                           # replies waiting for room
        self.on_done: Callable[[int], None] | None = None  # told the chat whose message was just answered

    def interval(self, chat_id: int) -> float:
        return self.group_interval if chat_id < 0 else self.chat_interval

    def start(self, chat_id: int, reply: bool = False) -> list[float]:
        """Count a message starting now; pass what this returns to ``done`` once it is answered (or failed)."""
        slot = [INF, reply]
        self._slots.append(slot)
        self._chats[chat_id] = slot
        if len(self._chats) > 1024:  # forget chats whose second is long over
            horizon = self.monotonic() - max(self.chat_interval, self.group_interval)
            self._chats = {chat: cell for chat, cell in self._chats.items() if cell[0] > horizon}
        return slot

    def done(self, chat_id: int, slot: list[float]) -> None:
        slot[0] = self.monotonic()
        if self.on_done is not None:
            self.on_done(chat_id)

    def bot_opens(self, now: float, keep: int = 0) -> float:
        """When the bot's second has room for one more message, ``keep`` places left for others."""
        self._slots = [slot for slot in self._slots if slot[0] > now - 1.0]
        over = len(self._slots) + keep - self.per_second + 1
        if over <= 0:
            return -INF
        answered = sorted(slot[0] for slot in self._slots if slot[0] < INF)
        return answered[over - 1] + 1.0 if over <= len(answered) else now + POLL

    def chat_opens(self, chat_id: int, now: float, reply: bool = False) -> float:
        """When the chat may get its next message (its last one a chat's second ago; for a reply, the sender's)."""
        slot = self._chats.get(chat_id)
        if slot is None or (reply and slot[1]):
            return -INF
        return now + POLL if slot[0] == INF else slot[0] + self.interval(chat_id)

    def reply_wait(self, chat_id: int) -> float:
        """Seconds until a reply to ``chat_id`` may start (0: now)."""
        now = self.monotonic()
        return max(0.0, self.bot_opens(now) - now, self.chat_opens(chat_id, now, reply=True) - now)

    async def admit(self, chat_id: int, sleep: Callable[[float], Awaitable[object]], budget: float) -> list[float]:
        """Wait (at most ``budget`` seconds, ahead of the sender) until a reply may go, then ``start`` it."""
        waited = 0.0
        while waited < budget and (wait := self.reply_wait(chat_id)) > 0:
            nap = min(max(wait, MIN_NAP), budget - waited)
            self.waiting += 1
            try:
                await sleep(nap)
            finally:
                self.waiting -= 1
            waited += nap
        return self.start(chat_id, reply=True)

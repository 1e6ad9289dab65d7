"""Telegram's flood limits, enforced by the simulated Telegram when asked (the benchmark does).

About 30 messages a second for the bot and one a second in one chat, over a
sliding second; past them Telegram answers 429 with ``retry_after``
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Callable


class FloodLimits:
    """Counts sends per second for the bot and per chat; ``refuse`` says when one is over the limit."""

    def __init__(self, per_second: int = 30, per_chat_interval: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.per_chat_interval, self.monotonic = per_second, per_chat_interval, monotonic
        self.window: deque[float] = deque()
        self.last: dict[int, float] = {}
        self.refused = 0
        self.why: Counter[str] = Counter()  # refusals by limit: "bot" (its second) or "chat" (the chat's)

    def refuse(self, chat_id: int | None) -> int | None:
        """The retry_after seconds if a message to ``chat_id`` now is over a limit, else None (and count it)."""
        now = self.monotonic()
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        last = self.last.get(chat_id) if chat_id is not None else None
        if len(self.window) >= self.per_second or (last is not None and now - last < self.per_chat_interval):
            self.refused += 1
            self.why["bot" if len(self.window) >= self.per_second else "chat"] += 1
            return 1
        self.window.append(now)
        if chat_id is not None:
            self.last[chat_id] = now
        return None

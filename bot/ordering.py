"""Concurrency with order: updates of different chats run at once, one chat's run one at a time, in order.

python-telegram-bot's ``concurrent_updates`` runs every update as its own task
with no order at all, and without it one slow reply (a 429, a slow network)
holds every other patient up. This processor keeps a queue per chat: the first
update of an idle chat runs at once (within ``max_concurrent_updates``), later
ones of a busy chat wait in its queue, without holding a slot, and run in the
order they came (https://docs.python-telegram-bot.org/en/stable/telegram.ext.baseupdateprocessor.html).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)
MAX_CONCURRENT = 256  # chats handled at the same moment; Telegram answers each in well under a second


def chat_key(update: object) -> int | None:
    """Whose queue an update joins: its chat, else its user (a tap on an inline message), else none."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class PerChatOrder(BaseUpdateProcessor):
    """Runs updates concurrently across chats and strictly in order within one chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        queue = self._queues.get(key)
        if queue is not None:  # the chat is busy: its worker runs this after the ones before it
            queue.append(coroutine)
            return
        queue = self._queues[key] = deque([coroutine])
        try:
            while queue:
                try:
                    await queue[0]
                except Exception as error:  # noqa: BLE001 - one update's failure never stops the chat's next
                    log.error("update in chat queue failed: %s", type(error).__name__)
                finally:
                    queue.popleft()
        finally:
            for left in queue:  # cancelled (shutting down): never leave a coroutine un-awaited
                left.close()
            del self._queues[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

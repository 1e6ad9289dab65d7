"""The dispatcher's alarm: one re-armable wake-up measured on the clock's monotonic reading.

APScheduler (under python-telegram-bot's JobQueue) plans a job at a wall-clock instant and, when its timer
ends, asks the wall clock again whether the job is due: a wall clock stepped back an hour (an NTP
correction, a VM restored from a snapshot) leaves every job an hour in the future, and the bot sends
nothing meanwhile. So the JobQueue only starts this alarm (once, when the application starts); the waits
themselves are monotonic, and at each wake the dispatcher plans the next one again from what is due on the
wall clock, at most its safety interval away. A wall clock stepped back or forward costs at most one safety
interval, never a stall.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from bot.clock import Clock

log = logging.getLogger(__name__)


class Alarm:
    """Calls ``fire`` when the monotonic deadline set last is reached; ``set`` again re-plans it."""

    def __init__(self, clock: Clock, fire: Callable[[], Awaitable[None]]) -> None:
        self.clock, self.fire = clock, fire
        self.deadline: float | None = None  # monotonic seconds; None: nothing planned
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def set(self, delay_s: float) -> None:
        """Wake ``delay_s`` seconds from now (monotonic), replacing the wake planned before."""
        self.deadline = self.clock.monotonic() + max(0.0, delay_s)
        self._changed.set()

    def start(self) -> None:
        """Start waiting (on the running event loop); a second start does nothing."""
        if not self.running and not self._closing:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="aftercare-dispatcher-alarm")

    def stop(self) -> None:
        """No more wakes: the loop ends after the run in progress, if any."""
        self._closing = True
        self._changed.set()

    async def close(self) -> None:
        """Stop, and wait for the run in progress to finish."""
        self.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._closing:
            self._changed.clear()
            if self.deadline is None:
                await self._changed.wait()
                continue
            remaining = self.deadline - self.clock.monotonic()
            if remaining > 0:
                await self._wait(remaining)
                continue
            self.deadline = None
            try:
                await self.fire()
            except Exception as error:  # noqa: BLE001 - the dispatcher logs its own; the loop must live on
                log.error("dispatcher alarm: a run failed: %s", type(error).__name__)
            # A run that never waited on anything (nothing to claim) and re-armed at once would otherwise loop
            # without ever giving the event loop back: every chat, and the application's own stop, would starve.
            await asyncio.sleep(0)

    async def _wait(self, seconds: float) -> None:
        """Until ``seconds`` of the monotonic clock have passed or the wake was re-planned, whichever is first."""
        sleeping = asyncio.ensure_future(self.clock.sleep(seconds))
        changed = asyncio.ensure_future(self._changed.wait())
        try:
            await asyncio.wait({sleeping, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (sleeping, changed):
                waiter.cancel()
            await asyncio.gather(sleeping, changed, return_exceptions=True)

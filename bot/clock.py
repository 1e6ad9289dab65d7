"""The clock the shell reads once per update or job; tests pass a fixed or hand-moved one.

Two readings: ``now()`` is the wall clock (what is due, in UTC), ``monotonic()`` only ever moves forward
(how long to wait). An NTP correction or a VM restore steps the wall clock back or forward; waits measured
on the monotonic reading still end on time, and what is due is then decided again on the wall clock
(bot/delivery/alarm.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    monotonic_source: str | None  # whose monotonic clock: readings of the same source compare across processes

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never steps back (only differences mean anything)."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of the monotonic clock."""


def boot_id() -> str | None:
    """This boot of the machine (Linux): time.monotonic() readings compare across processes within one boot."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            return "boot:" + file.read().strip()
    except OSError:
        return None


class SystemClock:
    """The real clock."""

    def __init__(self) -> None:
        self.monotonic_source = boot_id()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))  # the event loop's timers run on the monotonic clock


class ManualClock:
    """A clock that only moves when told to (tests and the demo's time travel).

    ``advance`` moves both readings and ends the sleeps it passes; ``step_wall`` moves only the wall clock,
    as an NTP correction or a VM restore does, so a test can step it back or forward independently."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._monotonic = 0.0
        self._sleepers: list[tuple[float, asyncio.Future]] = []
        self.monotonic_source = f"manual:{id(self)}"

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        self._tick(delta.total_seconds())
        return self._now

    def set(self, when: datetime) -> None:
        """Jump the wall clock to ``when``; the monotonic clock follows forward jumps only."""
        when = when.astimezone(timezone.utc)
        delta, self._now = (when - self._now).total_seconds(), when
        self._tick(delta)

    def step_wall(self, delta: timedelta) -> datetime:
        """Step only the wall clock (an NTP correction, a VM restored): no sleep ends, no wait gets longer."""
        self._now += delta
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been advanced by ``seconds`` (never really waits)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._monotonic + seconds, future))
        await future

    def _tick(self, seconds: float) -> None:
        self._monotonic += max(0.0, seconds)
        waking = [(at, f) for at, f in self._sleepers if at <= self._monotonic]
        self._sleepers = [(at, f) for at, f in self._sleepers if at > self._monotonic and not f.done()]
        for _, future in waking:
            if not future.done():
                future.set_result(None)


class VirtualTime:
    """A monotonic clock and sleep for the paced sender: sleeping only moves this clock, so pacing never
    waits (the tests and the demo's time travel)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

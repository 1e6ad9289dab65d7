"""Benchmark of reply latency while the bot works (not part of the test suite; real time on purpose).

    python bench/replies.py [--patients N] [--burst M] [--json]

The real Application (``build_app``) over the simulated Telegram enforcing
Telegram's limits (``bot.tools.flood_limits``: 30 sendMessage/s for the bot,
1/s per chat, 429 with retry_after past them; 10 ms a round trip):

* ``--patients`` (1,000) enrolled patients tap through a check-in (/checkin,
  then a tap every 1-3 s on "No" / "Same" / "None"...), starting spread over the
  burst, each update handed to the application's update processor as polling
  does;
* meanwhile the dispatcher sends a burst of ``--burst`` (10,000) reminders;
* one chat is stuck in 429 with retry_after 30 (its next three sends).

Prints ``reply_p50_ms`` and ``reply_p99_ms`` (bot side: from the update reaching
the processor to the first Bot API request answering it: the tap's answer, an
edit or a message; the stuck chat excluded), ``burst_limit_ratio`` (every
sendMessage Telegram accepted while the burst ran, replies included, per second, over 30),
``throttled`` (429s past the limits, by limit: the bot's second or a chat's),
``lost`` and ``duplicates`` (burst reminders never or twice received, and the
stuck chat's replies), and ``stalled_by_429_ms`` (the longest reply delay of
another chat while the stuck chat waited). Then the same load, scaled down by
``--baseline-scale`` (5), against one-at-a-time handling with replies sleeping
through retry_after (the design before), for the ratios.

The burst alone needs 333 s at 30 msg/s: about 7 minutes in all on 2 cores;
``--patients 200 --burst 2000`` takes about 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dispatch import LIMIT, T0, open_bench_store, seed, settings_for  # noqa: E402

STUCK_RETRY_AFTER, STUCK_TIMES = 30, 3
TAPS = 7
PREFERRED = ("No", "Same", "None", "None of these", "Done", "Better", "Not sure")
ANSWERING = ("answerCallbackQuery", "sendMessage", "editMessageText")


class RunningClock:
    """The bot's clock: T0 when the benchmark starts, then moving with real time."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.monotonic_source = None

    def now(self) -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - self.started)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Load:
    """The patients, the stuck chat and what Telegram saw."""

    def __init__(self, app, telegram, patients: int, stuck: int, spread: float, one_at_a_time: bool) -> None:
        self.app, self.telegram, self.patients, self.stuck, self.spread = app, telegram, patients, stuck, spread
        self.lock = asyncio.Lock() if one_at_a_time else None
        self.waiting: dict[int, tuple[float, asyncio.Event]] = {}
        self.latencies: list[tuple[float, float, int]] = []  # (arrived, latency s, chat)
        self.stuck_window = [float("inf")]

    def requested(self, method: str, chat_id: int | None) -> None:
        """Called by the request layer for every Bot API call a handler makes."""
        if method in ANSWERING and chat_id in self.waiting:
            arrived, answered = self.waiting.pop(chat_id)
            self.latencies.append((arrived, time.monotonic() - arrived, chat_id))
            answered.set()

    async def hand_over(self, chat_id: int, data: dict) -> None:
        from bot.tools.simulated_updates import as_update
        update = as_update(data, self.app.bot)
        answered = asyncio.Event()
        self.waiting[chat_id] = (time.monotonic(), answered)
        if chat_id == self.stuck:
            self.waiting.pop(chat_id)
            self.stuck_window[0] = min(self.stuck_window[0], time.monotonic())
        if self.lock is not None:  # the design before: one update at a time
            async with self.lock:
                await self.app.process_update(update)
        else:
            asyncio.ensure_future(self.app.update_processor.process_update(update, self.app.process_update(update)))
            if chat_id == self.stuck:
                return
        if chat_id != self.stuck:
            try:
                await asyncio.wait_for(answered.wait(), 120)
            except asyncio.TimeoutError:
                self.waiting.pop(chat_id, None)

    async def patient(self, chat_id: int, rng: random.Random) -> None:
        await asyncio.sleep(0 if chat_id == self.stuck else rng.uniform(0, self.spread))
        await self.hand_over(chat_id, self.telegram.message(chat_id, "/checkin"))
        for _ in range(TAPS):
            await asyncio.sleep(rng.uniform(1, 3))
            shown = next((m for m in reversed(self.telegram.chat(chat_id)) if m.buttons), None)
            if shown is None:
                return
            labels = [label for row in shown.buttons for label, _ in row]
            label = next((p for p in PREFERRED if p in labels), labels[0])
            data = shown.data_for(label)
            await self.hand_over(chat_id, self.telegram.callback(chat_id, data, message_id=shown.message_id))


async def run(patients: int, burst: int, one_at_a_time: bool) -> dict:
    """One load; returns its measures."""
    import bot.delivery.retrying
    from bot.app import build_app
    from bot.delivery.dispatch import dispatcher_of
    from bot.delivery.retrying import RetryingRequest
    from bot.tools.flood_limits import FloodLimits
    from bot.tools.simulated_telegram import FakeRequest, FakeTelegram

    telegram = FakeTelegram(FloodLimits(LIMIT))
    received: Counter[int] = Counter()
    accepted: list[float] = []

    def observe(event: str, sent) -> None:
        if event == "sent":
            accepted.append(time.monotonic())
    telegram.observer = observe
    load_box: list[Load] = []

    class TimedRequest(FakeRequest):
        async def do_request(self, url, method, request_data=None, *args, **kwargs):
            api_method = url.rsplit("/", 1)[-1]
            if bot.delivery.retrying._RETRIES.get() and load_box:  # a handler's call, not the dispatcher's
                params = request_data.parameters if request_data else {}
                chat = params.get("chat_id")
                if chat is None and api_method == "answerCallbackQuery":
                    chat = answering.get(params.get("callback_query_id"))
                load_box[0].requested(api_method, int(chat) if chat is not None else None)
            status, body = await super().do_request(url, method, request_data, *args, **kwargs)
            if not bot.delivery.retrying._RETRIES.get() and api_method == "sendMessage" and status == 200:
                chat = int(request_data.parameters["chat_id"])
                received.update([chat])  # the dispatcher's: reminders, and the stuck chat's parked replies
                if chat != stuck:
                    burst_sends.append(time.monotonic())
            return status, body

    answering: dict[str, int] = {}
    burst_sends: list[float] = []
    stuck = patients  # the last patient: starts first, and its next sends are answered 429 retry_after 30
    with tempfile.TemporaryDirectory() as tmp:
        seed(Path(tmp), max(burst, patients), 1, T0)
        store = open_bench_store(Path(tmp))
        clock = RunningClock()
        request = RetryingRequest(TimedRequest(telegram, 0.01))
        app = build_app(settings_for(Path(tmp)), store, clock, request=request)
        if one_at_a_time:  # the design before: a reply slept through retry_after (up to a minute), never parked
            request.parking = None
            bot.delivery.retrying.MAX_INLINE_WAIT = 60.0
        await app.initialize()
        spread = burst / LIMIT * 0.8
        load = Load(app, telegram, patients, stuck, spread, one_at_a_time)
        load_box.append(load)
        original_callback = telegram.callback

        def callback(chat_id, data, **kwargs):
            update = original_callback(chat_id, data, **kwargs)
            answering[update["callback_query"]["id"]] = chat_id
            return update
        telegram.callback = callback
        for method in ("sendMessage", "editMessageText"):
            telegram.fail_next(method, "retry_after", chat_id=stuck, value=STUCK_RETRY_AFTER, times=STUCK_TIMES)
        rng = random.Random(7)
        started = time.monotonic()
        dispatcher = dispatcher_of(app)
        burst_task = asyncio.ensure_future(dispatcher.run_once(T0))
        ends: list[float] = []
        burst_task.add_done_callback(lambda _: ends.append(time.monotonic()))
        await asyncio.gather(*(load.patient(chat, rng) for chat in range(1, patients + 1)))
        load_end = time.monotonic()
        await burst_task
        burst_end = ends[0]
        # The stuck chat's parked replies: a last run once Telegram lets it through.
        while store.next_outbox_due() is not None and time.monotonic() - burst_end < 4 * STUCK_RETRY_AFTER:
            await dispatcher.run_once(clock.now())
            await asyncio.sleep(1)
        parked = store.outbox(about=stuck)
        states = Counter(row.state for row in parked)
        expected = Counter(range(1, max(burst, patients) + 1))
        expected.update([stuck] * sum(1 for row in parked if row.edit_message_id is None))
        await app.shutdown()
        store.close()
        bot.delivery.retrying.MAX_INLINE_WAIT = 1.0
    others = [(arrived, latency) for arrived, latency, chat in load.latencies if chat != stuck]
    during = [latency for arrived, latency in others if load.stuck_window[0] <= arrived <= load_end]
    # The burst's own span (the stuck chat's late reminder aside): every message Telegram took in it counts.
    first, last = (min(burst_sends), max(burst_sends)) if burst_sends else (started, burst_end)
    in_burst = [t for t in accepted if first <= t <= last]
    duration = last - first
    return {
        "patients": patients, "burst": burst, "updates_answered": len(load.latencies),
        "reply_p50_ms": round(percentile([l for _, l in others], 0.5) * 1000, 1),
        "reply_p99_ms": round(percentile([l for _, l in others], 0.99) * 1000, 1),
        "burst_limit_ratio": round(len(in_burst) / duration / LIMIT, 3) if duration else 0.0,
        "burst_s": round(duration, 1), "throttled": telegram.limits.refused,
        "throttled_by": dict(telegram.limits.why),
        "lost": sum(max(0, n - received[chat]) for chat, n in expected.items()),
        "duplicates": sum(max(0, n - expected[chat]) for chat, n in received.items()),
        "stuck_parked": len(parked), "stuck_parked_sent": states.get("sent", 0),
        "stalled_by_429_ms": round(max(during, default=0.0) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=1000, help="patients tapping through a check-in")
    parser.add_argument("--burst", type=int, default=10_000, help="reminders due at once meanwhile")
    parser.add_argument("--baseline-scale", type=int, default=5, help="the one-at-a-time run's load divisor")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the stuck chat's 429s are expected; the figures are the output
    result = asyncio.run(run(args.patients, args.burst, one_at_a_time=False))
    if args.baseline_scale:
        before = asyncio.run(run(max(2, args.patients // args.baseline_scale),
                                 max(1, args.burst // args.baseline_scale), one_at_a_time=True))
        result["one_at_a_time"] = {k: before[k] for k in ("patients", "burst", "reply_p50_ms", "reply_p99_ms",
                                                          "stalled_by_429_ms", "burst_limit_ratio")}
        result["p99_ratio"] = round(before["reply_p99_ms"] / result["reply_p99_ms"], 1) \
            if result["reply_p99_ms"] else None
        result["stall_ratio"] = round(before["stalled_by_429_ms"] / result["stalled_by_429_ms"], 1) \
            if result["stalled_by_429_ms"] else None
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()

"""Benchmark of the delivery engine (not part of the test suite; real time on purpose).

    python bench/dispatch.py [--patients N] [--enrolled M] [--json]

Patients are enrolled through the store's API; the app is the one ``build_app``
makes, over the demo's simulated Telegram (``bot.tools.simulated_telegram``).

1. Burst: N reminders due at the same instant, sent by the real dispatcher
   (``bot.delivery.dispatch``) through the real Application to the simulated Telegram
   enforcing Telegram's limits (``bot.tools.flood_limits``: 30 msg/s for the
   bot, 1 msg/s per chat, over a sliding second of the real monotonic clock)
   and answering 429 with retry_after when they are exceeded, 10 ms a round
   trip. Reports sent, lost, duplicates, throttled (429s), rate_per_s and
   limit_ratio (rate / 30).
2. Start-up with M enrolled patients (three daily reminders each), each
   design in its own subprocess so peak RSS (``ru_maxrss``) is per design:
   ours (time from process start to the first reminder Telegram receives)
   and the naive design (one JobQueue ``run_daily`` job per patient per daily
   reminder; time until the JobQueue runs with every job added).

10,000 messages need at least 333 s at 30/s, so the default run takes
about six minutes; use ``--patients 1000`` for a quick one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, time as wall, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter without PTB's int deprecation warning

from schedules.kinds import SKINCARE, SUNSCREEN  # noqa: E402 - after the path set-up above

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
TOKEN = "123456:bench-token"
LIMIT = 30
SLOTS = (("sunscreen-am", SUNSCREEN, "morning", "reminders.sunscreen_morning", 0),
         ("sunscreen-noon", SUNSCREEN, "midday", "reminders.sunscreen_midday", 5),
         ("skincare-pm", SKINCARE, "evening", "reminders.skincare_evening", 13))


def settings_for(folder: Path):
    from bot.config import load_settings
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(folder)})


def open_bench_store(folder: Path):
    from bot.store import open_store
    settings = settings_for(folder)
    return open_store(settings.database_path, settings.sealer())


def seed(folder: Path, patients: int, slots: int, due: datetime) -> None:
    """Enrol ``patients`` through the store's API, with ``slots`` pending reminders each (the first at ``due``)."""
    from schedules.planner import Delivery
    store, now = open_bench_store(folder), due - timedelta(days=1)
    with store.transaction():
        for chat in range(1, patients + 1):
            store.give_consent(chat, chat, "", "enrol:zone", now)
            store.update_patient(chat, now, zone="Europe/London", morning=wall(8), evening=wall(21))
            treatment = store.start_treatment(chat, "microneedling", due.date() - timedelta(days=1), now)
            store.replace_pending(chat, treatment.id, [
                Delivery(f"{step}:1", 1, kind, key, due + timedelta(hours=hours), slot)
                for step, kind, slot, key, hours in SLOTS[:slots]], now)
    store.close()


def simulated_app(folder: Path, store, now: datetime, telegram, latency: float = 0.0):
    """The real Application over the simulated Telegram, on a clock standing at ``now``."""
    from bot.app import build_app
    from bot.clock import ManualClock
    from bot.tools.simulated_telegram import FakeRequest
    return build_app(settings_for(folder), store, ManualClock(now), request=FakeRequest(telegram, latency))


async def burst(patients: int) -> dict:
    """N reminders due at once through the real dispatcher and the simulated Telegram enforcing the limits."""
    from bot.delivery.dispatch import dispatcher_of
    from bot.tools.flood_limits import FloodLimits
    from bot.tools.simulated_telegram import FakeTelegram
    received: Counter[int] = Counter()
    telegram = FakeTelegram(FloodLimits(LIMIT))
    telegram.observer = lambda event, sent: received.update([sent.chat_id]) if event == "sent" else None
    with tempfile.TemporaryDirectory() as tmp:
        seed(Path(tmp), patients, 1, T0)
        store = open_bench_store(Path(tmp))
        app = simulated_app(Path(tmp), store, T0, telegram, latency=0.01)
        await app.initialize()
        started = time.monotonic()
        report = await dispatcher_of(app).run_once(T0)
        elapsed = time.monotonic() - started
        states = Counter(row.state for chat in range(1, patients + 1) for row in store.deliveries(chat))
        await app.shutdown()
        store.close()
    sent = sum(received.values())
    rate = sent / elapsed if elapsed else 0.0
    return {"patients": patients, "sent": sent, "lost": patients - len(received),
            "duplicates": sum(n - 1 for n in received.values() if n > 1), "throttled": telegram.limits.refused,
            "rate_per_s": round(rate, 2), "limit_ratio": round(rate / LIMIT, 3), "burst_s": round(elapsed, 1),
            "rows_sent": states.get("sent", 0), "report_messages": report.messages}


# ---- start-up, one subprocess per design ---------------------------------------------------------
async def child(design: str, folder: Path, t0: float, enrolled: int, slots: int) -> dict:
    from bot.tools.simulated_telegram import FakeTelegram
    store, telegram, first = open_bench_store(folder), FakeTelegram(), asyncio.Event()
    if design == "ours":  # the clock stands at the first due instant: the first run sends at once
        telegram.observer = lambda event, sent: first.set()
        app = simulated_app(folder, store, T0, telegram)
    else:  # the naive design: nothing of ours runs before the first job is due
        from zoneinfo import ZoneInfo
        app = simulated_app(folder, store, T0 - timedelta(hours=1), telegram)

        async def remind(context) -> None:  # what each naive job would do
            await context.bot.send_message(context.job.chat_id, "reminder")
        hours = [(slot, wall(8 + h, tzinfo=ZoneInfo("Europe/London"))) for _, _, slot, _, h in SLOTS[:slots]]
        for chat_id in range(1, enrolled + 1):
            for slot, at in hours:
                app.job_queue.run_daily(remind, at, chat_id=chat_id, name=f"{chat_id}:{slot}")
    await app.initialize()
    await app.start()
    if design == "ours":
        await first.wait()
    elapsed = time.time() - t0
    jobs = len(app.job_queue.jobs())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await app.stop()
    await app.shutdown()
    store.close()
    return {"startup_s": round(elapsed, 3), "peak_rss_mb": round(rss, 1), "jobs": jobs}


def startup(design: str, folder: Path, enrolled: int, slots: int) -> dict:
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", design, "--folder", str(folder), "--t0", str(t0),
                          "--enrolled", str(enrolled), "--slots", str(slots)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=10_000, help="reminders in the burst")
    parser.add_argument("--enrolled", type=int, default=100_000, help="patients for the start-up measure")
    parser.add_argument("--slots", type=int, default=3, choices=(1, 2, 3), help="daily reminders per patient")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, Path(args.folder), args.t0, args.enrolled, args.slots))))
        return
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        seed(Path(tmp), args.enrolled, args.slots, T0)
        result["seed_s"] = round(time.monotonic() - started, 1)
        ours = startup("ours", Path(tmp), args.enrolled, args.slots)
        naive = startup("naive", Path(tmp), args.enrolled, args.slots)
    result.update(ours)
    result.update({"naive_startup_s": naive["startup_s"], "naive_peak_rss_mb": naive["peak_rss_mb"],
                   "naive_jobs": naive["jobs"], "enrolled": args.enrolled})
    result["startup_ratio"] = round(naive["startup_s"] / ours["startup_s"], 1)
    result["rss_ratio"] = round(naive["peak_rss_mb"] / ours["peak_rss_mb"], 1)
    result.update(asyncio.run(burst(args.patients)))
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()

"""Benchmark of the delivery engine (not part of the test suite; real time on purpose).

    python bench/dispatch.py [--patients N] [--enrolled M] [--json]

1. Burst: N reminders due at the same instant, sent by the real dispatcher
   (``bot.dispatch``) through the real Application to a local fake Bot API
   that enforces Telegram's limits (30 msg/s for the bot, 1 msg/s per chat,
   over a sliding second of the real monotonic clock) and answers 429 with
   retry_after when they are exceeded. Reports sent, lost, duplicates,
   throttled (429s), rate_per_s and limit_ratio (rate / 30).
2. Start-up with M enrolled patients (three daily reminders each), each
   design in its own subprocess so peak RSS (``ru_maxrss``) is per design:
   ours (time from process start to the dispatcher's first claim) and the
   naive design (one JobQueue ``run_daily`` job per patient per daily
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
from collections import Counter, deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter without PTB's int deprecation warning

from telegram.request import BaseRequest  # noqa: E402

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
TOKEN = "123456:bench-token"
LIMIT = 30
SLOTS = (("sunscreen-am", "sunscreen", "morning", "reminders.sunscreen_morning", 0),
         ("sunscreen-noon", "sunscreen", "midday", "reminders.sunscreen_midday", 5),
         ("skincare-pm", "skincare", "evening", "reminders.skincare_evening", 13))


def settings_for(folder: Path):
    from bot.config import load_settings
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(folder)})


def seed(folder: Path, patients: int, slots: int, due: datetime) -> Path:
    """Enrol ``patients`` with ``slots`` pending reminders each (the first at ``due``), in one transaction."""
    from bot.store import open_store
    from bot.store.records import iso
    path = settings_for(folder).database_path
    store = open_store(path)
    stamp, conn = iso(due - timedelta(days=1)), store.db.conn
    with store.db.atomic():
        conn.executemany(
            "INSERT INTO patients (chat_id, status, zone, morning, evening, consent_at, created_at, updated_at)"
            " VALUES (?, 'active', 'Europe/London', '08:00', '21:00', ?, ?, ?)",
            ((chat, stamp, stamp, stamp) for chat in range(1, patients + 1)))
        conn.executemany("INSERT INTO treatments (id, chat_id, plan, treatment_date, created_at)"
                         " VALUES (?, ?, 'microneedling', '2026-11-23', ?)",
                         ((chat, chat, stamp) for chat in range(1, patients + 1)))
        conn.executemany(
            "INSERT INTO deliveries (chat_id, treatment_id, step, day, kind, slot, message_key, due_at, updated_at)"
            " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
            ((chat, chat, f"{step}:1", kind, slot, key, iso(due + timedelta(hours=hours)), stamp)
             for chat in range(1, patients + 1) for step, kind, slot, key, hours in SLOTS[:slots]))
    store.close()
    return path


class LimitedBotAPI(BaseRequest):
    """A local Bot API that enforces Telegram's flood limits and counts what each chat received."""

    def __init__(self, latency: float = 0.01) -> None:
        self.latency, self.window, self.last = latency, deque(), {}
        self.received: Counter[int] = Counter()
        self.throttled, self.first, self.final, self.ids = 0, None, None, 0

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None):
        from bot.tools.simulated_telegram import BOT_USER
        api = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if api != "sendMessage":
            return 200, json.dumps({"ok": True, "result": BOT_USER if api == "getMe" else True}).encode()
        await asyncio.sleep(self.latency)  # the round trip
        now, chat = time.monotonic(), int(params["chat_id"])
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= LIMIT or now - self.last.get(chat, -9.0) < 1.0:
            self.throttled += 1
            return 429, json.dumps({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                    "parameters": {"retry_after": 1}}).encode()
        self.window.append(now)
        self.last[chat] = now
        self.received[chat] += 1
        self.first, self.final, self.ids = self.first or now, now, self.ids + 1
        return 200, json.dumps({"ok": True, "result": {
            "message_id": self.ids, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "x"}}).encode()


async def burst(patients: int) -> dict:
    """N reminders due at once through the real dispatcher and the limit-enforcing fake API."""
    from bot.app import build_app
    from bot.clock import ManualClock
    from bot.dispatch import install_dispatcher
    from bot.store import open_store
    with tempfile.TemporaryDirectory() as tmp:
        path = seed(Path(tmp), patients, 1, T0)
        store, api = open_store(path), LimitedBotAPI()
        app = build_app(settings_for(Path(tmp)), store, ManualClock(T0), request=api)
        dispatcher = install_dispatcher(app)
        await app.initialize()
        started = time.monotonic()
        report = await dispatcher.run_once(T0)
        elapsed = time.monotonic() - started
        states = Counter(r[0] for r in store.db.execute("SELECT state FROM deliveries").fetchall())
        await app.shutdown()
        store.close()
    sent = sum(api.received.values())
    rate = sent / elapsed if elapsed else 0.0
    return {"patients": patients, "sent": sent, "lost": patients - len(api.received),
            "duplicates": sum(n - 1 for n in api.received.values() if n > 1), "throttled": api.throttled,
            "rate_per_s": round(rate, 2), "limit_ratio": round(rate / LIMIT, 3), "burst_s": round(elapsed, 1),
            "rows_sent": states.get("sent", 0), "report_messages": report.messages}


# ---- start-up, one subprocess per design ---------------------------------------------------------
async def child(design: str, folder: Path, t0: float) -> dict:
    from bot.app import build_app
    from bot.clock import ManualClock
    from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
    from bot.store import open_store
    store = open_store(settings_for(folder).database_path)
    app = build_app(settings_for(folder), store, ManualClock(T0 - timedelta(hours=1)),
                    request=FakeRequest(FakeTelegram()))
    first = asyncio.Event()
    if design == "ours":
        from bot.dispatch import install_dispatcher
        claim_due = store.claim_due

        def claim(*args, **kwargs):
            rows = claim_due(*args, **kwargs)
            first.set()
            return rows
        store.claim_due = claim
        install_dispatcher(app)
    else:
        from datetime import time as wall
        from zoneinfo import ZoneInfo

        async def remind(context) -> None:  # what each naive job would do
            await context.bot.send_message(context.job.chat_id, "reminder")
        hours = [(slot, wall(8 + h, tzinfo=ZoneInfo("Europe/London"))) for _, _, slot, _, h in SLOTS]
        count = len(SLOTS_USED(store))
        for (chat_id,) in store.db.execute("SELECT chat_id FROM patients").fetchall():
            for slot, at in hours[:count]:
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


def SLOTS_USED(store) -> list[str]:  # noqa: N802 - how many daily reminders each patient has
    return [r[0] for r in store.db.execute("SELECT DISTINCT slot FROM deliveries").fetchall()]


def startup(design: str, folder: Path) -> dict:
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", design, "--folder", str(folder), "--t0", str(t0)],
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
        print(json.dumps(asyncio.run(child(args.child, Path(args.folder), args.t0))))
        return
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        seed(Path(tmp), args.enrolled, args.slots, T0)
        result["seed_s"] = round(time.monotonic() - started, 1)
        ours, naive = startup("ours", Path(tmp)), startup("naive", Path(tmp))
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

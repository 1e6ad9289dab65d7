"""Pushes and words per day in weeks 1 and 2, for a silent and an engaged patient, from the real Application.

The patient enrols on day 0 through the real Application over the simulated Telegram, a fake clock steps to
every due instant, and each message the dispatcher sends counts as a push; its words are the words the phone
shows before any button is tapped. The engaged patient taps through every check-in with calm answers (the
result's words are counted apart). ``--show 1,4,10`` prints that day's messages verbatim.

    python bench/words_per_day.py [--json] [--show 1,4,10] [--fewer]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import ManualClock  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.conftest import START, clinic_settings, enrol, start  # noqa: E402

A = 1001
CALM = ["None of these", "Nothing new", "Not at all", "None", "Same", "No"]
WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+", re.UNICODE)


def words(text: str) -> int:
    return len(WORD.findall(text))


async def live(engaged: bool, fewer: bool, days: int, folder: str) -> dict:
    settings = clinic_settings(Path(folder))
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, ManualClock(START))
    try:
        await enrol(bot.phone, A)
        if fewer:
            from bot.store import Store  # noqa: F401  (the same store API the button uses)
            store.set_daily_limit(A, 1)
            from bot.care.scheduling import reschedule
            reschedule(bot.phone.app.bot_data["services"], store.patient(A), bot.phone.clock.now())
        patient = store.patient(A)
        zone, treated = ZoneInfo(patient.zone), patient.treatment.treatment_date
        per_day: dict[int, list[dict]] = defaultdict(list)
        results: dict[int, int] = defaultdict(int)
        end = START + timedelta(days=days)
        while (due := store.next_due_at()) is not None and due <= end:
            before = len(bot.telegram.chat(A))
            await bot.run(max(due, bot.phone.clock.now()))
            day = (due.astimezone(zone).date() - treated).days
            for sent in bot.telegram.chat(A)[before:]:
                local = due.astimezone(zone).strftime("%H:%M")
                per_day[day].append({"at": local, "text": sent.text, "words": words(sent.text),
                                     "buttons": list(sent.labels)})
            if engaged and "Start check-in" in bot.telegram.last(A).labels:
                mark = len(bot.telegram.chat(A))
                await bot.phone.tap(A, "Start check-in")
                while (q := bot.telegram.last(A)).buttons and any(p in q.labels for p in CALM):
                    await bot.phone.tap(A, next(p for p in CALM if p in q.labels), q)
                results[day] += words(bot.telegram.last(A).text) if len(bot.telegram.chat(A)) > mark else 0
        return {"days": {d: per_day[d] for d in sorted(per_day)}, "results": dict(results)}
    finally:
        await bot.phone.app.shutdown()
        store.close()


def summary(run: dict, first: int, last: int) -> list[tuple[int, int, int]]:
    return [(d, len(run["days"].get(d, [])), sum(m["words"] for m in run["days"].get(d, [])))
            for d in range(first, last + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", default="", help="days whose messages to print verbatim, e.g. 1,4,10")
    parser.add_argument("--fewer", action="store_true", help="the patient asked for fewer messages at enrolment")
    args = parser.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as silent_dir, tempfile.TemporaryDirectory() as engaged_dir:
        for name, engaged, folder in (("silent", False, silent_dir), ("engaged", True, engaged_dir)):
            out[name] = asyncio.run(live(engaged, args.fewer, 14, folder))
    if args.json:
        print(json.dumps({k: {"per_day": summary(v, 0, 13), "result_words": v["results"]} for k, v in out.items()}))
    else:
        for name, run in out.items():
            rows = summary(run, 0, 13)
            for label, part in (("week 1 (days 0-7)", rows[:8]), ("week 2 (days 8-13)", rows[8:])):
                print(f"{name:8} {label}: pushes/day {[p for _, p, _ in part]}, words/day {[w for _, _, w in part]},"
                      f" max {max(w for _, _, w in part)} words")
            if run["results"]:
                print(f"{name:8} check-in result words by day: {dict(sorted(run['results'].items()))}")
    for day in [int(d) for d in args.show.split(",") if d.strip()]:
        print(f"\n=== day {day} (silent patient) ===")
        for m in out["silent"]["days"].get(day, []):
            print(f"--- {m['at']} ({m['words']} words) buttons: {m['buttons']}\n{m['text']}")


if __name__ == "__main__":
    main()

"""How often one typed message is read for signs, and the patient row loaded, while the bot answers it.

    python bench/reads_per_message.py [--json]

Not part of the test suite. The real Application over the simulated Telegram (the tests' harness), an
enrolled patient with a clinic chat, and one typed message per case below. While the bot handles that one
update, a profiler counts the calls of ``messages.reading.read_all`` (a reading of the text for signs: every
read goes through it), of ``read_message`` (one lexicon's pass within it: the text's language, then each
other installed lexicon that holds one of the text's words, rules P4g) and of ``Store.patient`` (a load of the
patient row). Prints one line
per case and the totals. Run it on two commits to compare them (the counts do not depend on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store import Store, open_store  # noqa: E402
from messages.reading import read_all, read_message  # noqa: E402
from tests.conftest import START, clinic_settings, enrol, open_phone  # noqa: E402

CHAT = 1001  # the patient of tests.conftest.enrol
from bot.clock import ManualClock  # noqa: E402

# (case, days after treatment, start a check-in first, the message)
CASES = (
    ("typed answer in a check-in", 2, True, "no"),
    ("everyday question", 3, False, "can I wear makeup?"),
    ("sign inside an everyday question", 10, False, "can I wear makeup now? my cheeks are still red though"),
    ("emergency at idle", 3, False, "my tongue is swelling and I can't breathe"),
    ("emergency in a check-in", 2, True, "my throat is closing up"),
    ("chit-chat at idle", 3, False, "had a lovely walk today"),
)


class Counter:
    """Counts calls of two functions while on (sys.setprofile sees every Python call in this thread)."""

    def __init__(self) -> None:
        self.codes = {read_all.__code__: "reads", read_message.__code__: "lexicon_passes",
                      Store.patient.__code__: "patient_loads"}
        self.counts = {"reads": 0, "lexicon_passes": 0, "patient_loads": 0}

    def __call__(self, frame, event, arg) -> None:
        if event == "call" and (name := self.codes.get(frame.f_code)):
            self.counts[name] += 1

    def __enter__(self) -> "Counter":
        sys.setprofile(self)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(None)


async def measure(case: tuple, folder: Path) -> dict:
    name, day, in_checkin, text = case
    settings = clinic_settings(folder)
    store = open_store(settings.database_path, settings.sealer())
    clock = ManualClock(START)
    phone = await open_phone(settings, store, clock)
    try:
        await enrol(phone)
        clock.advance(timedelta(days=day))
        if in_checkin:
            await phone.send(CHAT, "/checkin")
        update = phone.telegram.message(CHAT, text)
        with Counter() as counter:
            await phone.feed(update)
        return {"case": name, **counter.counts}
    finally:
        await phone.app.shutdown()
        store.close()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            rows.append(await measure(case, Path(folder)))
    totals = {name: sum(r[name] for r in rows) for name in ("reads", "lexicon_passes", "patient_loads")}
    if args.json:
        print(json.dumps({"cases": rows, "totals": totals}, indent=2))
    else:
        for row in rows:
            print(f"{row['case']:36} reads {row['reads']}  lexicon_passes {row['lexicon_passes']}  "
                  f"patient_loads {row['patient_loads']}")
        print(f"{'total (' + str(len(rows)) + ' messages)':36} reads {totals['reads']}  "
              f"lexicon_passes {totals['lexicon_passes']}  patient_loads {totals['patient_loads']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

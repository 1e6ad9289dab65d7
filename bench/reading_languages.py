"""Benchmark of reading a typed message with every installed lexicon (rules P4g; not part of the test suite).

    python bench/reading_languages.py [--rounds N] [--json]

Every message of the typed-message tables (tests/data/typed_*.tsv, each read as written by a patient of its
language; the mixed table by its row's language) is read ``--rounds`` times by ``messages.reading.read_all``,
which the chat uses: the text in its own language, then every other installed lexicon. The peer, measured in
the same run on the same messages, is one lexicon alone (``read_message``, what the bot did before P4g).
Prints the lexicons' load time and memory, and p50, p99 and max per message for both, with their ratio.
Target: p99 of ``read_all`` at most 2 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from messages.reading import installed_languages, read_all, read_message  # noqa: E402
from messages.reading_lexicon import load_lexicon  # noqa: E402

TARGET_P99_MS = 2.0


def messages() -> list[tuple[str, str, int]]:
    """(text, language, day) of every table row."""
    found = []
    for path in sorted((ROOT / "tests" / "data").glob("typed_*.tsv")):
        language = path.stem.removeprefix("typed_")
        with path.open(encoding="utf-8", newline="") as handle:
            lines = [line for line in handle if line.strip() and not line.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            found.append((row["text"], row.get("language") or language, int(row["day"])))
    return found


def _load() -> dict:
    """Every installed lexicon, and the language lists read_all loads on first use."""
    lexicons = {language: load_lexicon(language) for language in installed_languages()}
    read_all("warm up: the language lists load on first use", lexicons["en"], day=1)
    return lexicons


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="times each message is read (default 5)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory:  # in a fresh process: what the lexicons hold once loaded
        tracemalloc.start()
        _load()
        print(round(tracemalloc.get_traced_memory()[0] / 2**20, 1))
        return 0
    memory_mb = float(subprocess.run([sys.executable, __file__, "--memory"], check=True, capture_output=True,
                                     text=True).stdout)
    started = time.perf_counter()
    lexicons = _load()
    load_s = time.perf_counter() - started
    rows = messages()
    timings: dict[str, list[float]] = {"read_all": [], "one_lexicon": []}
    for _ in range(args.rounds):
        for text, language, day in rows:
            lexicon = lexicons.get(language, lexicons["en"])
            t0 = time.perf_counter_ns()
            read_all(text, lexicon, day=day)
            t1 = time.perf_counter_ns()
            read_message(text, lexicon, day=day)
            t2 = time.perf_counter_ns()
            timings["read_all"].append((t1 - t0) / 1e6)
            timings["one_lexicon"].append((t2 - t1) / 1e6)
    figures = {"lexicons": list(lexicons), "messages": len(rows), "rounds": args.rounds,
               "load_s": round(load_s, 3), "lexicon_memory_mb": round(memory_mb, 1)}
    for name, values in timings.items():
        figures[name] = {"p50_ms": round(percentile(values, 0.5), 3), "p99_ms": round(percentile(values, 0.99), 3),
                         "max_ms": round(max(values), 3)}
    figures["p99_ratio"] = round(figures["read_all"]["p99_ms"] / figures["one_lexicon"]["p99_ms"], 2)
    figures["p99_target_met"] = figures["read_all"]["p99_ms"] <= TARGET_P99_MS
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"lexicons={','.join(figures['lexicons'])} messages={figures['messages']} rounds={args.rounds} "
              f"load_s={figures['load_s']} lexicon_memory_mb={figures['lexicon_memory_mb']}")
        for name in timings:
            f = figures[name]
            print(f"{name}: p50={f['p50_ms']} ms p99={f['p99_ms']} ms max={f['max_ms']} ms")
        print(f"p99 ratio read_all/one_lexicon={figures['p99_ratio']} target p99<={TARGET_P99_MS} ms "
              f"{'met' if figures['p99_target_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

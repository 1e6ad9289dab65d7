"""Score the reader of typed messages on a table of messages (not part of the test suite).

    python bench/reading_score.py FILE.tsv [--language de] [--failures]

FILE.tsv has a header ``text<TAB>day<TAB>level<TAB>safety`` (a fifth column,
``rule``, is allowed and ignored); ``#`` lines are comments. ``level`` is what
the message alone deserves (emergency, urgent, contact_provider, monitor or
normal) and ``safety`` is ``yes`` when the bot must at once give the emergency
advice or ask the Q1 safety screen. Every row goes through the same pure
function the chat uses, ``messages.assessment.assess``.

Prints one line of figures: ``rows``, ``exact``, ``under`` (a lower level than
the row's), ``over`` (a higher one), ``over_to_emergency`` (non-emergency rows
read as emergency, count and % of them) and ``missed_emergency`` (safety=yes
rows that got neither the emergency advice nor the safety question). The
messages themselves are printed only with ``--failures``, one failing row a
line, so that a blind set can be scored without being read.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from messages.assessment import assess  # noqa: E402 - after the path set-up above
from messages.triage import LEVELS  # noqa: E402


@dataclass(frozen=True)
class Row:
    """One scored message of the table."""

    line: int
    text: str
    day: int
    level: str
    safety: bool


def read_rows(path: Path) -> list[Row]:
    """The rows of a table, with the line each came from; a malformed row stops the run with its line number."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle, start=1) if line.strip() and not line.startswith("#")]
    reader = csv.reader((line for _, line in lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header or [h.strip() for h in header[:4]] != ["text", "day", "level", "safety"]:
        raise SystemExit(f"{path}: the header must be text, day, level, safety (tab-separated)")
    for (number, _), fields in zip(lines[1:], reader):
        if len(fields) < 4 or fields[2] not in LEVELS or fields[3] not in ("yes", "no") or not fields[1].isdigit():
            raise SystemExit(f"{path}:{number}: needs text, a day number, a level and yes/no")
        rows.append(Row(number, fields[0], int(fields[1]), fields[2], fields[3] == "yes"))
    return rows


def score(rows: list[Row], language: str = "en") -> tuple[dict[str, int], list[str]]:
    """The figures of the one-line summary, and a description of each failing row."""
    figures = dict.fromkeys(("rows", "exact", "under", "over", "over_to_emergency", "missed_emergency",
                             "non_emergency"), 0)
    failures: list[str] = []
    for row in rows:
        result = assess(row.text, row.day, language)
        got, want = LEVELS.index(result.level), LEVELS.index(row.level)
        figures["rows"] += 1
        figures["exact"] += got == want
        figures["under"] += got < want
        figures["over"] += got > want
        if row.level != "emergency":
            figures["non_emergency"] += 1
            figures["over_to_emergency"] += result.level == "emergency"
        missed = row.safety and not result.safety_question and result.level != "emergency"
        figures["missed_emergency"] += missed
        if got != want or missed:
            signs = ", ".join(f"{s.token}:{s.action}" for s in result.reading.signs) or "-"
            failures.append(f"{row.line}\tday {row.day}\twant {row.level}{' +safety' if row.safety else ''}"
                            f"\tgot {result.level}{' +safety' if result.safety_question else ''}\t[{signs}]\t{row.text}")
    return figures, failures


def summary(figures: dict[str, int]) -> str:
    """The one line of figures (no message text)."""
    rows, non = figures["rows"], figures["non_emergency"]
    pct = lambda n, of: f"{100 * n / of:.1f}%" if of else "n/a"  # noqa: E731
    return (f"rows={rows} exact={figures['exact']} ({pct(figures['exact'], rows)}) under={figures['under']} "
            f"over={figures['over']} over_to_emergency={figures['over_to_emergency']} "
            f"({pct(figures['over_to_emergency'], non)} of {non} non-emergency) "
            f"missed_emergency={figures['missed_emergency']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="a TSV of text, day, level, safety")
    parser.add_argument("--language", default="en", help="the patients' language (default en)")
    parser.add_argument("--failures", action="store_true", help="also print each failing row (with its text)")
    args = parser.parse_args(argv)
    figures, failures = score(read_rows(args.table), args.language)
    print(summary(figures))
    if args.failures:
        for failure in failures:
            print(failure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

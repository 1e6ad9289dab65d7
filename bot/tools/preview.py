"""``aftercare preview --treated DATE --tz ZONE``: print every reminder a patient would get.

A thin shell over ``schedules.planner.expand``: clinicians and plan authors
can see the whole timeline (local time, UTC instant, kind, text) before a
single patient enrols. Nothing is stored and nothing is sent.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, time
from pathlib import Path
from typing import Mapping, NoReturn, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from messages.catalog import Catalog, MissingText, load_catalog
from schedules.care_plan import PlanError, load_plan
from schedules.budget import fit_budget
from schedules.planner import Delivery, Timing, expand, with_reprompts

PROG = "aftercare preview"
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\Z")


class _UsageError(Exception):
    """Raised instead of argparse's sys.exit, so the caller's streams and exit code are used."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports one line and never exits the process."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _UsageError(status, message or "")

    def error(self, message: str) -> NoReturn:
        raise _UsageError(2, f"{PROG}: error: {message}\n")


def _date(text: str) -> date:
    """Parse --treated: an ISO date like 2026-11-20."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-20: {text!r}") from None


def _time(text: str) -> time:
    """Parse --morning/--midday/--evening: a 24-hour time like 08:00."""
    m = _HHMM.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a 24-hour time like 08:00: {text!r}")
    return time(int(m[1]), int(m[2]))


def _zone(text: str) -> str:
    """Parse --tz: an IANA zone name like Europe/Berlin."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError/OSError: zoneinfo rejects paths and directories ("../x", "Europe").
        raise argparse.ArgumentTypeError(f"unknown IANA time zone: {text!r}") from None
    return text


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        add_help=False,
        description="Print every reminder of a care plan for one treatment date.",
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    parser.add_argument("--treated", type=_date, required=True, help="treatment date (day 0), YYYY-MM-DD")
    parser.add_argument("--tz", type=_zone, help="the patient's IANA zone (default: the clinic's)")
    parser.add_argument("--plan", default=None, help="care plan name (default: the clinic's)")
    for slot in ("morning", "midday", "evening"):
        parser.add_argument(f"--{slot}", type=_time, help=f"{slot} reminder time, HH:MM")
    return parser


def _first_line(catalog: Catalog, delivery: Delivery, contact: Mapping[str, str]) -> str:
    """The first line of the delivery's text, with the clinic's values (or samples) for its placeholders."""
    samples: dict[str, object] = {"clinic_name": "your clinic", **contact, "day": delivery.day}
    values = {n: samples.get(n, f"<{n}>") for n in catalog.placeholders(delivery.message_key)}
    text = catalog.render(delivery.message_key, **values)
    return text.strip().splitlines()[0] if text.strip() else ""


def _line(catalog: Catalog, d: Delivery, zone: ZoneInfo, contact: Mapping[str, str]) -> str:
    here = d.due_utc.astimezone(zone)
    return (
        f"{here:%Y-%m-%d %a %H:%M} {here.tzname():<6} {d.due_utc:%Y-%m-%dT%H:%MZ}  "
        f"day {d.day:>2}  {d.kind:<9}  {_first_line(catalog, d, contact)}\n"
    )


def preview_command(
    argv: list[str],
    defaults: Timing,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    contact: Mapping[str, str] | None = None,
    *,
    plan: str = "microneedling",
    language: str = "en",
    catalog_dir: str | Path | None = None,
    plans_dir: str | Path | None = None,
) -> int:
    """Run ``aftercare preview``; return the exit code (0 ok, 2 bad arguments). ``plan`` (the clinic's),
    ``language``, ``catalog_dir`` and ``plans_dir`` are the bot's settings, so it shows what patients get."""
    argv = list(argv)
    if argv[:1] == ["preview"]:  # tolerate being handed the sub-command name too
        argv = argv[1:]
    parser = _parser()
    if "-h" in argv or "--help" in argv:
        out.write(parser.format_help())
        return 0
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        err.write(exc.message)
        return exc.status
    timing = Timing(
        zone=args.tz or defaults.zone,
        morning=args.morning or defaults.morning,
        midday=args.midday or defaults.midday,
        evening=args.evening or defaults.evening,
        quiet_start=defaults.quiet_start,
        quiet_end=defaults.quiet_end,
    )
    try:
        catalog = load_catalog(language, catalog_dir)
        care_plan = load_plan(args.plan or plan, catalog.texts, plans_dir)
        deliveries = fit_budget(with_reprompts(expand(care_plan, args.treated, timing), timing),
                                care_plan.daily_budget)  # bundled as patients get them
        zone = ZoneInfo(timing.zone)
        lines = [_line(catalog, d, zone, contact or {}) for d in deliveries]
    except (PlanError, MissingText, ValueError, ZoneInfoNotFoundError) as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return 2
    out.writelines(lines)
    return 0

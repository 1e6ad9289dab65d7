"""Care plans as data: load ``schedules/plans/<name>.toml`` and validate it.

A plan is a list of steps ("sunscreen every morning from the start day",
"check-in on days 0-7, 10, 14 ..."), with its length (which also decides when a
finished patient's data is erased), its sunscreen window, its healing timeline
and its everyday answers (``plan_parts``). Validation happens at load time so
a typo in a plan stops start-up with a message naming the file, the step and
the field, instead of silently sending nothing to patients weeks later.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import time
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from itertools import combinations
from typing import Any

from .kinds import CHECKIN, NOTE, PLAN_KINDS, SUNSCREEN
from .plan_parts import (Answer, SunscreenWindow, Timeline, is_int as _is_int, parse_answers, parse_budget,
                         parse_sunscreen,
                         parse_timeline)

__all__ = ["Answer", "Plan", "PlanError", "Step", "SunscreenDays", "SunscreenWindow", "Timeline",
           "available_plans", "load_plan", "parse_plan", "plan_days", "slot_time"]

SLOTS = ("morning", "midday", "evening")

# The placeholders the dispatcher promises to fill in when it renders a
# reminder text; the catalog test checks every plan message against this.
REMINDER_PLACEHOLDERS = frozenset({"day", "clinic_name"})

_KEY = re.compile(r"[a-z0-9][a-z0-9-]*\Z")  # no ":" - it separates key and day
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)\Z")
_RANGE = re.compile(r"(-?\d+)\s*-\s*(-?\d+)\Z")  # "0-7", and before the session "-7--1"
_STEP_FIELDS = frozenset({"key", "kind", "days", "until_day", "at", "message"})
_PLAN_FIELDS = frozenset({"name", "title", "titles", "length_days", "sunscreen", "timeline", "steps", "answers",
                          "daily_budget", "photo_days", "first_day"})
# How early a plan may start: its preparation days before the session (day 0) hold only notes.
EARLIEST_DAY = -14


class PlanError(ValueError):
    """A care plan file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class SunscreenDays:
    """Marker for ``days = "sunscreen"``: the plan's sunscreen window decides the days.

    ``until_day`` optionally stops the step earlier than the window's end.
    """

    until_day: int | None = None


@dataclass(frozen=True)
class Step:
    """One reminder series of a plan; it fires once per listed day."""

    key: str
    kind: str
    days: tuple[int, ...] | SunscreenDays
    at: str  # "morning" | "midday" | "evening" | "HH:MM"
    message: str


@dataclass(frozen=True)
class Plan:
    """A validated care plan: days run first_day..length_days inclusive (first_day < 0: preparation days
    before the session, which hold only notes)."""

    name: str
    title: str
    length_days: int
    steps: tuple[Step, ...]
    answers: tuple[Answer, ...] = ()
    sunscreen: SunscreenWindow | None = None  # required when a step has days = "sunscreen"
    timeline: Timeline | None = None          # None: reminders open without a timeline line

    def sunscreen_days(self, step: Step) -> tuple[int, ...]:
        """The days ``step`` fires on, the sunscreen window applied."""
        window = self.sunscreen
        return plan_days(step, self.length_days, *((window.start_day, window.end_day) if window else ()))
    # (first day, last day, most messages a day): the planner bundles a day's reminders to fit. Empty: no limit.
    daily_budget: tuple[tuple[int, int, int], ...] = ()
    # The check-in days after which a patient who said yes to photo check-ins is asked for one photo. Empty: never.
    photo_days: tuple[int, ...] = ()
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) in other languages than the plan's own

    def title_in(self, language: str | None) -> str:
        """The plan's title in ``language`` ("Nachsorge nach Microneedling"), else its own."""
        return dict(self.titles).get(language or "", self.title)
    first_day: int = 0  # negative: the plan starts that many days before the session with its preparation notes


def _folders(extra: str | Path | None) -> list[Traversable]:
    """Where plans are looked for: the configured folder first (AFTERCARE_PLANS_DIR), then the shipped ones."""
    shipped = resources.files("schedules").joinpath("plans")
    return [Path(extra), shipped] if extra else [shipped]


def available_plans(folder: str | Path | None = None) -> list[str]:
    """Names of the plans in ``folder`` (if given) and shipped in ``schedules/plans``."""
    return sorted({e.name.removesuffix(".toml") for place in _folders(folder) if place.is_dir()
                   for e in place.iterdir() if e.name.endswith(".toml")})


def load_plan(name: str, known_message_keys: Collection[str] | None = None,
              folder: str | Path | None = None) -> Plan:
    """Read and validate the plan ``name`` (from ``folder`` if it has one, else the shipped one);
    raise PlanError if it is wrong."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise PlanError(f"plan name {name!r} is not a plain name like 'microneedling'")
    entry = next((e for place in _folders(folder) if (e := place.joinpath(f"{name}.toml")).is_file()), None)
    if entry is None:
        raise PlanError(f"no plan {name!r}; available: {', '.join(available_plans(folder)) or 'none'}")
    plan = parse_plan(
        entry.read_text(encoding="utf-8"), known_message_keys, source=f"plans/{name}.toml"
    )
    if plan.name != name:
        raise PlanError(f"plans/{name}.toml: field 'name' is {plan.name!r}, expected {name!r}")
    return plan


def parse_plan(
    text: str, known_message_keys: Collection[str] | None = None, source: str = "<plan>"
) -> Plan:
    """Parse and validate plan TOML; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{source}: not valid TOML: {exc}") from None

    def fail(msg: str) -> PlanError:
        return PlanError(f"{source}: {msg}")

    extra = set(data) - _PLAN_FIELDS
    if extra:
        raise fail(f"unknown field(s) {', '.join(sorted(extra))}")
    name, title, length = data.get("name"), data.get("title"), data.get("length_days")
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail(f"field 'name' must be a plain name, got {name!r}")
    if not isinstance(title, str) or not title.strip():
        raise fail("field 'title' must be non-empty text")
    if not _is_int(length) or length < 1:
        raise fail(f"field 'length_days' must be a positive integer, got {length!r}")
    first = data.get("first_day", 0)
    if not _is_int(first) or not EARLIEST_DAY <= first <= 0:
        raise fail(f"field 'first_day' must be a day {EARLIEST_DAY}..0 (days before the session), got {first!r}")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("field 'steps' must be a non-empty list of [[steps]] tables")

    known = None if known_message_keys is None else frozenset(known_message_keys)
    steps: list[Step] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps):
        step = _parse_step(raw, index, length, known, fail, first)
        if step.key in seen:
            raise fail(f"step {step.key!r}: field 'key' is a duplicate; step keys must be unique")
        seen.add(step.key)
        steps.append(step)
    _check_overlaps(steps, length, fail)
    sunscreen = parse_sunscreen(data.get("sunscreen"), length, fail)
    if sunscreen is None and any(isinstance(step.days, SunscreenDays) for step in steps):
        raise fail("a step has days = \"sunscreen\" but the plan has no [sunscreen] window")
    answers = parse_answers(data.get("answers", []), length, known, fail, first)
    timeline = parse_timeline(data.get("timeline"), length, known, fail)
    daily_budget = parse_budget(data.get("daily_budget"), length, fail, first)
    photo_days = _parse_photo_days(data.get("photo_days", []), steps, length, fail)
    titles = data.get("titles", {})
    if not isinstance(titles, dict) or not all(isinstance(t, str) and t.strip() for t in titles.values()):
        raise fail("field 'titles' must be a table of language = \"title\"")
    return Plan(name, title, length, tuple(steps), answers, sunscreen, timeline, daily_budget,
                photo_days=photo_days, titles=tuple(sorted(titles.items())), first_day=first)


def _parse_photo_days(spec: Any, steps: list[Step], length: int, fail) -> tuple[int, ...]:
    """The photo days: like a step's days, and each must be a check-in day (the photo follows its result)."""
    if spec == []:
        return ()
    days = _parse_days(spec, None, "photo", length, "field", fail)
    checkin_days = {day for step in steps if step.kind == CHECKIN for day in plan_days(step, length)}
    if missing := sorted(set(days) - checkin_days):
        raise fail(f"field 'photo_days': day {missing[0]} has no check-in (a photo follows a check-in's result)")
    return days


def _parse_step(raw: Any, index: int, length: int, known, fail, first: int = 0) -> Step:
    if not isinstance(raw, Mapping):
        raise fail(f"step #{index + 1}: must be a [[steps]] table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise fail(f"step #{index + 1}: field 'key' must match [a-z0-9-]+, got {key!r}")
    where = f"step {key!r}"
    extra = set(raw) - _STEP_FIELDS
    if extra:
        raise fail(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
    for field in ("kind", "days", "at", "message"):
        if field not in raw:
            raise fail(f"{where}: field {field!r} is missing")

    kind = raw["kind"]
    if kind not in PLAN_KINDS:
        raise fail(f"{where}: field 'kind' is {kind!r}; expected one of {', '.join(sorted(PLAN_KINDS))}")

    at = raw["at"]
    if not isinstance(at, str):
        raise fail(f"{where}: field 'at' must be a slot name or \"HH:MM\", got {at!r}")
    if at not in SLOTS and not _HHMM.match(at):
        raise fail(
            f"{where}: field 'at' is {at!r}; expected {', '.join(SLOTS)} or a 24-hour \"HH:MM\""
        )

    message = raw["message"]
    if not isinstance(message, str) or not message:
        raise fail(f"{where}: field 'message' must be a catalog key")
    if known is not None and message not in known:
        raise fail(f"{where}: field 'message' names unknown catalog key {message!r}")

    days = _parse_days(raw["days"], raw.get("until_day"), kind, length, f"{where}: field", fail, first)
    if isinstance(days, tuple) and days and days[0] < 0 and kind != NOTE:
        # Before the session there is nothing to check in on and no treated skin to care for.
        raise fail(f"{where}: field 'days' has day {days[0]}: only notes may come before the session (day 0)")
    return Step(key, kind, days, at, message)


def _parse_days(spec: Any, until: Any, kind: str, length: int, where: str, fail, earliest: int = 0):
    if spec == "sunscreen":
        if kind != SUNSCREEN:
            raise fail(f"{where} 'days': \"sunscreen\" is only for steps of kind sunscreen")
        if until is not None and (not _is_int(until) or not 0 <= until <= length):
            raise fail(f"{where} 'until_day' must be a day 0..{length}, got {until!r}")
        return SunscreenDays(until)
    if until is not None:
        raise fail(f"{where} 'until_day' is only allowed with days = \"sunscreen\"")
    items = [spec] if isinstance(spec, (str, int)) else spec
    if not isinstance(items, list) or not items:
        raise fail(f"{where} 'days' must be a list of days and \"a-b\" ranges, got {spec!r}")
    days: set[int] = set()
    for item in items:
        if _is_int(item):
            low = last = item
        elif isinstance(item, str) and (m := _RANGE.match(item.strip())):
            low, last = int(m[1]), int(m[2])
            if low > last:
                raise fail(f"{where} 'days': range {item!r} runs backwards")
        elif isinstance(item, str) and item.strip().lstrip("-").isdigit():
            low = last = int(item)
        else:
            raise fail(f"{where} 'days': {item!r} is not a day or an \"a-b\" range")
        if low < earliest or last > length:
            raise fail(f"{where} 'days': {item!r} is outside days {earliest}..{length} (first_day, length_days)")
        days.update(range(low, last + 1))
    return tuple(sorted(days))


def plan_days(step: Step, length: int, start: int = 0, end: int | None = None) -> tuple[int, ...]:
    """The days ``step`` fires on, given a sunscreen window start..end (default: all days)."""
    if isinstance(step.days, tuple):
        return step.days
    last = length if end is None else min(end, length)
    if step.days.until_day is not None:
        last = min(last, step.days.until_day)
    return tuple(range(max(start, 0), last + 1))


def _check_overlaps(steps: list[Step], length: int, fail) -> None:
    # Two steps of one kind at one slot on one day would send the patient two
    # messages of the same sort at once; that is always a plan mistake. The
    # sunscreen window is checked as if it covered every day, so a later change
    # of the window never makes a valid plan invalid.
    for a, b in combinations(steps, 2):
        if a.kind != b.kind or a.at != b.at:
            continue
        shared = set(plan_days(a, length)) & set(plan_days(b, length))
        if shared:
            raise fail(
                f"step {b.key!r}: field 'days' overlaps step {a.key!r} "
                f"(both kind {a.kind!r} at {a.at!r} on day {min(shared)})"
            )


def slot_time(at: str) -> time | None:
    """The fixed time of an ``at`` value, or None when it names a patient slot."""
    m = _HHMM.match(at)
    return time(int(m[1]), int(m[2])) if m else None

"""The day-range parts of a care plan: the healing timeline, the sunscreen window and the everyday answers.

Each is a table in the plan TOML (``schedules/plans/<name>.toml``), validated
here so that ``care_plan.parse_plan`` stays about the plan and its steps.
``by_day`` tables map day ranges (``"4-7"``, or one day ``"3"``) to catalog
keys and must cover days 0..length_days once each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

_KEY = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)\Z")
_SIGNED_RANGE = re.compile(r"(-?\d+)\s*-\s*(-?\d+)\Z")  # a budget may cover the preparation days: "-7--1"
_SIGNED_DAY = re.compile(r"-?\d+\Z")
_ANSWER_FIELDS = frozenset({"topic", "words", "not", "by_day"})
_TIMELINE_FIELDS = frozenset({"before", "by_day", "after"})
_SUNSCREEN_FIELDS = frozenset({"start_day", "end_day"})

Fail = Callable[[str], Exception]
DayRanges = tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Timeline:
    """What is expected on each day since treatment (triage-rules §3): a catalog key per day.

    ``before`` is for days before the treatment, ``after`` for days past the plan.
    Every key also has a ``<key>_short`` form for the day's later messages.
    """

    before: str
    by_day: DayRanges
    after: str

    def key(self, day: int) -> str:
        """The catalog key of the expected-healing line for ``day`` since treatment."""
        if day < 0:
            return self.before
        return next((key for first, last, key in self.by_day if first <= day <= last), self.after)

    def keys(self) -> set[str]:
        return {self.before, self.after} | {key for _, _, key in self.by_day}


@dataclass(frozen=True)
class SunscreenWindow:
    """The days (since treatment, 0 = treatment day) a plan's ``days = "sunscreen"`` steps run."""

    start_day: int
    end_day: int


@dataclass(frozen=True)
class Answer:
    """The clinic's approved answer to one everyday question, by day (messages/questions.py finds it).

    ``words`` name the topic (``word*`` matches a word's start); ``not_words`` (the plan's ``not``) are words
    that mean the text is about something else ("hyaluronic acid" is a hydrator, not one of the "acids"; "run to
    the pharmacy" is no workout): a text naming one never gets this answer. ``by_day`` holds
    (first day, last day, catalog key) ranges that cover the whole plan without overlap.
    """

    topic: str
    words: tuple[str, ...]
    by_day: DayRanges
    not_words: tuple[str, ...] = ()


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_by_day(by_day: Any, length: int, known, where: str, fail: Fail, first_day: int = 0) -> DayRanges:
    """A ``by_day`` table: day ranges to catalog keys, covering days 0..length once each; a plan with preparation
    days (``first_day`` < 0) may also cover them ("-7--1"), all of them once each."""
    if not isinstance(by_day, Mapping) or not by_day:
        raise fail(f"{where}: field 'by_day' must be a table of \"a-b\" day ranges to catalog keys")
    ranges = []
    for span, key in by_day.items():
        m = _SIGNED_RANGE.match(span.strip())
        first, last = (int(m[1]), int(m[2])) if m else (int(span), int(span)) if _SIGNED_DAY.match(span.strip()) \
            else (None, None)
        if first is None or first > last or last > length or first < first_day:
            raise fail(f"{where}: field 'by_day' has {span!r}, not a day range within {first_day}..{length}")
        if not isinstance(key, str) or (known is not None and key not in known):
            raise fail(f"{where}: field 'by_day' names unknown catalog key {key!r}")
        ranges.append((first, last, key))
    ranges.sort()
    expected = first_day if ranges[0][0] < 0 else 0
    for first, last, _ in ranges:
        if first != expected:
            raise fail(f"{where}: field 'by_day' must cover days {min(expected, 0)}..{length} once each; day "
                       f"{min(first, expected)} is {'missing' if first > expected else 'covered twice'}")
        expected = last + 1
    if expected != length + 1:
        raise fail(f"{where}: field 'by_day' must cover days 0..{length}; it stops at day {expected - 1}")
    return tuple(ranges)


def _key(raw: Mapping, field: str, known, where: str, fail: Fail) -> str:
    key = raw.get(field)
    if not isinstance(key, str) or not key or (known is not None and key not in known):
        raise fail(f"{where}: field {field!r} must name a catalog key, got {key!r}")
    return key


def parse_timeline(raw: Any, length: int, known, fail: Fail) -> Timeline | None:
    """The plan's ``[timeline]`` table, or None when the plan has none (its messages then open without one)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise fail("field 'timeline' must be a [timeline] table")
    extra = set(raw) - _TIMELINE_FIELDS
    if extra:
        raise fail(f"timeline: unknown field(s) {', '.join(sorted(extra))}")
    return Timeline(_key(raw, "before", known, "timeline", fail),
                    parse_by_day(raw.get("by_day"), length, known, "timeline", fail),
                    _key(raw, "after", known, "timeline", fail))


def parse_sunscreen(raw: Any, length: int, fail: Fail) -> SunscreenWindow | None:
    """The plan's ``[sunscreen]`` window, or None when the plan has none."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != _SUNSCREEN_FIELDS:
        raise fail("field 'sunscreen' must be a [sunscreen] table with start_day and end_day")
    start, end = raw["start_day"], raw["end_day"]
    if not is_int(start) or not is_int(end) or not 0 <= start <= end <= length:
        raise fail(f"sunscreen: start_day and end_day must be days with 0 <= start_day <= end_day <= {length}, "
                   f"got {start!r} and {end!r}")
    return SunscreenWindow(start, end)


def parse_answers(raw_answers: Any, length: int, known, fail: Fail, first_day: int = 0) -> tuple[Answer, ...]:
    """The plan's ``[[answers]]`` tables."""
    if not isinstance(raw_answers, list):
        raise fail("field 'answers' must be a list of [[answers]] tables")
    answers: list[Answer] = []
    for index, raw in enumerate(raw_answers):
        if not isinstance(raw, Mapping):
            raise fail(f"answer #{index + 1}: must be an [[answers]] table")
        topic = raw.get("topic")
        if not isinstance(topic, str) or not _KEY.match(topic):
            raise fail(f"answer #{index + 1}: field 'topic' must match [a-z0-9-]+, got {topic!r}")
        where = f"answer {topic!r}"
        if topic in {a.topic for a in answers}:
            raise fail(f"{where}: field 'topic' is a duplicate")
        extra = set(raw) - _ANSWER_FIELDS
        if extra:
            raise fail(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
        words, not_words = raw.get("words"), raw.get("not", [])
        if not _word_list(words) or not words:
            raise fail(f"{where}: field 'words' must be a non-empty list of lower-case words or phrases")
        if not _word_list(not_words):
            raise fail(f"{where}: field 'not' must be a list of lower-case words or phrases")
        answers.append(Answer(topic, tuple(words), parse_by_day(raw.get("by_day"), length, known, where, fail,
                                                                first_day),
                              tuple(not_words)))
    return tuple(answers)


def _word_list(words: Any) -> bool:
    return isinstance(words, list) and all(isinstance(w, str) and w.strip(" *") and w == w.lower() for w in words)


def parse_budget(raw: Any, length: int, fail: Fail, first_day: int = 0) -> tuple[tuple[int, int, int], ...]:
    """``daily_budget``: day ranges to the most messages a day, covering days 0..length once each (or absent);
    a plan with preparation days (``first_day`` < 0) may cover them too ("-7--1"), and then covers them all."""
    if raw is None:
        return ()
    where = "field 'daily_budget'"
    if not isinstance(raw, Mapping) or not raw:
        raise fail(f"{where} must be a table of \"a-b\" day ranges to message counts")
    ranges = []
    for span, most in raw.items():
        m = _SIGNED_RANGE.match(span.strip())
        first, last = (int(m[1]), int(m[2])) if m else (int(span), int(span)) if _SIGNED_DAY.match(span.strip()) \
            else (None, None)
        if first is None or first > last or last > length or first < first_day:
            raise fail(f"{where} has {span!r}, not a day range within {first_day}..{length}")
        if not is_int(most) or most < 1:
            raise fail(f"{where} gives {span!r} {most!r}; expected a whole number of messages, at least 1")
        ranges.append((first, last, most))
    ranges.sort()
    expected = ranges[0][0] if ranges[0][0] < 0 else 0
    if expected not in (0, first_day):
        raise fail(f"{where} must cover the preparation days {first_day}..-1 once each; day {first_day} is missing")
    for first, last, _ in ranges:
        if first != expected:
            raise fail(f"{where} must cover days 0..{length} once each; day "
                       f"{min(first, expected)} is {'missing' if first > expected else 'covered twice'}")
        expected = last + 1
    if expected != length + 1:
        raise fail(f"{where} must cover days 0..{length}; it stops at day {expected - 1}")
    return tuple(ranges)

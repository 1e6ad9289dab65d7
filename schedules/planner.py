"""The pure planner: turn a care plan into deliveries, and judge late ones.

Everything here is a function of plain values. It never reads the clock
(``now`` is passed in), never touches Telegram or SQLite, and turns local
wall times into UTC instants in exactly one place, :func:`local_to_utc`, so
daylight-saving time is handled (and tested) once.

DST choices, both PEP 495 ``fold=0`` semantics:

* a wall time that does not exist (spring forward, e.g. 02:30 in Berlin on
  2026-03-29) is read with the offset *before* the gap, which moves it
  forward by the gap's length: 02:30 becomes 03:30 local. One reminder, a
  little late, never skipped and never early.
* a wall time that happens twice (fall back, e.g. 02:30 on 2026-10-25) is
  the *first* occurrence. One reminder, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .care_plan import Plan, slot_time
from .kinds import CHECKIN, FOLLOWUP, NOTE, REPROMPT, SKINCARE, SUNSCREEN

UTC = timezone.utc
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Timing:
    """When one patient wants reminders, in their own IANA zone."""

    zone: str
    morning: time
    midday: time
    evening: time
    quiet_start: time | None = None
    quiet_end: time | None = None  # may be earlier than quiet_start: wraps midnight


@dataclass(frozen=True)
class Delivery:
    """One message due to one patient; ``step`` is its stable natural key."""

    step: str
    day: int
    kind: str
    message_key: str
    due_utc: datetime
    at: str = ""  # the step's slot or "HH:MM": what decide() needs when the row is claimed


@dataclass(frozen=True)
class Lateness:
    """Whether a claimed delivery is still worth sending, and why not."""

    send: bool
    reason: str | None = None


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {instant!r}")


def local_to_utc(d: date, t: time, zone: str | ZoneInfo) -> datetime:
    """The UTC instant of wall time ``t`` on ``d`` in ``zone`` (fold=0, see module doc)."""
    # zoneinfo implements PEP 495: with fold=0 a gap time uses the pre-gap
    # offset (so it lands after the gap) and an ambiguous time its first
    # occurrence. Any tzinfo/fold on ``t`` is discarded on purpose.
    wall = datetime.combine(d, t.replace(tzinfo=None, fold=0))
    return wall.replace(tzinfo=_zone(zone)).astimezone(UTC)


def _in_quiet(t: time, timing: Timing) -> bool:
    start, end = timing.quiet_start, timing.quiet_end
    if (start is None) != (end is None):
        raise ValueError(f"quiet hours need both a start and an end, got {start!r}-{end!r}")
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # wraps midnight, e.g. 22:00-07:00


def in_quiet_hours(t: time, timing: Timing) -> bool:
    """Whether local wall time ``t`` falls inside the timing's quiet hours (none: never)."""
    return _in_quiet(t, timing)


def respect_quiet(instant: datetime, timing: Timing) -> datetime:
    """Move ``instant`` to the end of the patient's quiet hours if it falls inside them."""
    zone = _zone(timing.zone)
    local = instant.astimezone(zone)
    # Judge the *actual* local time (after any DST shift), not the requested one.
    wall = local.time().replace(tzinfo=None)
    if not _in_quiet(wall, timing):
        return instant
    end_date = local.date()
    if timing.quiet_start > timing.quiet_end and wall >= timing.quiet_start:
        end_date += timedelta(days=1)  # evening part of a wrapping window
    return local_to_utc(end_date, timing.quiet_end, zone)


def slot_clock(at: str, timing: Timing) -> time:
    """The local wall time of a step's ``at``: the patient's slot or a fixed HH:MM."""
    fixed = slot_time(at)
    if fixed is not None:
        return fixed
    return {"morning": timing.morning, "midday": timing.midday, "evening": timing.evening}[at]


def expand(plan: Plan, treatment_date: date, timing: Timing) -> list[Delivery]:
    """Every delivery of ``plan`` for one treatment, sorted by due instant then step."""
    zone = _zone(timing.zone)
    out: list[Delivery] = []
    for step in plan.steps:
        clock = slot_clock(step.at, timing)
        for day in plan.sunscreen_days(step):
            due = local_to_utc(treatment_date + timedelta(days=day), clock, zone)
            out.append(
                Delivery(
                    f"{step.key}:{day}", day, step.kind, step.message,
                    respect_quiet(due, timing), step.at,
                )
            )
    out.sort(key=lambda d: (d.due_utc, d.step))
    return out


def pending_after(deliveries: list[Delivery], now_utc: datetime) -> list[Delivery]:
    """Deliveries due at or after ``now_utc``: what re-planning keeps after a settings change."""
    _require_aware(now_utc, "now_utc")
    return [d for d in deliveries if d.due_utc >= now_utc]


def day_since(treatment_date: date, now_utc: datetime, zone: str | ZoneInfo) -> int:
    """Local calendar days since treatment (0 on the treatment day, negative before)."""
    _require_aware(now_utc, "now_utc")
    return (now_utc.astimezone(_zone(zone)).date() - treatment_date).days


def next_local(now_utc: datetime, t: time, timing: Timing) -> datetime:
    """The next instant at local time ``t`` (today if still ahead, else tomorrow), out of quiet hours."""
    _require_aware(now_utc, "now_utc")
    zone = _zone(timing.zone)
    today = now_utc.astimezone(zone).date()
    due = local_to_utc(today, t, zone)
    if due <= now_utc:
        due = local_to_utc(today + timedelta(days=1), t, zone)
    return respect_quiet(due, timing)


REPROMPT_AFTER = timedelta(minutes=45)  # long enough to finish what they were doing, short enough for today
REPROMPT_MIN_GAP = timedelta(minutes=15)


REPROMPT_MESSAGE = "checkin.reprompt"


def with_reprompts(deliveries: list[Delivery], timing: Timing) -> list[Delivery]:
    """The deliveries plus one re-prompt per check-in prompt, where the day leaves room (``reprompt_at``).

    The dispatcher skips a re-prompt once that day's check-in is answered."""
    extra = [Delivery(f"reprompt:{d.day}", d.day, REPROMPT, REPROMPT_MESSAGE, at, d.at)
             for d in deliveries if d.kind == CHECKIN and (at := reprompt_at(d.due_utc, timing)) is not None]
    return sorted(deliveries + extra, key=lambda d: (d.due_utc, d.step))


def reprompt_at(due_utc: datetime, timing: Timing) -> datetime | None:
    """When to re-prompt an unanswered check-in: once, later the same local day, never in quiet hours.

    Tries ``REPROMPT_AFTER`` after the prompt; if that falls in quiet hours or on
    the next day, just before quiet hours start; None when there is no room.
    """
    _require_aware(due_utc, "due_utc")
    zone = _zone(timing.zone)
    day = due_utc.astimezone(zone).date()
    candidates = [due_utc + REPROMPT_AFTER]
    if timing.quiet_start is not None:
        candidates.append(local_to_utc(day, timing.quiet_start, zone) - REPROMPT_MIN_GAP)
    for candidate in candidates:
        same_day = candidate.astimezone(zone).date() == day
        if same_day and candidate >= due_utc + REPROMPT_MIN_GAP and respect_quiet(candidate, timing) == candidate:
            return candidate
    return None


# --- timeline ---------------------------------------------------------------

def timeline_key(plan: Plan, day: int) -> str | None:
    """The catalog key of the plan's expected-healing line for ``day`` since treatment (None: no timeline)."""
    return plan.timeline.key(day) if plan.timeline is not None else None


# --- lateness ---------------------------------------------------------------


@dataclass(frozen=True)
class Cutoff:
    """Drop a delivery found after ``at`` local time on its due day.

    ``at = MIDNIGHT`` means the midnight that *ends* the due day, i.e. the
    delivery is still sent any time on the local day it was due.
    """

    at: time
    reason: str


_NOON = Cutoff(time(12, 0), "late_past_noon")
_AFTERNOON = Cutoff(time(17, 0), "late_past_1700")
_TONIGHT = Cutoff(MIDNIGHT, "late_past_midnight")
_SAME_DAY = Cutoff(MIDNIGHT, "late_next_day")

# kind -> slot -> Cutoff, or None for "never dropped". "*" covers every slot.
# A reminder to put on sunscreen is useless once the morning is gone; a
# check-in (and its one re-prompt) is still useful the same day, but not the
# next; a follow-up after a worrying check-in is never dropped.
LATENESS_POLICIES: dict[str, dict[str, Cutoff | None]] = {
    SUNSCREEN: {"morning": _NOON, "midday": _AFTERNOON, "evening": _TONIGHT},
    SKINCARE: {"morning": _NOON, "midday": _AFTERNOON, "evening": _TONIGHT},
    NOTE: {"morning": _NOON, "midday": _AFTERNOON, "evening": _TONIGHT},
    CHECKIN: {"*": _SAME_DAY},
    FOLLOWUP: {"*": None},
    REPROMPT: {"*": _SAME_DAY},
}

# If quiet hours push a delivery past its own cutoff (quiet hours ending at
# 13:00 and a morning reminder), it is still sent within this grace period of
# its due instant instead of being dropped by the dispatcher's few seconds of
# lag.
SHIFTED_GRACE = timedelta(minutes=30)


def slot_of(at: str) -> str:
    """The slot a step's ``at`` belongs to; fixed times go by the policy hours."""
    fixed = slot_time(at)
    if fixed is None:
        return at
    if fixed < _NOON.at:
        return "morning"
    return "midday" if fixed < _AFTERNOON.at else "evening"


def decide(kind: str, at: str, due_utc: datetime, now_utc: datetime, zone: str | ZoneInfo) -> Lateness:
    """Whether a delivery claimed at ``now_utc`` is still sent (the lateness policy)."""
    _require_aware(due_utc, "due_utc")
    _require_aware(now_utc, "now_utc")
    if now_utc <= due_utc:
        return Lateness(True)
    slots = LATENESS_POLICIES.get(kind)
    if slots is None:
        return Lateness(True)  # unknown kind: sending is safer than a silent drop
    cutoff = slots["*"] if "*" in slots else slots.get(slot_of(at))
    if cutoff is None:
        return Lateness(True)  # never dropped (or a slot no policy names: send)
    tz = _zone(zone)
    due_day = due_utc.astimezone(tz).date()
    if cutoff.at == MIDNIGHT:
        deadline = local_to_utc(due_day + timedelta(days=1), MIDNIGHT, tz)
    else:
        deadline = local_to_utc(due_day, cutoff.at, tz)
    if due_utc >= deadline:
        deadline = due_utc + SHIFTED_GRACE
    if now_utc < deadline:
        return Lateness(True)
    return Lateness(False, cutoff.reason)

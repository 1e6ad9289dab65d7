"""The pure planner: expansion, local time to UTC across DST, quiet hours, lateness."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.care_plan import SunscreenWindow, load_plan, parse_plan
from schedules.planner import (
    reprompt_at,
    LATENESS_POLICIES,
    Delivery,
    Lateness,
    Timing,
    day_since,
    decide,
    expand,
    local_to_utc,
    next_local,
    pending_after,
    respect_quiet,
    timeline_key,
)

UTC = timezone.utc


def timing(zone="Europe/Berlin", morning="08:00", evening="21:00", quiet=None) -> Timing:
    """A Timing from short strings; quiet is ("22:00", "07:00") or None."""
    q = (None, None) if quiet is None else tuple(time.fromisoformat(x) for x in quiet)
    return Timing(zone, time.fromisoformat(morning), time(13, 0), time.fromisoformat(evening), *q)


def utc(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DDTHH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(zone: str, text: str) -> datetime:
    """The UTC instant of an unambiguous local 'YYYY-MM-DDTHH:MM' in zone."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def fixed_plan(at: str, days: str = "0-4", kind: str = "note") -> object:
    """A one-step plan firing at a fixed local time on the given days."""
    return parse_plan(
        f'name = "fixed"\ntitle = "Fixed"\nlength_days = 60\n[[steps]]\nkey = "x"\n'
        f'kind = "{kind}"\ndays = ["{days}"]\nat = "{at}"\nmessage = "reminders.x"\n'
    )


@pytest.fixture(scope="module")
def plan():
    """The shipped default plan, with sunscreen from the treatment day (day 0) so every step starts at once."""
    return replace(load_plan("microneedling"), sunscreen=SunscreenWindow(0, 30))


# --- expansion ----------------------------------------------------------------


def test_expand_counts_and_order(plan):
    """The default plan expands to one delivery per step and day, sorted by instant then step."""
    out = expand(plan, date(2026, 6, 1), timing())
    per_step = Counter(d.step.split(":")[0] for d in out)
    assert per_step == {
        "sunscreen-am": 31, "sunscreen-noon": 8, "skincare-am": 8, "skincare-pm": 8,
        "no-makeup": 2, "no-actives": 6, "checkin": 16, "end-of-plan": 1,
        "prep-actives": 2, "prep-sun": 2, "prep-antiviral": 1, "prep-reschedule": 1, "prep-session": 1,
    }
    assert out == sorted(out, key=lambda d: (d.due_utc, d.step))
    assert len({d.step for d in out}) == len(out)
    assert all(d.step == f"{d.step.split(':')[0]}:{d.day}" for d in out)
    assert all(d.due_utc.tzinfo is UTC for d in out)
    assert {d.at for d in out if d.kind == "checkin"} == {"evening"}  # what decide() is given


def test_expand_is_idempotent(plan):
    """Expanding the same inputs twice gives identical deliveries (safe to re-run)."""
    args = (plan, date(2026, 6, 1), timing(quiet=("22:00", "07:00")))
    assert expand(*args) == expand(*args)


def test_changing_times_keeps_step_keys(plan):
    """New reminder times change due instants but not the natural keys, so re-planning updates rows."""
    a = expand(plan, date(2026, 6, 1), timing(morning="08:00"))
    b = expand(plan, date(2026, 6, 1), timing(morning="09:30", zone="Asia/Tokyo"))
    assert {d.step for d in a} == {d.step for d in b}
    assert {d.due_utc for d in a} != {d.due_utc for d in b}


@pytest.mark.parametrize(
    "window, am_days, noon_days",
    [
        (SunscreenWindow(0, 30), range(0, 31), range(0, 8)),
        (SunscreenWindow(2, 21), range(2, 22), range(2, 8)),
        (SunscreenWindow(1, 14), range(1, 15), range(1, 8)),
        (SunscreenWindow(14, 28), range(14, 29), range(0)),
        (SunscreenWindow(0, 90), range(0, 91), range(0, 8)),
    ],
)
def test_sunscreen_window_follows_the_plan(plan, window, am_days, noon_days):
    """Sunscreen steps fire only inside the plan's window (and the midday one only to day 7)."""
    out = expand(replace(plan, sunscreen=window), date(2026, 6, 1), timing())
    assert [d.day for d in out if d.step.startswith("sunscreen-am:")] == list(am_days)
    assert [d.day for d in out if d.step.startswith("sunscreen-noon:")] == list(noon_days)


@pytest.mark.parametrize(
    "zone, treated, step, expected_utc",
    [
        ("Europe/Berlin", date(2026, 6, 1), "sunscreen-am:0", "2026-06-01T06:00"),
        ("Europe/Berlin", date(2026, 6, 1), "checkin:3", "2026-06-04T19:00"),
        ("Europe/Berlin", date(2026, 12, 1), "checkin:60", "2027-01-30T20:00"),
        ("Australia/Sydney", date(2026, 6, 1), "sunscreen-am:0", "2026-05-31T22:00"),
        ("Australia/Sydney", date(2026, 12, 1), "sunscreen-am:5", "2026-12-05T21:00"),
        ("America/New_York", date(2026, 6, 1), "skincare-pm:7", "2026-06-09T01:00"),
        ("Asia/Kolkata", date(2026, 6, 1), "sunscreen-noon:7", "2026-06-08T07:30"),
        ("UTC", date(2026, 2, 27), "sunscreen-am:2", "2026-03-01T08:00"),
        ("Pacific/Kiritimati", date(2026, 6, 1), "sunscreen-am:0", "2026-05-31T18:00"),
    ],
)
def test_day_offsets_and_zones(plan, zone, treated, step, expected_utc):
    """'Day N at the patient's slot' becomes the right UTC instant in zones around the world."""
    out = {d.step: d for d in expand(plan, treated, timing(zone=zone))}
    assert out[step].due_utc == utc(expected_utc)


# --- DST ------------------------------------------------------------------------

DST_CASES = [
    # zone, transition day, wall time, expected UTC on the transition day
    ("Europe/Berlin", date(2026, 3, 29), "02:30", "2026-03-29T01:30"),  # gap: 03:30 CEST
    ("Europe/Berlin", date(2026, 10, 25), "02:30", "2026-10-25T00:30"),  # twice: first (CEST)
    ("Australia/Sydney", date(2026, 10, 4), "02:30", "2026-10-03T16:30"),  # gap: 03:30 AEDT
    ("Australia/Sydney", date(2026, 4, 5), "02:30", "2026-04-04T15:30"),  # twice: first (AEDT)
    ("America/New_York", date(2026, 3, 8), "02:30", "2026-03-08T07:30"),  # gap: 03:30 EDT
    ("America/New_York", date(2026, 11, 1), "01:30", "2026-11-01T05:30"),  # twice: first (EDT)
    ("America/Santiago", date(2026, 9, 6), "00:00", "2026-09-06T04:00"),  # midnight gap
]


@pytest.mark.parametrize("zone, day, wall, expected", DST_CASES)
def test_local_to_utc_on_transition_days(zone, day, wall, expected):
    """Nonexistent times shift forward by the gap; repeated times use the first occurrence."""
    assert local_to_utc(day, time.fromisoformat(wall), zone) == utc(expected)


@pytest.mark.parametrize("zone, day, wall, expected", DST_CASES)
def test_one_delivery_per_day_across_transition(zone, day, wall, expected):
    """A fixed-time step gives exactly one delivery per day through a DST change, at the chosen instant."""
    treated = day - timedelta(days=2)
    out = expand(fixed_plan(wall), treated, timing(zone=zone))
    assert [d.step for d in out] == [f"x:{n}" for n in range(5)]
    assert out[2].due_utc == utc(expected)
    tz = ZoneInfo(zone)
    for d in out:  # every other day is an ordinary wall time on its own local date
        if d.day != 2:
            assert d.due_utc.astimezone(tz).replace(tzinfo=None) == datetime.combine(
                treated + timedelta(days=d.day), time.fromisoformat(wall)
            )


@pytest.mark.parametrize(
    "zone, day_before, before_utc, after_utc",
    [
        ("Europe/Berlin", date(2026, 3, 28), "2026-03-28T07:00", "2026-03-29T06:00"),
        ("Europe/Berlin", date(2026, 10, 24), "2026-10-24T06:00", "2026-10-25T07:00"),
        ("Australia/Sydney", date(2026, 10, 3), "2026-10-02T22:00", "2026-10-03T21:00"),
        ("Australia/Sydney", date(2026, 4, 4), "2026-04-03T21:00", "2026-04-04T22:00"),
        ("America/New_York", date(2026, 3, 7), "2026-03-07T13:00", "2026-03-08T12:00"),
        ("America/New_York", date(2026, 10, 31), "2026-10-31T12:00", "2026-11-01T13:00"),
    ],
)
def test_morning_slot_keeps_local_time_across_dst(plan, zone, day_before, before_utc, after_utc):
    """An 08:00 morning reminder stays at 08:00 local, so its UTC instant moves by the DST shift."""
    out = {d.step: d for d in expand(plan, day_before, timing(zone=zone))}
    assert out["sunscreen-am:0"].due_utc == utc(before_utc)
    assert out["sunscreen-am:1"].due_utc == utc(after_utc)


ZONES = ["Europe/Berlin", "Australia/Sydney", "America/New_York", "Australia/Lord_Howe"]


@settings(max_examples=300, deadline=None, database=None)
@given(
    zone=st.sampled_from(ZONES),
    wall=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_local_to_utc_never_early_and_stable(zone, wall):
    """Any wall time maps to an instant at or at most an hour after it, and re-maps to itself."""
    got = local_to_utc(wall.date(), wall.time(), zone)
    seen = got.astimezone(ZoneInfo(zone))
    assert timedelta(0) <= seen.replace(tzinfo=None) - wall <= timedelta(hours=1)
    assert local_to_utc(seen.date(), seen.time(), zone) == got


# --- quiet hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    "quiet, at, expected_local",
    [
        (None, "23:30", "2026-06-10T23:30"),
        (("22:00", "07:00"), "21:59", "2026-06-10T21:59"),
        (("22:00", "07:00"), "22:00", "2026-06-11T07:00"),  # start is inside
        (("22:00", "07:00"), "23:30", "2026-06-11T07:00"),  # wraps to next morning
        (("22:00", "07:00"), "00:00", "2026-06-10T07:00"),
        (("22:00", "07:00"), "06:59", "2026-06-10T07:00"),
        (("22:00", "07:00"), "07:00", "2026-06-10T07:00"),  # end is outside
        (("13:00", "14:30"), "13:00", "2026-06-10T14:30"),  # a daytime window
        (("13:00", "14:30"), "14:30", "2026-06-10T14:30"),
        (("00:00", "06:00"), "05:00", "2026-06-10T06:00"),
        (("09:00", "09:00"), "09:00", "2026-06-10T09:00"),  # empty window: no quiet hours
    ],
)
def test_quiet_hours(quiet, at, expected_local):
    """A step due inside quiet hours moves to their end, across midnight when they wrap."""
    zone = "Europe/Berlin"
    out = expand(fixed_plan(at, days="0-0"), date(2026, 6, 10), timing(quiet=quiet))
    assert len(out) == 1 and out[0].step == "x:0" and out[0].day == 0
    assert out[0].due_utc == local(zone, expected_local)


def test_quiet_end_in_dst_gap():
    """Quiet hours ending at a nonexistent 02:30 release the reminder at 03:30, after the gap."""
    t = timing(quiet=("22:00", "02:30"))
    moved = respect_quiet(local_to_utc(date(2026, 3, 28), time(23, 0), "Europe/Berlin"), t)
    assert moved == utc("2026-03-29T01:30")


def test_half_quiet_hours_are_rejected():
    """Quiet hours with a start but no end are a configuration bug, not silently ignored."""
    half = Timing("Europe/Berlin", time(8), time(13), time(21), time(22), None)
    with pytest.raises(ValueError, match="quiet hours"):
        next_local(utc("2026-06-10T06:00"), time(9), half)


# --- re-planning, day counting, next local time --------------------------------


def test_pending_after_keeps_only_future(plan):
    """Re-planning keeps deliveries due at or after now and drops those already past."""
    out = expand(plan, date(2026, 6, 1), timing())
    now = out[10].due_utc
    kept = pending_after(out, now)
    assert kept == [d for d in out if d.due_utc >= now] and out[10] in kept and out[0] not in kept


@pytest.mark.parametrize(
    "zone, now, expected",
    [
        ("Europe/Berlin", "2026-11-19T22:59", -1),
        ("Europe/Berlin", "2026-11-19T23:00", 0),
        ("Europe/Berlin", "2026-11-20T22:59", 0),
        ("Europe/Berlin", "2026-11-20T23:00", 1),
        ("Australia/Sydney", "2026-11-19T12:59", -1),
        ("Australia/Sydney", "2026-11-19T13:00", 0),
        ("America/New_York", "2026-11-21T04:59", 0),
        ("America/New_York", "2026-11-21T05:00", 1),
        ("America/New_York", "2027-01-19T12:00", 60),
    ],
)
def test_day_since(zone, now, expected):
    """Days since treatment count local calendar days in the patient's zone."""
    assert day_since(date(2026, 11, 20), utc(now), zone) == expected


def test_naive_now_is_rejected():
    """A naive 'now' is a bug in the shell, so it fails loudly instead of guessing a zone."""
    with pytest.raises(ValueError, match="aware"):
        day_since(date(2026, 11, 20), datetime(2026, 11, 20, 12), "UTC")


@pytest.mark.parametrize(
    "now, at, quiet, expected",
    [
        ("2026-06-10T06:00", "09:00", None, "2026-06-10T07:00"),  # later today
        ("2026-06-10T06:00", "08:00", None, "2026-06-11T06:00"),  # exactly now: tomorrow
        ("2026-06-10T06:00", "07:00", None, "2026-06-11T05:00"),  # passed: tomorrow
        ("2026-06-10T21:00", "06:00", ("22:00", "07:00"), "2026-06-11T05:00"),  # quiet: 07:00
        ("2026-03-28T20:00", "08:00", None, "2026-03-29T06:00"),  # across spring forward
        ("2026-03-28T20:00", "02:30", None, "2026-03-29T01:30"),  # into the gap
    ],
)
def test_next_local(now, at, quiet, expected):
    """Follow-ups go to the next local occurrence of a time, outside quiet hours."""
    got = next_local(utc(now), time.fromisoformat(at), timing(quiet=quiet))
    assert got == utc(expected)


@pytest.mark.parametrize(
    "day, key",
    [(-1, "before_treatment"), (0, "day_0"), (1, "day_1"), (2, "day_2"), (3, "day_3"),
     (4, "days_4_7"), (7, "days_4_7"), (8, "days_8_14"), (14, "days_8_14"),
     (15, "days_15_60"), (60, "days_15_60"), (61, "after_60"), (365, "after_60")],
)
def test_timeline_key(plan, day, key):
    """Each day maps to its healing-timeline line of the plan, with boundaries from triage-rules §3."""
    assert timeline_key(plan, day) == f"timeline.{key}"


def test_a_plan_without_a_timeline_has_no_timeline_line():
    """A plan with no [timeline] table opens its reminders without a timeline line."""
    assert timeline_key(fixed_plan("09:00"), 3) is None


# --- lateness -------------------------------------------------------------------

B = "Europe/Berlin"


@pytest.mark.parametrize(
    "kind, at, due, now, expected",
    [
        ("sunscreen", "morning", "2026-06-10T08:00", "2026-06-10T08:00", Lateness(True)),
        ("sunscreen", "morning", "2026-06-10T08:00", "2026-06-10T11:59", Lateness(True)),
        ("sunscreen", "morning", "2026-06-10T08:00", "2026-06-10T12:00", Lateness(False, "late_past_noon")),
        ("sunscreen", "morning", "2026-06-10T08:00", "2026-06-10T23:00", Lateness(False, "late_past_noon")),
        ("skincare", "morning", "2026-06-10T08:00", "2026-06-10T11:59", Lateness(True)),
        ("skincare", "morning", "2026-06-10T08:00", "2026-06-10T12:00", Lateness(False, "late_past_noon")),
        ("note", "morning", "2026-06-10T08:00", "2026-06-10T11:59", Lateness(True)),
        ("note", "morning", "2026-06-10T08:00", "2026-06-10T12:00", Lateness(False, "late_past_noon")),
        ("sunscreen", "midday", "2026-06-10T13:00", "2026-06-10T16:59", Lateness(True)),
        ("sunscreen", "midday", "2026-06-10T13:00", "2026-06-10T17:00", Lateness(False, "late_past_1700")),
        ("skincare", "evening", "2026-06-10T21:00", "2026-06-10T23:59", Lateness(True)),
        ("skincare", "evening", "2026-06-10T21:00", "2026-06-11T00:00", Lateness(False, "late_past_midnight")),
        ("note", "evening", "2026-06-10T21:00", "2026-06-11T00:00", Lateness(False, "late_past_midnight")),
        ("checkin", "evening", "2026-06-10T21:00", "2026-06-10T23:59", Lateness(True)),
        ("checkin", "evening", "2026-06-10T21:00", "2026-06-11T00:00", Lateness(False, "late_next_day")),
        ("checkin", "morning", "2026-06-10T08:00", "2026-06-10T23:00", Lateness(True)),
        ("followup", "08:00", "2026-06-10T08:00", "2026-06-13T23:00", Lateness(True)),
        ("reprompt", "evening", "2026-06-10T21:45", "2026-06-10T23:30", Lateness(True)),
        ("reprompt", "evening", "2026-06-10T21:45", "2026-06-11T07:00", Lateness(False, "late_next_day")),
        ("newsletter", "morning", "2026-06-10T08:00", "2026-06-12T09:00", Lateness(True)),
        ("sunscreen", "07:30", "2026-06-10T07:30", "2026-06-10T12:00", Lateness(False, "late_past_noon")),
        ("note", "20:00", "2026-06-10T20:00", "2026-06-10T23:59", Lateness(True)),
        ("note", "20:00", "2026-06-10T20:00", "2026-06-11T00:00", Lateness(False, "late_past_midnight")),
        # quiet hours pushed a morning reminder past noon: a short grace, then dropped
        ("sunscreen", "morning", "2026-06-10T13:00", "2026-06-10T13:29", Lateness(True)),
        ("sunscreen", "morning", "2026-06-10T13:00", "2026-06-10T13:30", Lateness(False, "late_past_noon")),
        # the noon cutoff on a spring-forward day is noon CEST
        ("sunscreen", "morning", "2026-03-29T08:00", "2026-03-29T11:59", Lateness(True)),
        ("sunscreen", "morning", "2026-03-29T08:00", "2026-03-29T12:00", Lateness(False, "late_past_noon")),
    ],
)
def test_lateness_policy(kind, at, due, now, expected):
    """Each kind is sent or dropped on the right side of its local cutoff."""
    assert decide(kind, at, local(B, due), local(B, now), B) == expected


def test_checkin_cutoff_when_midnight_does_not_exist():
    """In Santiago, where 2026-09-06 starts at 01:00, a late check-in is kept until that instant."""
    zone = "America/Santiago"
    due = local_to_utc(date(2026, 9, 5), time(21, 0), zone)
    assert decide("checkin", "evening", due, utc("2026-09-06T03:59"), zone) == Lateness(True)
    assert decide("checkin", "evening", due, utc("2026-09-06T04:00"), zone).send is False


def test_lateness_table_covers_every_plan_kind(plan):
    """Every kind a plan can use has a policy, and follow-ups are never dropped."""
    assert {s.kind for s in plan.steps} <= set(LATENESS_POLICIES)
    assert LATENESS_POLICIES["followup"] == {"*": None}


def test_delivery_is_frozen():
    """Deliveries are immutable values."""
    d = Delivery("x:0", 0, "note", "reminders.x", utc("2026-06-10T06:00"))
    with pytest.raises(AttributeError):
        d.day = 1  # type: ignore[misc]



@pytest.mark.parametrize(
    "prompt_local, quiet, expected_local",
    [
        ("21:00", ("22:00", "07:00"), "21:45"),   # room before quiet hours
        ("21:30", ("22:00", "07:00"), "21:45"),   # +45 min is quiet: just before quiet hours instead
        ("21:50", ("22:00", "07:00"), None),      # no room left today
        ("23:30", None, None),                    # +45 min is tomorrow
        ("09:00", None, "09:45"),                 # no quiet hours at all
    ],
)
def test_reprompt_once_later_the_same_day(prompt_local, quiet, expected_local):
    """An unanswered check-in is re-prompted later the same local day, outside quiet hours, or not at all."""
    zone = "Europe/Berlin"
    timing = Timing(zone=zone, morning=time(8), midday=time(13), evening=time(21),
                    quiet_start=time.fromisoformat(quiet[0]) if quiet else None,
                    quiet_end=time.fromisoformat(quiet[1]) if quiet else None)
    due = local_to_utc(date(2026, 11, 23), time.fromisoformat(prompt_local), zone)
    got = reprompt_at(due, timing)
    if expected_local is None:
        assert got is None
    else:
        assert got == local_to_utc(date(2026, 11, 23), time.fromisoformat(expected_local), zone)

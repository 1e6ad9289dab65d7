"""The daily message budget: the planner bundles a day's reminders to fit, dropping re-prompts first."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from messages.catalog import load_catalog
from schedules.budget import fit_budget, limit_for, pushes
from schedules.care_plan import load_plan
from schedules.planner import Delivery, Timing, expand, with_reprompts

UTC = timezone.utc
PLAN = load_plan("microneedling", load_catalog().texts.keys())
LONDON = Timing("Europe/London", time(8), time(13), time(21), time(22), time(7))


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=UTC)


def row(step: str, kind: str, hour: int, minute: int = 0, day: int = 1, slot: str = "") -> Delivery:
    return Delivery(f"{step}:{day}", day, kind, "m", at(hour, minute, day), slot or f"{hour:02}:{minute:02}")


DAY = [row("sun", "sunscreen", 8, slot="morning"), row("care", "skincare", 8, slot="morning"),
       row("noon", "sunscreen", 13, slot="midday"), row("pm", "skincare", 21, slot="evening"),
       row("checkin", "checkin", 21, slot="evening"), row("reprompt", "reprompt", 21, 45, slot="evening")]


@pytest.mark.parametrize("most, expected", [
    # most pushes -> {step: hour:minute it is sent at}; a missing step was dropped
    (None, {"sun": "08:00", "care": "08:00", "noon": "13:00", "pm": "21:00", "checkin": "21:00", "reprompt": "21:45"}),
    (4, {"sun": "08:00", "care": "08:00", "noon": "13:00", "pm": "21:00", "checkin": "21:00", "reprompt": "21:45"}),
    (3, {"sun": "08:00", "care": "08:00", "noon": "13:00", "pm": "21:00", "checkin": "21:00"}),
    (2, {"sun": "08:00", "care": "08:00", "noon": "13:00", "pm": "13:00", "checkin": "13:00"}),
    # one push: the midday top-up only repeats the morning sunscreen it would join, so it is left out
    (1, {"sun": "08:00", "care": "08:00", "pm": "08:00", "checkin": "08:00"}),
])
def test_a_day_is_bundled_to_its_budget(most, expected):
    """Over budget, the re-prompt goes first, then the latest push joins the one before it."""
    budget = () if most is None else ((0, 60, most),)
    fitted = fit_budget(DAY, budget)
    assert {d.step.split(":")[0]: f"{d.due_utc:%H:%M}" for d in fitted} == expected
    assert max(pushes(fitted).values()) == (most or 4)


def test_never_folds_into_the_past():
    """With ``now`` after the day's first push, later reminders are not moved into it (they would be lost)."""
    fitted = fit_budget(DAY, ((0, 60, 1),), now=at(9))
    assert {d.due_utc for d in fitted} == {at(8), at(13)}  # one push over, rather than losing the evening


@pytest.mark.parametrize("day, override, expected", [(0, None, 3), (7, None, 3), (8, None, 1), (60, None, 1),
                                                     (2, 1, 1), (9, 5, 1), (90, None, 1), (91, None, None), (91, 1, 1)])
def test_limit_for(day, override, expected):
    """The plan's budget by day, lowered (never raised) by a patient's own limit."""
    assert limit_for(PLAN.daily_budget, day, override) == expected


def test_the_shipped_plan_fits_three_a_day_in_week_one_then_one():
    """The whole microneedling plan: at most 3 pushes a day on days 0-7, at most 1 after; nothing lost but nudges."""
    planned = with_reprompts(expand(PLAN, date(2026, 11, 23), LONDON), LONDON)
    fitted = fit_budget(planned, PLAN.daily_budget)
    per_day = pushes(fitted)
    assert max(per_day[d] for d in range(8)) == 3 and max(n for d, n in per_day.items() if d >= 8) == 1
    assert {d.step for d in planned} - {d.step for d in fitted} == \
        {d.step for d in planned if d.kind == "reprompt"} - {d.step for d in fitted}
    assert sum(per_day.values()) < len({(d.day, d.due_utc) for d in planned})

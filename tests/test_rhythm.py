"""A day's rhythm, table-tested on every day of the plan x every budget x every opt-out: each item in its slot."""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from itertools import combinations, groupby, product

import pytest

from messages.catalog import load_catalog
from schedules.budget import fit_budget, limit_for
from schedules.care_plan import available_plans, load_plan
from schedules.kinds import CHECKIN, PROMPT_KINDS, REPROMPT, SKINCARE, STOP_CHOICES, SUNSCREEN
from schedules.planner import Timing, expand, with_reprompts
from schedules.rhythm import ORDER, Item, arrange, item_slot, repeats

TREATED = date(2026, 11, 23)
TIMING = Timing("Europe/London", time(8, 0), time(13, 0), time(21, 0), time(22, 0), time(7, 0))
BUDGETS = {"plan": None, "fewer (1 a day)": 1, "two a day": 2}
STOPPABLE = (SUNSCREEN, SKINCARE, CHECKIN)
OPT_OUTS = [(stopped, midday_off) for n in range(len(STOPPABLE) + 1) for stopped in combinations(STOPPABLE, n)
            for midday_off in (False, True)]
NOW_WORDS = re.compile(r"\b(now|tonight)\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def planned(plan_name: str, override: int | None, stopped: tuple[str, ...], midday_off: bool):
    """The plan as the shell plans it (scheduling.reschedule): muted kinds out, then bundled to the budget."""
    plan = load_plan(plan_name)
    off = frozenset().union(*(STOP_CHOICES[k] for k in stopped))
    wanted = [d for d in with_reprompts(expand(plan, TREATED, TIMING), TIMING)
              if d.kind not in off and not (midday_off and d.at == "midday")]
    return plan, wanted, fit_budget(wanted, plan.daily_budget, override=override)


TABLE = [(plan, day, budget, stopped, midday_off)
         for plan in available_plans() for day in range(load_plan(plan).length_days + 1)
         for budget, (stopped, midday_off) in product(BUDGETS, OPT_OUTS)]


@pytest.mark.parametrize("plan_name,day,budget,stopped,midday_off", TABLE)
def test_every_item_stands_in_its_own_slot(plan_name, day, budget, stopped, midday_off):
    """Within the day's budget, every push says its items in their own slot or plainly as for later, never moves
    anything later, never bundles the midday top-up with the morning sunscreen, and keeps the check-in apart."""
    plan, wanted, fitted = planned(plan_name, BUDGETS[budget], stopped, midday_off)
    mine = [d for d in fitted if d.day == day]
    asked = {d.step: d for d in wanted if d.day == day}
    pushes = {due: list(rows) for due, rows in groupby(sorted(mine, key=lambda d: d.due_utc), key=lambda d: d.due_utc)}
    most = limit_for(plan.daily_budget, day, BUDGETS[budget])
    assert most is None or len(pushes) <= most
    for d in mine:
        assert d.due_utc <= asked[d.step].due_utc  # folded earlier, never later
    kept = {d.step for d in mine}
    for step, d in asked.items():  # what is left out: a re-prompt, or a repeat of a reminder already in that push
        if step not in kept and d.kind != REPROMPT:
            holder = [x for x in mine if x.kind == d.kind]
            assert holder and repeats(Item(d.message_key, d.kind, item_slot(d.kind, d.at)),
                                      [Item(x.message_key, x.kind, item_slot(x.kind, x.at)) for x in holder]), step
    if CHECKIN not in stopped and any(d.kind == CHECKIN for d in asked.values()):
        assert any(d.kind == CHECKIN for d in mine)  # the day's check-in is always asked
    catalog = load_catalog()
    for rows in pushes.values():
        push = arrange(Item(d.message_key, d.kind, item_slot(d.kind, d.at)) for d in rows)
        assert all(i.slot == push.slot for i in push.now)
        assert all(ORDER[slot] > ORDER[push.slot] for slot, _ in push.later)  # later slots are said as later
        assert all(i.kind in PROMPT_KINDS for i in push.prompt) and not any(i.kind in PROMPT_KINDS for i in push.now)
        kinds_by_slot = {(i.kind, i.slot) for i in push.now} | {(i.kind, s) for s, its in push.later for i in its}
        assert not {(SUNSCREEN, "morning"), (SUNSCREEN, "midday")} <= kinds_by_slot
        if push.slot == "morning":  # no "tonight" or "now" in what a morning push says as its own
            for item in push.now:
                assert not NOW_WORDS.search(catalog.texts[item.key]), item.key
        for item in push.now + tuple(i for _, its in push.later for i in its):
            phrase = "rhythm." + item.key.split(".", 1)[-1]
            assert catalog.has(phrase) and not NOW_WORDS.search(catalog.texts[phrase]), phrase


def test_the_table_covers_every_day_budget_and_opt_out():
    """The table above is generated from the plan data: every day x 3 budgets x 16 opt-out combinations."""
    days = sum(load_plan(p).length_days + 1 for p in available_plans())
    assert len(TABLE) == days * len(BUDGETS) * 16


def test_the_midday_top_up_never_rides_with_the_morning_sunscreen():
    """With one push a day (fewer messages), the old bundling put "re-apply SPF now" into the 08:00 message of day 3:
    now it is left out, and the day's check-in still comes."""
    _, _, fitted = planned("microneedling", 1, (), False)
    day_3 = [d.step for d in fitted if d.day == 3]
    assert "sunscreen-am:3" in day_3 and "sunscreen-noon:3" not in day_3 and "checkin:3" in day_3
    assert len({d.due_utc for d in fitted if d.day == 3}) == 1


def test_an_evening_item_folded_into_the_morning_is_said_as_for_later():
    """With one push a day in week 1, the evening care rides in the morning push under "This evening"."""
    _, _, fitted = planned("microneedling", 1, (), False)
    push = arrange(Item(d.message_key, d.kind, item_slot(d.kind, d.at)) for d in fitted if d.day == 2)
    assert push.slot == "morning"
    assert [slot for slot, _ in push.later] == ["evening"]
    assert {i.key for i in push.later[0][1]} == {"reminders.skincare_evening", "reminders.no_actives"}
    assert [i.kind for i in push.prompt] == [CHECKIN]


def test_the_midday_drop_can_fail():
    """The repeat rule is what drops the top-up: an item of another kind folded onto the morning is kept."""
    morning = [Item("reminders.sunscreen_morning", SUNSCREEN, "morning")]
    assert repeats(Item("reminders.sunscreen_midday", SUNSCREEN, "midday"), morning)
    assert not repeats(Item("reminders.skincare_evening", SKINCARE, "evening"), morning)

"""Words per push and per day, for every day of the plan, from what the fake Bot API received (issue 24 "Shorter").

A patient enrols on day 0 through the real Application; a fixed clock steps to every due instant and the
dispatcher runs there. A silent patient taps nothing; an engaged one answers each check-in calmly, and the normal
result counts among the day's words. Words are what the phone shows before any button is tapped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from schedules.care_plan import load_plan
from tests.conftest import enrol

CHAT = 1001
CALM = ("None of these", "Nothing new", "Not at all", "None", "Same", "No")
WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
PLAN = load_plan("microneedling")
WEEK_1 = range(0, 8)


def words(text: str) -> int:
    return len(WORD.findall(text))


def limits(day: int) -> tuple[int, int]:
    """The most words one push and one day may carry on ``day``: week 1 at most 120 a day; later days, one push,
    its check-in prompt and the result, 70."""
    return (45, 120) if day in WEEK_1 else (45, 70)


async def live(bot, engaged: bool) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Every day of the plan as the patient saw it: the pushes' texts by day, and the check-in results by day."""
    await enrol(bot.phone, CHAT)
    patient = bot.store.patient(CHAT)
    zone, treated = ZoneInfo(patient.zone), patient.treatment.treatment_date
    pushes: dict[int, list[str]] = defaultdict(list)
    results: dict[int, list[str]] = defaultdict(list)
    while (due := bot.store.next_due_at()) is not None:
        before = len(bot.telegram.chat(CHAT))
        await bot.run(max(due, bot.phone.clock.now()))
        day = (due.astimezone(zone).date() - treated).days
        pushes[day] += [m.text for m in bot.telegram.chat(CHAT)[before:]]
        if engaged and "Start check-in" in bot.telegram.last(CHAT).labels:
            await bot.phone.tap(CHAT, "Start check-in")
            while (question := bot.telegram.last(CHAT)).buttons and any(p in question.labels for p in CALM):
                await bot.phone.tap(CHAT, next(p for p in CALM if p in question.labels), question)
            results[day].append(bot.telegram.last(CHAT).text)
    return pushes, results


@pytest.mark.parametrize("engaged", [False, True], ids=["silent", "engaged"])
async def test_every_day_of_the_plan_stays_short(bot, engaged):
    """For every day of the plan, each push stays under its word limit and the day under 120 words in week 1
    (70 later), results included; a normal result is at most two short sentences."""
    pushes, results = await live(bot, engaged)
    # each day of care came (enrolled on the treatment day: no preparation days, tests/test_preparation.py)
    assert set(pushes) == {day for step in PLAN.steps for day in PLAN.sunscreen_days(step) if day >= 0}
    too_long = []
    for day in range(0, PLAN.length_days + 1):
        per_push, per_day = limits(day)
        shown = pushes.get(day, []) + results.get(day, [])
        too_long += [(day, words(text), text) for text in shown if words(text) > per_push]
        if sum(words(text) for text in shown) > per_day:
            too_long.append((day, sum(words(text) for text in shown), "the day"))
    assert too_long == []
    for day, texts in results.items():
        for text in texts:
            assert len(SENTENCE_END.findall(text)) <= 2 and words(text) <= 30, (day, text)
    if engaged:
        assert set(results) == {day for step in PLAN.steps if step.kind == "checkin" for day in PLAN.sunscreen_days(step)}

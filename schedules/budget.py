"""A daily message budget: bundle one patient's planned deliveries so no day brings more pushes than allowed.

Pure: a function of the planned deliveries and the plan's budget. One push is
one distinct due instant (the dispatcher sends rows of one patient due at the
same instant as one message). While a day has more instants than its budget:

1. a re-prompt (an "are you still there?" nudge) is dropped first, latest first:
   it repeats a prompt the patient already has;
2. otherwise the day's latest instant is folded into the one before it, so the
   day's reminders arrive together, never later than planned; a folded reminder
   that only repeats one of its kind already there (the midday sunscreen top-up
   onto the morning sunscreen) is dropped instead (``schedules.rhythm``, which
   also says how a push names the items meant for later).

With ``now``, a fold never moves reminders into a moment already past (they
would be lost): on the day a patient enrols, that day may keep one push more.

Deliveries outside the plan (follow-ups after a worrying check-in, a snooze the
patient asked for) are not planned here and never counted or dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from itertools import groupby

from .kinds import REPROMPT
from .planner import Delivery
from .rhythm import Item, item_slot, repeats

Budget = tuple[tuple[int, int, int], ...]  # (first day, last day, most pushes a day)


def limit_for(budget: Budget, day: int, override: int | None = None) -> int | None:
    """The day's most pushes: ``override`` (the patient asked for fewer) if lower, else the plan's; None = any."""
    planned = next((most for first, last, most in budget if first <= day <= last), None)
    if override is None:
        return planned
    return override if planned is None else min(planned, override)


def fit_budget(deliveries: Iterable[Delivery], budget: Budget, override: int | None = None,
               now: datetime | None = None) -> list[Delivery]:
    """The deliveries bundled (and re-prompts dropped) to fit each day's budget; sorted like ``expand``."""
    out: list[Delivery] = []
    for day, rows in groupby(sorted(deliveries, key=lambda d: (d.day, d.due_utc, d.step)), key=lambda d: d.day):
        out += _fit_day(list(rows), limit_for(budget, day, override), now)
    return sorted(out, key=lambda d: (d.due_utc, d.step))


def pushes(deliveries: Iterable[Delivery]) -> dict[int, int]:
    """Distinct send instants per day: what the patient's phone would ring for at most."""
    instants: dict[int, set] = {}
    for d in deliveries:
        instants.setdefault(d.day, set()).add(d.due_utc)
    return {day: len(found) for day, found in sorted(instants.items())}


def _fit_day(rows: list[Delivery], most: int | None, now: datetime | None) -> list[Delivery]:
    if most is None:
        return rows
    while len({r.due_utc for r in rows}) > most:
        instants = sorted({r.due_utc for r in rows})
        nudges = [t for t in instants if all(r.kind == REPROMPT for r in rows if r.due_utc == t)]
        if nudges:
            rows = [r for r in rows if r.due_utc != nudges[-1]]
            continue
        latest, before = instants[-1], instants[-2]
        if now is not None and before <= now:
            break  # the day's earlier push has gone: never fold into the past
        onto = [_item(r) for r in rows if r.due_utc == before]
        rows = [replace(r, due_utc=before) if r.due_utc == latest else r for r in rows
                if r.due_utc != latest or not repeats(_item(r), onto)]
    return rows


def _item(d: Delivery) -> Item:
    return Item(d.message_key, d.kind, item_slot(d.kind, d.at))

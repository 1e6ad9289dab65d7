"""A day's rhythm: every item of a plan has a slot of the day, and a push says each item in its own slot.

Pure: functions of plain values. The slots run morning, midday, evening, and "at the check-in" (the check-in
prompt and its re-prompt, which always travel as a message of their own). The daily budget
(``schedules.budget``) may fold a later slot into an earlier push; then

* an item of a later slot is said plainly as for later ("This evening: ..."), never as if it were now,
  so a "tonight" or a "now" never stands in a morning message;
* a later reminder of a kind already in that push is dropped (``REPEATS``): a midday sunscreen top-up
  announced with the morning sunscreen is the one patients read as "put it on twice now";
* the check-in prompt stays a short message of its own, with its buttons, after the push's care message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .care_plan import slot_time
from .kinds import PROMPT_KINDS, SUNSCREEN

SLOTS = ("morning", "midday", "evening", "checkin")
ORDER = {slot: n for n, slot in enumerate(SLOTS)}
# Kinds whose later reminder only repeats an earlier one of the same day: dropped when folded onto it.
REPEATS = frozenset({SUNSCREEN})


def item_slot(kind: str, at: str) -> str:
    """The slot of the day of one item: the check-in's for prompts, else its step's slot (a fixed time by hour)."""
    if kind in PROMPT_KINDS:
        return "checkin"
    fixed = slot_time(at)
    if fixed is None:
        return at
    return "morning" if fixed.hour < 12 else "midday" if fixed.hour < 17 else "evening"


@dataclass(frozen=True)
class Item:
    """One item of a push: its message key, kind and slot."""

    key: str
    kind: str
    slot: str


@dataclass(frozen=True)
class Push:
    """What one push says: its own slot's items, the items for later slots (in slot order), the prompt."""

    slot: str
    now: tuple[Item, ...]
    later: tuple[tuple[str, tuple[Item, ...]], ...]
    prompt: tuple[Item, ...]


def push_slot(items: Iterable[Item]) -> str:
    """The slot a push stands in: its earliest care item's (the check-in's for a lone prompt)."""
    care = [i.slot for i in items if i.slot != "checkin"]
    return min(care, key=ORDER.__getitem__) if care else "checkin"


def arrange(items: Iterable[Item]) -> Push:
    """A push's items laid out by slot: now, later by slot, and the prompt apart."""
    items = list(items)
    slot = push_slot(items)
    care = [i for i in items if i.slot != "checkin"]
    later_slots = sorted({i.slot for i in care if i.slot != slot}, key=ORDER.__getitem__)
    return Push(slot, tuple(i for i in care if i.slot == slot),
                tuple((s, tuple(i for i in care if i.slot == s)) for s in later_slots),
                tuple(i for i in items if i.slot == "checkin"))


def repeats(item: Item, onto: Iterable[Item]) -> bool:
    """Whether ``item``, folded onto a push holding ``onto``, only repeats an earlier item of its kind."""
    return item.kind in REPEATS and any(o.kind == item.kind and ORDER[o.slot] < ORDER[item.slot] for o in onto)

"""What is on, paused and stopped for a patient, by kind: the one answer /resume gives.

The patient switches kinds off with /stop (``kinds.STOP_CHOICES``), the midday sunscreen top-up on its own
(from /stop or /settings), or everything for a while with /pause. ``switch_states`` says, for each kind the
patient can tell apart, whether it is on, paused or stopped, so the reply never says "everything is on" while
one of them is off.
"""

from __future__ import annotations

from schedules.kinds import CHECKIN, SKINCARE, STOP_CHOICES, SUNSCREEN

MIDDAY = "midday"  # the midday sunscreen top-up: a sunscreen step of its own slot, stopped on its own
ON, PAUSED, STOPPED = "on", "paused", "stopped"
# The kinds as the patient names them, in the order of the day: morning sunscreen, the midday top-up,
# the cleanser and moisturiser, the check-ins.
ORDER = (SUNSCREEN, MIDDAY, SKINCARE, CHECKIN)


def switch_states(stopped: frozenset[str] | set[str], paused: bool, midday_off: bool,
                  midday_ahead: bool) -> tuple[tuple[str, str], ...]:
    """``(kind, state)`` for each kind of ``ORDER`` the patient has: a stopped kind stays stopped through a pause;
    the midday top-up counts only while the plan still has one ahead (or the patient turned it off), and is
    stopped with the sunscreen reminders."""
    states = []
    for kind in ORDER:
        if kind == MIDDAY:
            if not (midday_ahead or midday_off):
                continue
            off = midday_off or STOP_CHOICES[SUNSCREEN] <= set(stopped)
        else:
            off = STOP_CHOICES[kind] <= set(stopped)
        states.append((kind, STOPPED if off else PAUSED if paused else ON))
    return tuple(states)


def kinds_in(states: tuple[tuple[str, str], ...], state: str) -> list[str]:
    """The kinds in one state, in the order of the day."""
    return [kind for kind, s in states if s == state]

"""Composing reminders: one patient's rows due at the same instant become one message, if still wanted.

Composing only reads: what a sent message changes (the fewer-messages question asked) is written by
``bot.delivery.deliveries.record`` once Telegram took it. The buttons other flows read carry callback
data those flows own, handed in as :class:`~bot.delivery.hooks.Buttons`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from bot.delivery.hooks import Buttons
from bot.delivery.sender import Outgoing
from bot.services import Services, keyboard, plan_for
from bot.store import DeliveryRow
from schedules.kinds import PROMPT_KINDS, REPROMPT
from schedules.planner import decide, timeline_key

REMINDER_CB = "rm1"  # Done and "Remind me in 1 hour" on reminders: bot/handlers/reminders.py
END_CB = "eo1"  # the end-of-plan buttons: bot/handlers/reminders.py
END_OF_PLAN = "reminders.end_of_plan"


@dataclass(frozen=True)
class DeliveryTag:
    """The sender's tag of a message of deliveries: their ids, and whether it asks the fewer-messages question."""

    ids: tuple[int, ...]
    asks_fewer: bool = False


def end_of_plan_buttons(svc: Services, buttons: Buttons) -> list[list[tuple[str, str]]]:
    """The progress chart, a one-tap rating 1-5 for the clinic, and the next session of a series."""
    return [[(svc.text("reminders_actions.chart_button"), f"{END_CB}:chart")],
            [(f"{n} ★", f"{END_CB}:rate:{n}") for n in range(1, 6)],
            [(svc.text("reminders_actions.next_session_button"), buttons.next_session)]]


def fewer_question_due(svc: Services, row: DeliveryRow) -> bool:
    """Three check-ins unanswered in a row and never asked: the next message asks about fewer messages."""
    asked, _ = svc.store.engagement(row.chat_id)
    return not asked and svc.store.is_silent(row.chat_id, row.treatment_id)


def bundles(rows: list[DeliveryRow]) -> list[list[DeliveryRow]]:
    """Rows of one patient due at the same instant, in claim order."""
    ordered = sorted(rows, key=lambda r: (r.due_at, r.chat_id, r.id))
    return [list(group) for _, group in groupby(ordered, key=lambda r: (r.chat_id, r.due_at))]


def compose(svc: Services, bundle: list[DeliveryRow], buttons: Buttons, ask_fewer: bool = False) -> Outgoing:
    """One message: the day's healing-timeline line (in the day's first message only), each reminder, and its
    buttons: Start check-in if one invites it, else Done; and "Remind me in 1 hour"; with ``ask_fewer``,
    the fewer-messages question too (``fewer_question_due``).

    After a worrying check-in (anything but normal) the cheerful "this is expected"
    line is replaced by a reminder of the advice given, until a later check-in is normal.
    """
    rows = sorted(bundle, key=lambda r: (r.kind in PROMPT_KINDS, r.id))  # the prompt (and button) come last
    parts = []
    first = rows[0]
    if any(row.kind != REPROMPT for row in rows):  # a lone re-prompt stays short: the prompt said the rest
        last = svc.store.last_verdict(first.chat_id, first.treatment_id)
        worrying = last is not None and last.level != "normal" and any(r["rule"] != "M10" for r in last.reasons)
        # The day's timeline line (or the reminder of worrying advice) opens its first message only.
        if not svc.store.sent_earlier_that_day(first.chat_id, first.treatment_id, first.day, first.due_at):
            opening = timeline_key(plan_for(svc, first.plan), first.day)
            if worrying:
                parts.append(svc.text("dispatch.after_worrying"))
            elif opening is not None:
                parts.append(svc.text(opening))
    parts += [svc.text(row.message_key, day=row.day) for row in rows]
    prompt = next((row for row in rows if row.kind in PROMPT_KINDS), None)
    snooze = (svc.text("dispatch.snooze"), f"{REMINDER_CB}:snooze")
    rows_of_buttons = ([[(svc.text("dispatch.start_checkin"), buttons.start_checkin(prompt.day))], [snooze]]
                       if prompt else [[(svc.text("dispatch.done"), f"{REMINDER_CB}:done"), snooze]])
    if any(row.message_key == END_OF_PLAN for row in rows):  # the plan's last day: chart, rating, next session
        rows_of_buttons += end_of_plan_buttons(svc, buttons)
    if ask_fewer:  # asked once, inside the next message rather than as one more
        parts.append(svc.text("reminders_actions.fewer_question"))
        rows_of_buttons += [[(svc.text("reminders_actions.fewer_yes"), f"{REMINDER_CB}:fewer:yes")],
                            [(svc.text("reminders_actions.fewer_no"), f"{REMINDER_CB}:fewer:no")]]
    return Outgoing(bundle[0].chat_id, "\n\n".join(parts), keyboard(rows_of_buttons),
                    tag=DeliveryTag(tuple(row.id for row in bundle), ask_fewer))


def reason_to_skip(svc: Services, row: DeliveryRow, now: datetime, muted: dict[int, set[str]]) -> str | None:
    """When a row is claimed: why it is no longer sent (unreachable, muted, answered, too late), or None."""
    if not row.reachable:
        return "unreachable"
    if row.chat_id not in muted:  # stopped kinds or a pause (bot/store/control.py)
        muted[row.chat_id] = svc.store.muted_kinds(row.chat_id, now)
    if row.kind in muted[row.chat_id]:
        return "muted"
    if row.kind in PROMPT_KINDS and svc.store.checkins_done(row.chat_id, row.treatment_id, row.day):
        return "answered"  # the patient already checked in that day: no prompt, re-prompt or follow-up
    if row.kind == REPROMPT and svc.store.is_silent(row.chat_id, row.treatment_id):
        return "silent"  # three check-ins unanswered in a row: no more nudges about them
    lateness = decide(row.kind, row.slot, row.due_at, now, row.zone or svc.settings.clinic.timezone)
    return None if lateness.send else lateness.reason


def still_wanted(svc: Services, message: Outgoing, kinds: set[str]) -> str | None:
    """Just before the request: why a composed message must not go any more (erased, blocked, muted), or None."""
    patient = svc.store.patient(message.chat_id)
    if patient is None:
        return "erased"
    if not patient.reachable:
        return "unreachable"
    muted = svc.store.muted_kinds(message.chat_id, svc.clock.now())
    return "muted" if kinds and kinds <= muted else None

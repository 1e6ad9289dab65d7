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
from schedules.kinds import NOTE, PROMPT_KINDS, REPROMPT, SKINCARE, SUNSCREEN
from schedules.planner import decide, timeline_key
from schedules.rhythm import Item, arrange, item_slot

REMINDER_CB = "rm1"  # Done and "Remind me in 1 hour" on reminders: bot/handlers/reminders.py
END_CB = "eo1"  # the end-of-plan buttons: bot/handlers/reminders.py
END_OF_PLAN = "reminders.end_of_plan"
READING_ORDER = {SUNSCREEN: 0, SKINCARE: 1, NOTE: 2}  # what to do first, then what to leave out
MORE_CB = f"{REMINDER_CB}:more"  # More opens the message's full texts in place: bot/handlers/reminders.py


@dataclass(frozen=True)
class DeliveryTag:
    """The sender's tag of a message of deliveries: their ids, and whether it asks the fewer-messages question."""

    ids: tuple[int, ...]
    asks_fewer: bool = False


def end_of_plan_buttons(svc: Services, buttons: Buttons, chart_sent: bool = False) -> list[list[tuple[str, str]]]:
    """The progress chart (unless the message is the chart), a one-tap rating 1-5 for the clinic, and the next
    session of a series."""
    return [*([] if chart_sent else [[(svc.text("reminders_actions.chart_button"), f"{END_CB}:chart")]]),
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


def compose(svc: Services, bundle: list[DeliveryRow], buttons: Buttons, ask_fewer: bool = False,
            chart=None) -> list[Outgoing]:
    """One push: a care message (the day's short timeline line in its first push, one headline sentence,
    the items of later slots said as for later; More, Done and "Remind me in 1 hour"), then the check-in
    prompt as a short message of its own with Start check-in (``schedules.rhythm``). With ``ask_fewer``, the
    fewer-messages question rides on the first of them (``fewer_question_due``). On the plan's last day the care
    message is the progress chart (``chart``, the hook's), with the summary as its caption, once there are check-ins.

    After a worrying check-in (anything but normal) the cheerful "this is expected"
    line is replaced by a reminder of the advice given, until a later check-in is normal.
    """
    rows = sorted(bundle, key=_reading_order)
    push = arrange(_item(row) for row in rows)
    care = [row for row in rows if _item(row).slot != "checkin"]
    prompts = [row for row in rows if _item(row).slot == "checkin"]
    parts = []
    opening = _opening(svc, rows, short=True)
    if opening:
        parts.append(opening)
    snooze = (svc.text("dispatch.snooze"), f"{REMINDER_CB}:snooze")
    out: list[tuple[list[str], list, list[DeliveryRow]]] = []
    photo = None
    if care:
        parts += _headline(svc, push, {row.message_key: row.day for row in care})
        rows_of_buttons = [[(svc.text("rhythm.more_button"), MORE_CB)],
                           [(svc.text("dispatch.done"), f"{REMINDER_CB}:done"), snooze]]
        if any(row.message_key == END_OF_PLAN for row in care):  # the plan's last day: chart, rating, next session
            photo = chart(svc, care[0].chat_id, care[0].treatment_id) if chart else None
            if photo is not None:
                parts.append(svc.text("rhythm_truth.end_chart"))
            rows_of_buttons += end_of_plan_buttons(svc, buttons, chart_sent=photo is not None)
        out.append((parts, rows_of_buttons, care))
        parts = []
    if prompts:
        prompt = next((row for row in prompts if row.kind != REPROMPT), prompts[0])
        parts.append(svc.text(prompt.message_key, day=prompt.day))
        out.append((parts, [[(svc.text("dispatch.start_checkin"), buttons.start_checkin(prompt.day))], [snooze]],
                    prompts))
    if ask_fewer:  # asked once, inside the push's first message rather than as one more
        out[0][0].append(svc.text("reminders_actions.fewer_question"))
        out[0][1].extend([[(svc.text("reminders_actions.fewer_yes"), f"{REMINDER_CB}:fewer:yes")],
                          [(svc.text("reminders_actions.fewer_no"), f"{REMINDER_CB}:fewer:no")]])
    return [Outgoing(bundle[0].chat_id, "\n\n".join(texts), keyboard(markup),
                     tag=DeliveryTag(tuple(row.id for row in part), ask_fewer and n == 0),
                     photo=photo if n == 0 and care else None)
            for n, (texts, markup, part) in enumerate(out)]


def details(svc: Services, rows: list[DeliveryRow]) -> str:
    """What More opens in place: the day's full timeline line and each reminder in full, later slots headed."""
    rows = sorted(rows, key=_reading_order)
    push = arrange(_item(row) for row in rows)
    by_key = {row.message_key: row for row in rows}
    parts = [line] if (line := _opening(svc, rows, short=False)) else []
    parts += [svc.text(item.key, day=by_key[item.key].day) for item in push.now]
    for slot, items in push.later:
        parts.append(svc.text(f"rhythm.heading_{slot}") + "\n" +
                     "\n".join(svc.text(item.key, day=by_key[item.key].day) for item in items))
    return "\n\n".join(parts)


def _reading_order(row: DeliveryRow) -> tuple[int, int]:
    return (READING_ORDER.get(row.kind, len(READING_ORDER)), row.id)


def _item(row: DeliveryRow) -> Item:
    return Item(row.message_key, row.kind, item_slot(row.kind, row.slot))


def _opening(svc: Services, rows: list[DeliveryRow], short: bool) -> str | None:
    """The day's timeline line (or the reminder of worrying advice), in the day's first push only."""
    first = rows[0]
    if all(row.kind == REPROMPT for row in rows):  # a lone re-prompt stays short: the prompt said the rest
        return None
    if svc.store.sent_earlier_that_day(first.chat_id, first.treatment_id, first.day, first.due_at):
        return None
    last = svc.store.last_verdict(first.chat_id, first.treatment_id)
    if last is not None and last.level != "normal" and any(r["rule"] != "M10" for r in last.reasons):
        return svc.text("dispatch.after_worrying")
    key = timeline_key(plan_for(svc, first.plan), first.day)
    if key is None:
        return None
    return svc.text(f"{key}_short") if short and svc.catalog.has(f"{key}_short") else svc.text(key)


def _phrase(svc: Services, item: Item, day: int) -> str:
    """An item's short phrase for a headline (``rhythm.<name>``, or ``<key>_phrase`` beside a text of another
    area, as the preparation notes keep theirs), or its full text where it has none."""
    key = "rhythm." + item.key.split(".", 1)[-1]
    key = key if svc.catalog.has(key) else f"{item.key}_phrase"
    return svc.text(key, day=day) if svc.catalog.has(key) else svc.text(item.key, day=day).rstrip(".")


def _headline(svc: Services, push, days: dict[str, int]) -> list[str]:
    """The push's headline sentence in its own slot, then one plain line per later slot."""
    joiner = svc.text("rhythm.joiner")
    lines = []
    if push.now:
        lines.append(svc.text(f"rhythm.open_{push.slot}", items=joiner.join(_phrase(svc, i, days[i.key]) for i in push.now)))
    for slot, items in push.later:
        lines.append(svc.text(f"rhythm.later_{slot}", items=joiner.join(_phrase(svc, i, days[i.key]) for i in items)))
    return ["\n".join(lines)] if lines else []


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

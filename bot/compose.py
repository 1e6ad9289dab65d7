"""Composing reminders: one patient's rows due at the same instant become one message, if still wanted."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from bot.scheduling import plan_for
from bot.sender import Outgoing
from bot.services import Services, keyboard
from bot.store import DeliveryRow
from schedules.kinds import PROMPT_KINDS, REPROMPT
from schedules.planner import decide, timeline_key


def bundles(rows: list[DeliveryRow]) -> list[list[DeliveryRow]]:
    """Rows of one patient due at the same instant, in claim order."""
    ordered = sorted(rows, key=lambda r: (r.due_at, r.chat_id, r.id))
    return [list(group) for _, group in groupby(ordered, key=lambda r: (r.chat_id, r.due_at))]


def compose(svc: Services, bundle: list[DeliveryRow]) -> Outgoing:
    """One message: the day's healing-timeline line (in full in its first message, short after), each reminder,
    and a check-in button if one invites it.

    After a worrying check-in (anything but normal) the cheerful "this is expected"
    line is replaced by a reminder of the advice given, until a later check-in is normal.
    """
    rows = sorted(bundle, key=lambda r: (r.kind in PROMPT_KINDS, r.id))  # the prompt (and button) come last
    parts = []
    first = rows[0]
    if any(row.kind != REPROMPT for row in rows):  # a lone re-prompt stays short: the prompt said the rest
        last = svc.store.last_verdict(first.chat_id, first.treatment_id)
        worrying = last is not None and last.level != "normal" and any(r["rule"] != "M10" for r in last.reasons)
        # The day's full timeline line opens its first message; later ones carry its short form.
        later = svc.store.sent_earlier_that_day(first.chat_id, first.treatment_id, first.day, first.due_at)
        opening = timeline_key(plan_for(svc, first.plan), first.day)
        if worrying:
            parts.append(svc.text("dispatch.after_worrying"))
        elif opening is not None:
            parts.append(svc.text(opening + ("_short" if later else "")))
    parts += [svc.text(row.message_key, day=row.day) for row in rows]
    prompt = next((row for row in rows if row.kind in PROMPT_KINDS), None)
    markup = keyboard([[(svc.text("dispatch.start_checkin"), f"ci1:go:{prompt.day}")]]) if prompt else None
    return Outgoing(bundle[0].chat_id, "\n\n".join(parts), markup, tag=tuple(row.id for row in bundle))


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

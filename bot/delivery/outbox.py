"""The dispatcher's side of the alert outbox (bot/store/outbox.py: alerts and parked replies): claim, compose,
check and record. (The planned reminders are the deliveries table: bot/delivery/deliveries.py.)

What an alert says, and what follows once it went out, are care's (bot/care/alerts.py), handed in by the
wiring as :class:`~bot.delivery.hooks.Hooks`.

Alert kinds are never dropped for lateness and retried until Telegram takes
them (backoff capped at ``RETRY_CAP``); a Forbidden or BadRequest for the
clinic chat (the bot removed from the group) is logged as an error and retried
too, so the alert arrives once the chat is fixed; after ``REFUSED_AFTER`` tries the alert goes to the
on-call admins as well (the ``alert_refused`` hook). An on-call admin who never
started the bot, an edit of a message too old to edit, or a parked reply
Telegram refuses are recorded failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from bot.delivery.hooks import Hooks
from bot.delivery.sender import Outgoing, SendResult
from bot.services import Services
from bot.store.outbox import ALERT_KINDS, OutboxRow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)      # a row claimed this long ago by a handler's first try, or a crash, is due again
RETRY_DELAY = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=5)
BATCH = 50
REFUSED_AFTER = 3                 # tries of an alert the clinic chat refuses before the on-call admins get it


@dataclass(frozen=True)
class AlertOutboxTag:
    """The sender's tag of an alert outbox message (deliveries carry a ``DeliveryTag``)."""

    row_id: int
    kind: str
    attempts: int


class OwedWrites:
    """Store writes owed for messages Telegram already took, whose recording failed (database locked, disk
    full): kept in memory and done before anything is claimed again, so no row is sent twice. A crash before
    then is the one duplicate window (README)."""

    def __init__(self) -> None:
        self._writes: list[Callable[[], None]] = []

    def add(self, write: Callable[[], None]) -> None:
        self._writes.append(write)

    def sent(self, store, outcome: SendResult, now: datetime) -> None:
        """Owe the 'sent' record of ``outcome`` (and, for deliveries, the question it asked); any other outcome
        leaves its row claimed, claimed again."""
        if outcome.status != "sent":
            return
        tag = outcome.message.tag
        if isinstance(tag, AlertOutboxTag):
            self.add(lambda: store.outbox_sent(tag.row_id, outcome.message_id, now))
            return
        self.add(lambda: store.record_sent(list(tag.ids), outcome.message_id, now))
        if tag.asks_fewer:
            self.add(lambda: store.mark_fewer_asked(outcome.message.chat_id))

    def flush(self) -> None:
        """Do what is owed, oldest first; raises (keeping the rest) while the database still fails."""
        while self._writes:
            self._writes[0]()
            self._writes.pop(0)


def claim(svc: Services, now: datetime, report, hooks: Hooks) -> list[Outgoing]:
    """Claim due alert outbox rows and compose them; rows no longer worth sending are recorded skipped."""
    messages = []
    for row in svc.store.claim_outbox(now, BATCH, LEASE):
        composed = _compose(svc, row, hooks)
        if isinstance(composed, str):
            svc.store.outbox_finish(row.id, "skipped", composed, now)
            report.skipped += 1
            continue
        text, markup = composed
        about_in_clinic = row.about if row.target == svc.settings.clinic_chat_id and row.edit_message_id is None \
            else None  # a new post about a patient in the clinic chat: in their topic (bot/care/topics.py)
        messages.append(Outgoing(row.target, text, markup, tag=AlertOutboxTag(row.id, row.kind, row.attempts),
                                 edit=row.edit_message_id, caption=row.kind == "erased_caption",
                                 topic_of=about_in_clinic, options=row.options))
        report.claimed += 1
    return messages


def _compose(svc: Services, row: OutboxRow, hooks: Hooks) -> tuple[str, object] | str:
    if row.kind in ("reply", "prep_note"):  # to a patient (``about``), a parked message or a note to the clinic
        if row.about is not None and svc.store.patient(row.about) is None:
            return "erased"
        return row.body, row.markup
    if row.kind == "companion":  # a copy of advice to the patient's companion (bot/care/companions.py)
        return _companion_gone(svc, row.about, row.target) or (row.body, row.markup)
    return hooks.compose_alert(svc, row)


def _companion_gone(svc: Services, about: int | None, target: int) -> str | None:
    """Why a message to a companion may no longer go: the patient erased, or the link ended since it was queued."""
    link = svc.store.companion_of(about) if about is not None else None
    return None if link is not None and link.chat_id == target else "ended"


def reason_to_skip(svc: Services, tag: AlertOutboxTag) -> str | None:
    """Checked just before the request: what changed since the row was claimed (erasure, acknowledgement)."""
    row = svc.store.outbox_row(tag.row_id)
    if row is None or row.state != "claimed":
        return "gone"
    if row.kind == "companion":
        return _companion_gone(svc, row.about, row.target)
    if row.kind in ("reply", "prep_note"):  # a prep note goes to the clinic about a patient: only erasure stops it
        if row.about is None:
            return None
        patient = svc.store.patient(row.about)  # a relay into their topic does not need them reachable
        if patient is None:
            return "erased"
        return None if patient.reachable or row.target != row.about else "unreachable"  # the clinic still reads it
    if row.kind in ALERT_KINDS:
        if not svc.store.alert_exists(row.alert_id):
            return "erased"
        if row.kind != "alert" and not svc.store.alert_open(row.alert_id):
            return "acknowledged"
    return None


def record(svc: Services, outcome: SendResult, now: datetime, report, hooks: Hooks) -> None:
    """Commit what became of one alert outbox message."""
    tag: AlertOutboxTag = outcome.message.tag
    store = svc.store
    if outcome.status == "sent":
        store.outbox_sent(tag.row_id, outcome.message_id, now)
        if tag.kind == "alert":
            hooks.alert_sent(svc, store.outbox_row(tag.row_id), now)
        report.messages += 1
        report.sent += 1
    elif outcome.status == "skipped":
        store.outbox_finish(tag.row_id, "skipped", outcome.error or "skipped", now)
        report.skipped += 1
    elif outcome.status == "retry" or tag.kind in ("alert", "reraise") or (
            tag.kind == "oncall" and outcome.status != "blocked"):
        if outcome.status != "retry":
            log.error("outbox %s (%s) refused by Telegram: %s; retried until delivered", tag.row_id, tag.kind,
                      outcome.error)
            if tag.kind in ("alert", "reraise") and tag.attempts >= REFUSED_AFTER:
                hooks.alert_refused(svc, store.outbox_row(tag.row_id), now)
        delay = min(RETRY_CAP, RETRY_DELAY * 2 ** max(0, tag.attempts - 1))
        store.outbox_release(tag.row_id, now + delay, now, outcome.error)
        report.retried += 1
    else:
        store.outbox_finish(tag.row_id, "failed", outcome.error or outcome.status, now)
        if outcome.status == "blocked" and tag.kind == "reply":
            store.mark_unreachable(outcome.message.chat_id, now)
        report.failed += 1

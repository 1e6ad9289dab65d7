"""The dispatcher's side of the deliveries table (bot/store/deliveries.py): prepare claimed rows, record outcomes.

``prepare`` decides what each claimed row becomes: skipped (the lateness
policy, a stopped or paused patient, a re-prompt right behind its prompt),
failed (too many attempts, a missing text) or part of one composed message per
bundle. ``record`` commits what became of one sent message at once, so a crash
loses at most the requests in flight, and only then what the message changed
(the fewer-messages question asked). Both keep the run's messages on their way
in the dispatcher's :class:`InFlight` and count into its ``DispatchReport``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from dataclasses import dataclass, field

from bot.delivery.compose import DeliveryTag, bundles, compose, fewer_question_due, reason_to_skip
from bot.delivery.hooks import Buttons
from bot.logs import BLOCKED, FAILED, SENT, SKIPPED, SKIPPED_LATE, log_event
from bot.delivery.sender import Outgoing, SendResult
from bot.services import Services
from bot.store import DeliveryRow
from messages.catalog import MissingText
from schedules.kinds import CHECKIN, REPROMPT

# These are the dispatcher's events: they keep its logger name, which log filters and dashboards select on.
log = logging.getLogger("bot.delivery.dispatch")

MAX_ATTEMPTS = 5                         # claims of one row before it is recorded failed
RETRY_DELAY = timedelta(minutes=1)       # after the sender gave up on network errors; doubles per attempt


@dataclass
class DispatchReport:
    """What one run did, in rows (``messages`` counts messages Telegram accepted)."""

    claimed: int = 0
    messages: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    released: int = 0
    throttled: int = 0


@dataclass
class InFlight:
    """One run's deliveries on their way: the rows being sent, by id, and the chats whose message asks the
    fewer-messages question (a run that sends a chat two messages asks it in the first only)."""

    rows: dict[int, DeliveryRow] = field(default_factory=dict)
    asking: set[int] = field(default_factory=set)

    def clear(self) -> None:
        self.rows.clear()
        self.asking.clear()


def prepare(svc: Services, rows: list[DeliveryRow], now: datetime, report: DispatchReport,
            in_flight: InFlight, buttons: Buttons, chart=None) -> list[Outgoing]:
    """Apply the lateness policy and reachability, and compose what is still worth sending."""
    store = svc.store
    messages: list[Outgoing] = []
    muted: dict[int, set[str]] = {}
    # A prompt found late is sent with its re-prompt in the same batch: the re-prompt would only repeat it.
    prompted = {(row.chat_id, row.day) for row in rows if row.kind == CHECKIN}
    for bundle in bundles(rows):
        keep = []
        for row in bundle:
            reason = "prompt_just_sent" if row.kind == REPROMPT and (row.chat_id, row.day) in prompted \
                else reason_to_skip(svc, row, now, muted)
            if reason:
                store.record_skipped(row.id, reason, now)
                report.skipped += 1
                log_event(log, SKIPPED, chat_id=row.chat_id, delivery_id=row.id, kind=row.kind,
                          reason=SKIPPED_LATE if reason.startswith("late_") else reason, detail=reason)
            elif row.attempts > MAX_ATTEMPTS:
                store.record_failed(row.id, "too_many_attempts", now)
                report.failed += 1
            else:
                keep.append(row)
        if not keep:
            continue
        chat_id = keep[0].chat_id
        ask_fewer = chat_id not in in_flight.asking and fewer_question_due(svc, keep[0])
        try:
            with svc.speaking_to(chat_id):  # the patient's language, whatever the dispatcher spoke before
                composed = compose(svc, keep, buttons, ask_fewer, chart)
        except MissingText as error:
            log.error("deliveries %s: missing text %s", [r.id for r in keep], error.args[0])
            store.record_failed([r.id for r in keep], "MissingText", now)
            report.failed += len(keep)
            continue
        in_flight.rows.update({row.id: row for row in keep})
        if ask_fewer:
            in_flight.asking.add(chat_id)
        messages += composed
    return messages


def record(svc: Services, outcome: SendResult, now: datetime, report: DispatchReport, in_flight: InFlight) -> None:
    """Commit what became of one message of deliveries (its tag is a :class:`DeliveryTag`)."""
    tag: DeliveryTag = outcome.message.tag
    store, ids, chat_id = svc.store, list(tag.ids), outcome.message.chat_id
    if outcome.status == "skipped":
        store.record_skipped(ids, outcome.error or "skipped", now)
        report.skipped += len(ids)
        log_event(log, SKIPPED, chat_id=chat_id, delivery_ids=ids, reason=outcome.error, detail=outcome.error)
    elif outcome.status == "sent":
        store.record_sent(ids, outcome.message_id, now)
        if tag.asks_fewer:  # the question reached the patient: never asked again
            store.mark_fewer_asked(chat_id)
        report.messages += 1
        report.sent += len(ids)
        log_event(log, SENT, chat_id=chat_id, delivery_ids=ids, message_id=outcome.message_id)
    elif outcome.status == "blocked":
        store.record_failed(ids, "Forbidden", now)
        cancelled = store.mark_unreachable(chat_id, now)
        report.blocked += len(ids)
        log_event(log, BLOCKED, chat_id=chat_id, delivery_ids=ids, cancelled=cancelled)
    elif outcome.status == "retry":
        attempts = max(in_flight.rows[i].attempts for i in ids)
        if attempts >= MAX_ATTEMPTS:
            store.record_failed(ids, outcome.error or "NetworkError", now)
            report.failed += len(ids)
        else:
            store.release(ids, now + RETRY_DELAY * 2 ** (attempts - 1), now)
            report.retried += len(ids)
    else:
        store.record_failed(ids, outcome.error or "failed", now)
        report.failed += len(ids)
        log_event(log, FAILED, logging.WARNING, chat_id=chat_id, delivery_ids=ids, error=outcome.error)

"""Safety first, then storage (rules P9, P10; issue 26): the advice for a worrying sign is decided from what is in
memory and what the store can read, sent, and only then stored, with the clinic's alert.

```mermaid
flowchart LR
  S[emergency or urgent sign, typed or tapped] --> D[verdicts.decide: reads only] --> A[advice sent]
  A --> W[wait_writable in a worker thread, bounded] -->|writable| T[one transaction: check-in, verdict, alert] --> O[outbox: first try now]
  W -->|locked, full, read-only| J[alert journal beside the database] -->|next dispatcher run, writes work| O
  T -->|fails| J
```

Reads work while another process holds the write lock (WAL), on a full disk and on a read-only file, so the
verdict is decided as it always is. Waiting for a lock held elsewhere happens in a worker thread on a
connection of its own (``Store.wait_writable``, at most ``Store.worker_wait`` seconds), never on the event loop;
the writes then run at once, all in one transaction, so a failure leaves nothing half stored. What could not be
stored leaves its alert in the journal (bot/store/journal.py), and the patient a kind line saying so, with the
clinic's phone: never "something went wrong" after the advice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Callable, TypeVar

from bot.care.alerts import Outcome, queue_alert
from bot.care.verdicts import Decided
from bot.logs import pseudonym
from bot.services import Services
from bot.store import Patient, StoreError
from bot.store.records import iso
from messages import checkin as core
from messages.triage import Reason, Verdict

log = logging.getLogger(__name__)
T = TypeVar("T")


async def store_after_advice(svc: Services, write: Callable[[], T]) -> T | None:
    """Run ``write`` (store calls only, no awaits) in one transaction once the database takes writes; None when
    it does not (the lock was not released in time, the disk is full, the file read-only)."""
    try:
        if not svc.store.writable_now():  # a lock held elsewhere is waited out off the loop, bounded
            await asyncio.to_thread(svc.store.wait_writable)
        # (A process that takes the lock in the instant between the probe and the writes is waited for by the
        # store's own connection, within its busy timeout: rare, bounded, and the advice is out already.)
        with svc.store.transaction():
            return write()
    except StoreError as error:
        log.error("safety advice sent, but the database could not store it (%s)", type(error).__name__)
        return None


def journal_alert(svc: Services, patient: Patient, decided: Decided, checkin_id: int | None, state: str | None,
                  now: datetime) -> bool:
    """Keep the alert of a verdict the database could not store in the journal; True if there was one."""
    if not core.needs_alert(decided.verdict.level):
        return False
    verdict = decided.verdict
    on_disk = svc.store.journal.append({
        "id": uuid.uuid4().hex, "at": iso(now), "chat_id": patient.chat_id, "treatment_id": patient.treatment.id,
        "checkin_id": checkin_id, "state": state, "day": decided.day, "level": verdict.level,
        "rules_version": verdict.rules_version, "reasons": decided.reasons, "tokens": decided.tokens,
        "patient_text": decided.patient_text, "partial": decided.partial})
    log.warning("chat %s: alert kept in the journal%s until the database takes writes", pseudonym(patient.chat_id),
                "" if on_disk else " (in memory only: the journal file could not be written)")
    svc.wake()
    return True


def replay_journal(svc: Services, now: datetime) -> int:
    """Put every journaled alert into the outbox (each once, by its record id, in the alert's own transaction),
    then clear the journal; returns the alerts queued. Raises StoreError while the database still fails (the
    journal is kept)."""
    records = svc.store.journal.records()
    queued, done = 0, set()
    for record in records:
        with svc.store.transaction():
            if not svc.store.journal_replayed(record["id"]):
                queued += _replay(svc, record, now)
                svc.store.mark_journal_replayed(record["id"], now)
        done.add(record["id"])
    if done:
        svc.store.journal.clear(done)
        svc.store.forget_journal_marks(done)  # a crash before this only leaves marks, never a second alert
        log.info("alert journal replayed: %s records, %s alerts queued", len(done), queued)
    return queued


def _replay(svc: Services, record: dict, now: datetime) -> int:
    """One record into the database: its verdict (closing its check-in when it had one), its alert reasons and
    the alert, queued for the dispatcher. A patient erased or re-treated meanwhile gets nothing raised."""
    patient = svc.store.patient(record["chat_id"])
    if patient is None or patient.treatment is None or patient.treatment.id != record["treatment_id"]:
        return 0
    at = datetime.fromisoformat(record["at"])
    checkin_id = record["checkin_id"]
    if checkin_id is not None and svc.store.checkin(checkin_id) is None:
        checkin_id = None
    verdict = Verdict(record["level"], tuple(Reason(r["rule"], r["level"], tuple(r["answers"]))
                                             for r in record["reasons"]), record["rules_version"])
    verdict_id = svc.store.complete_checkin(checkin_id, patient.chat_id, patient.treatment.id, record["day"],
                                            record["state"], verdict.level, record["reasons"], record["tokens"],
                                            verdict.rules_version, None, at, record["patient_text"],
                                            record["partial"])
    if checkin_id is not None and not svc.store.claim_alert_reasons(patient.chat_id, checkin_id,
                                                                    core.alert_reasons(verdict), now):
        return 0
    outcome = Outcome(verdict, verdict_id, record["tokens"], record["reasons"], record["patient_text"])
    return len(queue_alert(svc, patient, outcome, at, claimed=False))

"""Clinic alerts on their way to staff: queued in the alert outbox, tried once at once, raised again, erased.

An alert is a row of the ``alerts`` table plus rows of the alert outbox (bot/store/outbox.py):

```mermaid
flowchart LR
  V[worrying verdict] -->|queue_alert| A[outbox: alert -> clinic chat]
  A -->|not acknowledged after reraise_minutes, clinic open| R[outbox: reraise -> clinic chat]
  R -->|still not acknowledged, reraise_minutes later| O[outbox: oncall -> each on-call admin]
  E[/delete or retention/] -->|erase| X[outbox: edit every message above]
```

The first try happens at once in the handler (no retries: a failure leaves the
row for the dispatcher, which retries until Telegram takes it, across restarts).
A message is composed from the store when it is sent, so an erased patient's
alert is never sent. The same patient, level and alert keys within ``REPEAT_WINDOW``
is one alert, not two (a double-sent red flag); a new typed sign is a new key
(``messages.checkin.alert_reasons``, P9b), so it alerts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import TelegramError

from bot.care import topics
from bot.care.relay import tell_patient
from bot.logs import pseudonym
from bot.delivery.retrying import no_retries
from bot.delivery.sender import Outgoing
from bot.services import Services, keyboard
from bot.store import Patient, StoreError
from bot.store.checkins import AlertRow
from bot.store.outbox import OutboxRow
from messages import alert_life as life
from messages import checkin as core
from messages.names import shown_name
from messages.triage import Verdict

log = logging.getLogger(__name__)

CB = "al1"
REPEAT_WINDOW = timedelta(minutes=10)
RERAISE_LEVELS = ("urgent", "emergency")
RECALL_GAP = timedelta(hours=2)  # after a "no answer", the team is reminded this much later (outbox kind "recall")


@dataclass(frozen=True)
class Outcome:
    """A stored verdict as alerts carry it: what the clinic is told and what the patient typed."""

    verdict: Verdict
    verdict_id: int
    tokens: list[str]        # as stored: free text reduced to "free_text:(redacted)"
    reasons: list[dict]      # as stored: {rule, level, answers}, redacted the same way
    patient_text: str | None = None


def plain(token: str) -> str:
    """A token made readable for the clinic team ("redness:severe" -> "redness severe"); patients get
    ``messages.answer_words`` instead."""
    return token.replace(":", " ").replace("_", " ")


def who(svc: Services, alert: AlertRow) -> str:
    """The patient as staff see them: Telegram name (cleaned: ``messages.names``), @username when there is one,
    patient number."""
    name, number = shown_name(alert.display_name), alert.number or svc.store.patient_number(alert.chat_id)
    if alert.username:
        found = svc.text("alerts.who_username", name=name, username=alert.username, number=number)
    else:
        found = svc.text("alerts.who", name=name, number=number)
    return with_ref(svc, found, alert.clinic_ref)


def with_ref(svc: Services, who_text: str, clinic_ref: str | None) -> str:
    """The patient as staff see them, with the clinic's own reference when an invitation gave one."""
    return svc.text("alerts.who_ref", who=who_text, ref=clinic_ref) if clinic_ref else who_text


def why(alert: AlertRow) -> str:
    """The rules worth an alert, highest level first, each with the answers behind it: "E4 (throat swelling);
    U10 (fever)". Every one, not only those of the alert's level, so an alert raised by a new sign names it (P9b)."""
    return "; ".join(f"{r['rule']} ({', '.join(map(plain, r['answers']))})"
                     for r in alert.reasons if core.needs_alert(r["level"]))


def alert_text(svc: Services, alert: AlertRow) -> str:
    """The alert as posted (and kept when acknowledged): level, who, day, reasons, answers, own words."""
    text = svc.text("checkin.alert", level_label=svc.text(f"checkin.level_label_{alert.level}"),
                    name=who(svc, alert), day=alert.day, reasons=why(alert),
                    answers=", ".join(plain(t) for t in alert.tokens))
    if alert.patient_text:  # staff see the patient's own words; the clinic chat is staff only
        text += "\n" + svc.text("checkin.alert_wrote", text=alert.patient_text)
    if (language := svc.store.patient_language(alert.chat_id)) and language != svc.voice:  # words as written
        text += "\n" + svc.text("language.alert_language", language=svc.language_name(language))
    if alert.partial:  # P5a: what was not answered is unknown, not "no"
        text += "\n" + svc.text("checkin.alert_partial")
    return text


def ack_markup(svc: Services, alert_id: int):
    return keyboard([[(svc.text("checkin.alert_ack_button"), f"{CB}:{alert_id}")]])


def life_markup(svc: Services, alert_id: int, state: str):
    """The buttons of the steps that may follow ``state`` (messages/alert_life.py), and "Add a note" once someone
    acted; None when the alert is resolved. An open alert keeps the old data, ``al1:<id>``."""
    if state == "open":
        return ack_markup(svc, alert_id)
    steps = [(svc.text(f"staff.step_button_{step}"), f"{CB}:{alert_id}:{life.CODES[step]}") for step in life.NEXT[state]]
    rows = [steps] if steps else []
    rows.append([(svc.text("staff.note_button"), f"{CB}:{alert_id}:note")])
    return keyboard(rows)


def compose(svc: Services, row: OutboxRow) -> tuple[str, object] | str:
    """The text and buttons of an alert-kind row, or the reason it is no longer sent: in the clinic's language
    (staff read it, in the clinic chat or in private on call), whoever's update or job composes it."""
    with svc.clinic_voice():
        return _compose(svc, row)


def _compose(svc: Services, row: OutboxRow) -> tuple[str, object] | str:
    alert = svc.store.alert(row.alert_id) if row.alert_id is not None else None
    if row.kind == "erased_caption":  # a photo the patient relayed: its caption named them
        return svc.text("alerts.erased_message"), None
    if row.kind == "drop_topic":  # an erased patient's forum topic: the name it keeps if it cannot be deleted
        return svc.text("forum.erased_topic"), None
    if row.kind == "erased":
        if row.alert_id is None:  # a message the patient relayed with /clinic
            return svc.text("alerts.erased_message"), None
        return svc.text("alerts.erased", id=row.alert_id), None
    if alert is None:
        return "erased"
    if row.kind == "recall":  # "no answer": the team reminded, unless someone reached the patient meanwhile
        if alert.state != "no_answer":
            return "moved_on"
        when = f"{row.due_at.astimezone(ZoneInfo(svc.settings.clinic.timezone)) - RECALL_GAP:%H:%M}"
        return svc.text("staff.recall", id=alert.id, when=when, alert=alert_text(svc, alert)), \
            life_markup(svc, alert.id, alert.state)
    if row.kind != "alert" and alert.acknowledged_by is not None:
        return "acknowledged"
    text = alert_text(svc, alert)
    if row.kind == "reraise":
        text = svc.text("alerts.reraise", minutes=svc.settings.clinic.reraise_minutes, alert=text)
    elif row.kind == "oncall" and svc.store.alert_undeliverable(alert.id):
        text = svc.text("alerts.undeliverable", alert=text)
    elif row.kind == "oncall" and svc.settings.clinic_chat_id is not None:
        text = svc.text("alerts.oncall", alert=text)
    return text, life_markup(svc, alert.id, alert.state)


def queue_alert(svc: Services, patient: Patient, outcome: Outcome, now: datetime, claimed: bool = True) -> list[int]:
    """Record an alert (unless it repeats one of the last minutes) and queue it for staff; returns alert outbox ids
    (``claimed`` for a first try now with ``send_now``, else pending for the dispatcher)."""
    if not core.needs_alert(outcome.verdict.level):
        return []
    level = outcome.verdict.level
    rules = ",".join(sorted(core.alert_reasons(outcome.verdict)))  # a new sign is a new alert, not a repeat (P9b)
    if svc.store.recent_alert(patient.chat_id, level, rules, now - REPEAT_WINDOW) is not None:
        log.info("alert for chat %s repeats one raised in the last minutes: not raised again",
                 pseudonym(patient.chat_id))
        return []
    svc.store.patient_number(patient.chat_id)
    alert_id = svc.store.raise_alert(patient.chat_id, outcome.verdict_id, level, now, rules)
    targets = [svc.settings.clinic_chat_id] if svc.settings.clinic_chat_id is not None \
        else sorted(svc.settings.oncall_ids)
    kind = "alert" if svc.settings.clinic_chat_id is not None else "oncall"
    if not targets:
        log.warning("alert %s has nowhere to go: no clinic chat and no on-call admins are set (see /flagged)",
                    alert_id)
    return [row_id for target in targets if (row_id := svc.store.enqueue(
        kind, target, now, about=patient.chat_id, alert_id=alert_id, claimed=claimed)) is not None]


async def send_alert(bot: Bot, svc: Services, patient: Patient, day: int, outcome: Outcome, now: datetime) -> None:
    """Record an alert for contact_provider and above and give each of its messages one try now; what fails
    is left to the dispatcher, which retries until it is delivered. (``day`` is in the verdict already.)"""
    await send_queued(bot, svc, queue_alert(svc, patient, outcome, now), now)


async def send_queued(bot: Bot, svc: Services, row_ids: list[int], now: datetime) -> None:
    """One try now of each alert outbox row ``queue_alert`` claimed (a failure leaves it to the dispatcher)."""
    for row_id in row_ids:
        await send_now(bot, svc, row_id, now)


async def send_now(bot: Bot, svc: Services, row_id: int, now: datetime) -> None:
    """One try of a claimed alert outbox row, from a handler; a failure hands it to the dispatcher."""
    row = svc.store.outbox_row(row_id)
    composed = compose(svc, row) if row else "gone"
    if isinstance(composed, str):
        return svc.store.outbox_finish(row_id, "skipped", composed, now)
    text, markup = composed
    try:
        with no_retries():  # a handler never waits on a slow Telegram: the alert outbox retries instead
            about = row.about if row.target == svc.settings.clinic_chat_id else None
            sent = await topics.post(bot, svc, about, lambda thread: bot.send_message(
                row.target, text, reply_markup=markup, message_thread_id=thread))
    except TelegramError as error:
        log.warning("alert %s not delivered yet (%s): the dispatcher retries it", row.alert_id,
                    type(error).__name__)
        svc.store.outbox_release(row_id, now, now, type(error).__name__)
        svc.wake()
        return
    try:
        svc.store.outbox_sent(row_id, sent.message_id, now)
    except StoreError as error:  # sent but not recorded: the dispatcher records it before it claims again
        log.error("alert %s sent but not recorded (%s): kept in memory", row.alert_id, type(error).__name__)
        svc.defer(lambda: svc.store.outbox_sent(row_id, sent.message_id, now))
    if row.kind == "alert" and row.about is not None:
        with svc.speaking_to(row.about):
            told = svc.text("clinic.alerted")
        await tell_patient(bot, svc, row.about, told)


def tell_patient_later(svc: Services, row: OutboxRow, now: datetime) -> None:
    """The alert went out from the alert outbox: the patient hears that the clinic knows, through it too."""
    if row.kind == "alert" and row.about is not None:
        with svc.speaking_to(row.about):
            told = svc.text("clinic.alerted")
        svc.store.enqueue("reply", row.about, now, about=row.about, body=told)


def refused(svc: Services, row: OutboxRow | None, now: datetime) -> None:
    """The clinic chat refused an alert for good (its tries spent; the outbox keeps trying it there): marked for the
    daily worklist (``undeliverable_alerts``) and sent to the on-call admins in private (AFTERCARE_ONCALL_IDS, or
    the admins when none are on call), once."""
    if row is None or row.alert_id is None or not svc.store.mark_undeliverable(row.alert_id, now):
        return
    admins = sorted(svc.settings.oncall_ids or svc.settings.admin_ids)
    log.error("alert %s: the clinic chat refused it %d times; sent to %d on-call admin(s) in private",
              row.alert_id, row.attempts, len(admins))
    for admin in admins:
        svc.store.enqueue("oncall", admin, now, alert_id=row.alert_id, about=row.about)
    svc.wake()


def raise_again(svc: Services, now: datetime) -> int:
    """Queue the next stage of every urgent or emergency alert nobody acknowledged in time; returns rows queued."""
    settings, wait = svc.settings, timedelta(minutes=svc.settings.clinic.reraise_minutes)
    queued = 0
    if settings.clinic_chat_id is not None:
        open_now = settings.clinic.is_open(now)
        for alert_id in svc.store.alerts_to_raise_again("alert", now - wait, RERAISE_LEVELS):
            if open_now:
                queued += svc.store.enqueue("reraise", settings.clinic_chat_id, now, alert_id=alert_id,
                                            about=_about(svc, alert_id)) is not None
            elif settings.oncall_ids:  # closed: straight to the people on call
                svc.store.enqueue("reraise", settings.clinic_chat_id, now, alert_id=alert_id, skipped="clinic_closed")
                queued += _oncall(svc, alert_id, now)
        if settings.oncall_ids:
            for alert_id in svc.store.alerts_to_raise_again("reraise", now - wait, RERAISE_LEVELS):
                queued += _oncall(svc, alert_id, now)
    return queued


def _about(svc: Services, alert_id: int) -> int | None:
    alert = svc.store.alert(alert_id)
    return alert.chat_id if alert else None


def _oncall(svc: Services, alert_id: int, now: datetime) -> int:
    about = _about(svc, alert_id)
    return sum(svc.store.enqueue("oncall", admin, now, alert_id=alert_id, about=about) is not None
               for admin in sorted(svc.settings.oncall_ids))


def erase_patient(svc: Services, chat_id: int, now: datetime) -> int:
    """Erase a patient everywhere: their rows, and (through the alert outbox) the details in staff's alert messages.
    Returns the rows deleted. The caller then awaits :func:`purge_erased`, which empties the WAL off the loop."""
    rows = svc.store.forget_patient_everywhere(chat_id, now, purge=False)
    svc.wake()
    return rows


async def purge_erased(svc: Services) -> bool:
    """Empty the WAL of erased rows in a worker thread, never on the event loop: a backup's read snapshot can
    keep it from emptying for a while, and every other chat is answered meanwhile. False when it was still
    held after the store's patience (then the next erasure, or the close, empties it)."""
    purged = await asyncio.to_thread(svc.store.purge_wal_patiently)
    if not purged:
        log.warning("erasure: a reader (a backup?) kept the WAL from being emptied; the next erasure or the "
                    "close empties it")
    return purged

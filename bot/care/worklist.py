"""The daily worklist: one message to the clinic chat at the clinic's opening on each of its working days.

It lists what someone at the clinic should do that day, by patient number and clinic reference only:
- alerts not resolved yet, by state (the same listing as /flagged);
- patients to call: their last two check-ins unanswered in week 1, or their last three later (coordinator
  call-backs to non-responders are what raised completion in PRO-CTCAE use);
- new patients since the last worklist;
- ratings and messages patients sent the clinic since then;
- alerts the clinic chat refused (they went to the on-call admins), and a failed or missing nightly backup.

Working days and opening times are the profile's ``[hours]`` and public holidays (``schedules/opening.py``, the
``holidays`` library by the clinic's country). On a working day with nothing to list it sends one line, or nothing
when the profile's ``[worklist] when_empty = "silent"``. The job ``care.worklist`` looks every five minutes; a
worklist is sent once per working day, the first time the bot runs after that day's opening (a bot started late
still sends it, saying so). What it covered is kept in ``meta`` (``last_run:worklist``), so a restart never sends
it twice and the next one lists what came "since the last worklist".
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import TelegramError

from bot.care.staff_lists import alert_blocks, pages, patient_label
from bot.services import Services

log = logging.getLogger(__name__)

JOB = "worklist"  # the meta record: last_run:worklist, when the last worklist was sent (at or after its opening)
EVERY = timedelta(minutes=5)
LATE_AFTER = timedelta(hours=1)  # sent more than this after opening: it says so
_RATING = re.compile(r"rating ([1-5])/5\Z")


def due(svc: Services, now: datetime) -> datetime | None:
    """Today's opening instant when a worklist is due now (a working day, opened, none sent since), else None."""
    if svc.settings.clinic_chat_id is None or not svc.settings.clinic.worklist_send:
        return None
    opening = svc.settings.clinic.opening_today(now)
    if opening is None or now < opening:
        return None
    last = svc.store.last_job_run(JOB)
    return None if last is not None and last >= opening else opening


def compose(svc: Services, now: datetime, opening: datetime) -> list[str]:
    """The worklist's messages (blocks joined to fit Telegram), or [] when there is nothing and the clinic
    asked for silence on quiet days."""
    store, zone = svc.store, ZoneInfo(svc.settings.clinic.timezone)
    since = store.last_job_run(JOB) or now - timedelta(days=1)
    today = svc.date("date", opening.astimezone(zone))
    blocks: list[str] = []
    alerts = store.alerts(open_only=False, unresolved=True, limit=10_000)
    if alerts:
        blocks += [svc.text("worklist.alerts", count=len(alerts)), *alert_blocks(svc, alerts, now)]
    calls = store.to_call()
    if calls:
        blocks.append("\n".join([svc.text("worklist.call_heading", count=len(calls))] + [
            svc.text("worklist.call_line", name=patient_label(svc, chat_id), missed=missed, day=day)
            for chat_id, day, missed in calls]))
    enrolled = store.enrolled_since(since)
    if enrolled:
        blocks.append("\n".join([svc.text("worklist.enrolled_heading", count=len(enrolled))] + [
            svc.text("worklist.enrolled_line", name=patient_label(svc, chat_id)) for chat_id in enrolled]))
    sent = store.to_clinic_since(since)
    if sent:
        lines = [svc.text("worklist.ratings_heading")]
        others: Counter[int] = Counter()
        for chat_id, text in sent:
            rating = _RATING.match(text or "")
            if rating:
                lines.append(svc.text("worklist.rating_line", name=patient_label(svc, chat_id), stars=rating[1]))
            else:
                others[chat_id] += 1
        lines += [svc.text("worklist.messages_line", name=patient_label(svc, chat_id), count=count)
                  for chat_id, count in others.items()]
        blocks.append("\n".join(lines))
    refused = [a for a in store.undeliverable_alerts() if a.open]
    if refused:
        blocks.append("\n".join([svc.text("worklist.refused_heading", count=len(refused))] + [
            svc.text("worklist.refused_line", id=a.alert_id, level_label=svc.text(f"checkin.level_label_{a.level}"),
                     name=svc.text("alerts.who_number", number=a.number)) for a in refused]))
    backup = _backup_line(svc, zone)
    if backup:
        blocks.append(backup)
    if not blocks:
        return [] if svc.settings.clinic.worklist_when_empty == "silent" else [svc.text("worklist.nothing", date=today)]
    heading = svc.text("worklist.heading", date=today)
    if now - opening > LATE_AFTER:
        heading += "\n" + svc.text("worklist.late")
    return pages([heading, *blocks, svc.text("worklist.footer")])


def _backup_line(svc: Services, zone: ZoneInfo) -> str | None:
    if svc.settings.backup_at is None:  # nightly backups switched off on purpose
        return None
    record = svc.store.last_backup()
    if record is None:
        return svc.text("worklist.backup_missing")
    if record.ok:
        return None
    last_ok = svc.date("when", record.last_ok_at.astimezone(zone)) if record.last_ok_at else "-"
    return svc.text("worklist.backup_failed", problem=record.problem or "?", last_ok=last_ok)


async def send_worklist(bot: Bot, svc: Services, now: datetime) -> bool:
    """Send today's worklist if it is due; True when it was sent (or was due and had nothing to say)."""
    opening = due(svc, now)
    if opening is None:
        return False
    with svc.clinic_voice():  # the staff chat's language, whatever ran before
        texts = compose(svc, now, opening)
    for text in texts:
        try:
            await bot.send_message(svc.settings.clinic_chat_id, text)
        except TelegramError as error:  # the next run (five minutes on) tries again
            log.warning("daily worklist not delivered to the clinic chat: %s", type(error).__name__)
            return False
    svc.store.record_job_run(JOB, now)  # since this send: what the next worklist counts as new
    log.info("daily worklist sent")
    return True

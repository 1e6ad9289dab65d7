"""Staff listings shared by /flagged and the daily worklist: unresolved alerts by state, patients by number and
clinic reference (never by name: a listing shows many patients and must not name one erased later), how long ago,
and blocks joined into as few Telegram messages as fit."""

from __future__ import annotations

from datetime import timedelta

from bot.care.alerts import why, with_ref
from bot.services import Services
from bot.store.checkins import AlertRow
from messages import alert_life as life
from messages.formatting import ago as ago_in_words

LIST_SHOWN = 30  # a listing shows the newest of each state
PAGE_LIMIT = 4000  # Telegram refuses a message over 4096 characters


def alert_blocks(svc: Services, alerts: list[AlertRow], now) -> list[str]:
    """Unresolved alerts grouped by state, what still needs someone first, the newest first within each (for
    /flagged and the daily worklist): by patient number and clinic reference, never by name."""
    blocks: list[str] = []
    for state in life.GROUPS:
        grouped = [a for a in alerts if a.state == state]
        if not grouped:
            continue
        blocks.append(svc.text(f"staff.flagged_group_{state}", count=len(grouped)))
        blocks += [svc.text("checkin.flagged_line", id=a.id, level_label=svc.text(f"checkin.level_label_{a.level}"),
                            ago=ago(svc, now - a.created_at), name=with_ref(svc, number_only(svc, a.chat_id), a.clinic_ref),
                            day=a.day, why=why(a))
                   for a in grouped[:LIST_SHOWN]]
        if len(grouped) > LIST_SHOWN:
            blocks.append(svc.text("checkin.flagged_more", count=len(grouped) - LIST_SHOWN))
    return blocks


def patient_label(svc: Services, chat_id: int) -> str:
    """A patient in a staff listing: number and clinic reference."""
    return with_ref(svc, number_only(svc, chat_id), _ref(svc, chat_id))


def _ref(svc: Services, chat_id: int) -> str | None:
    patient = svc.store.patient(chat_id)
    return patient.clinic_ref if patient else None


def number_only(svc: Services, chat_id: int) -> str:
    """The patient in a /flagged listing: by number only, so a listing never names someone erased later (a
    listing shows many patients, and staff find the name on the alert itself, which erasure edits)."""
    return svc.text("alerts.who_number", number=svc.store.patient_number(chat_id))


def ago(svc: Services, elapsed: timedelta) -> str:
    """How long ago, for staff: "25 minutes ago" (Babel: "vor 25 Minuten"), "2 h 5 min ago", "3 d 4 h ago" (the
    catalog's: CLDR has no two-unit spans)."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    hours, days = minutes // 60, minutes // (24 * 60)
    if days:
        return svc.text("alerts.ago_days", days=days, hours=hours % 24)
    if hours:
        return svc.text("alerts.ago_hours", hours=hours, minutes=minutes % 60)
    return ago_in_words(svc.voice, timedelta(minutes=minutes))


def pages(blocks: list[str]) -> list[str]:
    """Blocks joined by blank lines into as few messages as fit Telegram's 4096 characters (a block is never
    split; an overlong one is cut)."""
    found: list[str] = []
    for block in blocks:
        block = block[:PAGE_LIMIT]
        if found and len(found[-1]) + 2 + len(block) <= PAGE_LIMIT:
            found[-1] += "\n\n" + block
        else:
            found.append(block)
    return found


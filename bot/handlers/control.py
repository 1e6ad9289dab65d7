"""Patient control: /stop, /pause, a typed STOP, blocking and coming back (privacy is next door).

Callback data is ``c1:<action>:<value>`` (bump ``c1`` when a button's meaning
changes). Anything that does not parse, or no longer applies (a double tap,
an old message, forged data), gets "this button has expired" and changes
nothing.

```mermaid
flowchart LR
  stop[/stop/] --> choice{what?}
  choice -- check-ins, first time --> warn[red-flag warning] -->|stop anyway| off
  choice -- everything / a kind --> off[kinds off, pending cancelled] -->|/resume, asked first| on[re-planned from now]
  pause[/pause N/] --> paused[rows before the end cancelled] -->|/resume or time passes| on
  kicked[blocked] --> unreachable -->|/start: resume?| on
```
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes, filters

from bot.handlers import midday
from bot.care.scheduling import reschedule
from bot.services import Services, keyboard, services
from bot.store import Patient
from bot.logs import pseudonym
from schedules.kinds import ALL_KINDS, CHECKIN, STOP_CHOICES, SUNSCREEN

log = logging.getLogger(__name__)

CB = "c1"
# What each /stop choice switches off: schedules.kinds.STOP_CHOICES.
KIND_CHOICES = tuple(c for c in STOP_CHOICES if c != "all")  # one button each
PAUSE_BUTTONS = (1, 3, 7)
MAX_PAUSE_DAYS = 30


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """``(action, value)`` for well-formed control callback data, else None."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CB:
        return None
    action, value = parts[1], parts[2]
    valid = {"stop": set(STOP_CHOICES) | {"none"}, "stopck": {"yes", "no"},
             "pause": {str(d) for d in PAUSE_BUTTONS}, "resume": {"yes", "no"}}
    return (action, value) if value in valid.get(action, ()) else None


def parse_days(text: str) -> int | None:
    """A /pause argument: a whole number of days from 1 to MAX_PAUSE_DAYS, else None."""
    s = text.strip()[:8]
    if not s.isascii() or not s.isdigit():
        return None
    days = int(s)
    return days if 1 <= days <= MAX_PAUSE_DAYS else None


def until_text(svc: Services, chat_id: int, until: datetime) -> str:
    patient = svc.store.patient(chat_id)
    zone = (patient.zone if patient else None) or svc.settings.clinic.timezone
    return svc.date("until", until.astimezone(ZoneInfo(zone)))


def control_summary(svc: Services, chat_id: int, now: datetime) -> str:
    """What is on and off for the patient, for /settings ("" if nothing is stored)."""
    prefs = svc.store.preferences(chat_id)
    if prefs is None:
        return ""
    state = {kind: svc.text("control.summary_off" if STOP_CHOICES[kind] & prefs.stopped else "control.summary_on")
             for kind in KIND_CHOICES}
    line = ""
    if not prefs.reachable:
        line = svc.text("control.summary_unreachable")
    elif prefs.paused(now):
        line = svc.text("control.summary_paused", until=until_text(svc, chat_id, prefs.paused_until))
    return svc.text("control.summary", pause_line=f"\n{line}" if line else "", **state)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: offer what to stop (only what is still on)."""
    svc, chat = services(context), update.effective_chat
    prefs = svc.store.preferences(chat.id)
    if prefs is None or not _enrolled(svc, chat.id):
        return await chat.send_message(svc.text("control.nothing_to_stop"))
    on = [k for k in KIND_CHOICES if not STOP_CHOICES[k] <= prefs.stopped]
    if not on:
        return await chat.send_message(svc.text("control.all_already_off"))
    rows = [[(svc.text("control.stop_all"), f"{CB}:stop:all")]]
    rows += [[(svc.text(f"control.stop_{k}"), f"{CB}:stop:{k}")] for k in on]
    if SUNSCREEN in on and (midday_only := midday.stop_row(svc, svc.store.patient(chat.id))):
        rows += [midday_only]  # the midday top-up can be stopped on its own
    rows += [[(svc.text("control.stop_cancel"), f"{CB}:stop:none")]]
    await chat.send_message(svc.text("control.ask_stop"), reply_markup=keyboard(rows))


def _enrolled(svc: Services, chat_id: int) -> bool:
    patient = svc.store.patient(chat_id)
    return bool(patient and patient.enrolled)


def apply_stop(svc: Services, chat_id: int, choice: str, now: datetime) -> str:
    """Switch off one /stop choice and return the confirmation (with the one-time check-in warning)."""
    prefs = svc.store.preferences(chat_id)
    svc.store.stop_kinds(chat_id, STOP_CHOICES[choice], now)
    log.info("chat %s stopped %s", pseudonym(chat_id), choice)
    if choice == "all":
        text = svc.text("control.stopped_all")
        if prefs is not None and not prefs.checkin_stop_warned:
            svc.store.mark_checkin_stop_warned(chat_id)
            text += "\n\n" + svc.text("control.checkin_note")
        return text
    return svc.text("control.stopped_kind", what=svc.text(f"control.kind_{choice}"))


async def typed_stop(update: Update, svc: Services, patient: Patient | None) -> None:
    """A typed STOP (bot/handlers/typed.py) stops everything at once, as in SMS services."""
    chat = update.effective_chat
    if patient is None:
        await chat.send_message(svc.text("control.nothing_to_stop"))
    elif not patient.enrolled:  # abandon the unfinished enrolment: nothing was planned yet
        svc.store.update_patient(chat.id, svc.clock.now(), step=None, draft_date=None)
        await chat.send_message(svc.text("control.nothing_to_stop"))
    else:
        await chat.send_message(apply_stop(svc, chat.id, "all", svc.clock.now()))


async def resume_choice(update: Update, svc: Services, chat_id: int, yes: bool, now: datetime) -> None:
    """The welcome back answered in words ("yes please", "not now"): as its buttons do."""
    if yes:
        return await update.effective_chat.send_message(apply_resume(svc, chat_id, now))
    svc.store.update_patient(chat_id, now, reachable=True)
    svc.store.stop_kinds(chat_id, ALL_KINDS, now)
    await update.effective_chat.send_message(svc.text("control.resume_declined"))


async def resume_again(update: Update, svc: Services, again: bool) -> None:
    """Typed text at the welcome back that is neither yes nor no: the choice again, with its buttons."""
    await update.effective_chat.send_message(
        svc.text("control.welcome_back_again" if again else "control.welcome_back"), reply_markup=_resume_buttons(svc))


def _resume_buttons(svc: Services):
    return keyboard([[(svc.text("control.welcome_back_yes"), f"{CB}:resume:yes"),
                      (svc.text("control.welcome_back_no"), f"{CB}:resume:no")]])


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause [days]: pause everything for that many days, or offer 1, 3 and 7 days."""
    svc, chat, now = services(context), update.effective_chat, services(context).clock.now()
    prefs = svc.store.preferences(chat.id)
    if prefs is None or not _enrolled(svc, chat.id):
        return await chat.send_message(svc.text("common.not_enrolled"))
    if context.args:
        days = parse_days(context.args[0])
        if days is None or len(context.args) > 1:
            return await chat.send_message(svc.text("control.pause_bad_days", max_days=MAX_PAUSE_DAYS))
        return await chat.send_message(apply_pause(svc, chat.id, days, now))
    if prefs.paused(now):
        return await chat.send_message(svc.text("control.already_paused",
                                                until=until_text(svc, chat.id, prefs.paused_until)))
    buttons = [(svc.text("control.pause_days", days=d, count=d),  # a plural table: "1 day", "3 days"
                f"{CB}:pause:{d}") for d in PAUSE_BUTTONS]
    await chat.send_message(svc.text("control.ask_pause"), reply_markup=keyboard([buttons]))


def apply_pause(svc: Services, chat_id: int, days: int, now: datetime) -> str:
    """Pause (or re-pause from now) for ``days`` and return the confirmation."""
    until = now + timedelta(days=days)
    svc.store.pause(chat_id, until, now)
    reschedule(svc, svc.store.patient(chat_id), now)  # a shorter new pause gives back what it no longer covers
    log.info("chat %s paused for %s days", pseudonym(chat_id), days)
    return svc.text("control.paused", until=until_text(svc, chat_id, until))


def apply_resume(svc: Services, chat_id: int, now: datetime) -> str:
    """Turn everything back on (stops, pause, unreachable) and plan forward from now."""
    svc.store.resume(chat_id, now)
    reschedule(svc, svc.store.patient(chat_id), now)
    log.info("chat %s resumed", pseudonym(chat_id))
    return svc.text("control.resumed")


async def offer_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """At /start: a patient back after blocking the bot is offered to resume; True if that was sent."""
    svc, chat = services(context), update.effective_chat
    patient = svc.store.patient(chat.id)
    if patient is None or patient.reachable:
        return False
    if not patient.enrolled:  # nothing was planned: just carry on with the enrolment
        svc.store.update_patient(chat.id, svc.clock.now(), reachable=True)
        return False
    await chat.send_message(svc.text("control.welcome_back"), reply_markup=_resume_buttons(svc))
    return True


async def on_stop_or_pause_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any control button: check it still applies, then act and put the confirmation on its message."""
    svc, query, now = services(context), update.callback_query, services(context).clock.now()
    if update.effective_chat is None:  # an inline-mode button: never one of ours
        return await query.answer(svc.text("common.expired"))
    chat_id, parsed = update.effective_chat.id, parse_callback(query.data)
    prefs = svc.store.preferences(chat_id)
    text = _button_result(svc, chat_id, parsed, prefs, now) if parsed and prefs else None
    if text is None:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if isinstance(text, tuple):  # the check-in warning: a question with its own buttons
        return await query.edit_message_text(text[0], reply_markup=text[1])
    await query.edit_message_text(text)


def _button_result(svc: Services, chat_id: int, parsed: tuple[str, str], prefs, now: datetime):
    """The confirmation for a valid, still-applicable button (after acting on it), else None."""
    action, value = parsed
    enrolled = _enrolled(svc, chat_id)
    if not enrolled:
        return None
    if action == "resume":
        if prefs.reachable:
            return None
        if value == "yes":
            return apply_resume(svc, chat_id, now)
        svc.store.update_patient(chat_id, now, reachable=True)
        svc.store.stop_kinds(chat_id, ALL_KINDS, now)
        return svc.text("control.resume_declined")
    if action == "pause":
        return None if prefs.paused(now) else apply_pause(svc, chat_id, int(value), now)
    if action == "stopck":
        if STOP_CHOICES[CHECKIN] <= prefs.stopped:
            return None
        return apply_stop(svc, chat_id, CHECKIN, now) if value == "yes" else svc.text("control.checkin_kept")
    if value == "none":
        return svc.text("control.stop_cancelled")
    if STOP_CHOICES[value] <= prefs.stopped:
        return None  # already off: a double tap or an old message
    if value == CHECKIN and not prefs.checkin_stop_warned:
        svc.store.mark_checkin_stop_warned(chat_id)
        return (svc.text("control.checkin_warning"), keyboard(
            [[(svc.text("control.checkin_warning_yes"), f"{CB}:stopck:yes")],
             [(svc.text("control.checkin_warning_no"), f"{CB}:stopck:no")]]))
    return apply_stop(svc, chat_id, value, now)


async def on_member_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The patient blocked (kicked) or unblocked the bot: blocked means nothing more is sent."""
    svc, change = services(context), update.my_chat_member
    chat_id = change.chat.id
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        if svc.store.patient(chat_id) is not None:
            cancelled = svc.store.mark_unreachable(chat_id, svc.clock.now())
            log.info("chat %s blocked the bot; %s deliveries cancelled", pseudonym(chat_id), cancelled)
    else:  # unblocked: wait for /start, which offers to resume
        log.info("chat %s is a %s again", pseudonym(chat_id), change.new_chat_member.status)


def register(application: Application) -> None:
    """Wire the control commands, buttons, block updates and odd input."""
    private = filters.ChatType.PRIVATE
    for name, callback in (("stop", stop), ("pause", pause)):  # /resume: bot/handlers/resuming.py
        application.add_handler(CommandHandler(name, callback, filters=private & filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(on_stop_or_pause_choice, pattern=rf"^{CB}:"))
    application.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))


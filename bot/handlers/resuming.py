"""/resume, and the offer to turn messages back on: a pause ends at once, a /stop is undone only when asked.

Callback data is ``r1:<action>:yes|no`` with the actions ``undo`` (turn back on
what the patient stopped) and ``unpause`` (end a pause now). A button that no
longer applies (nothing stopped or paused any more, a double tap, forged data)
has expired and changes nothing.

```mermaid
flowchart LR
  resume[/resume/] -->|paused| unpaused[pause ended, stops kept] --> state
  resume --> state[what is on, what is stopped, by kind] -->|something stopped| ask
  ask{turn back on?} -- yes --> on[everything on, re-planned from now]
  state -->|midday top-up stopped| midday[sm1:on turns it back on]
  keep[/start: keep current/] -->|something off| ask
```
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.handlers import midday
from bot.handlers.control import KIND_CHOICES, apply_resume, until_text
from bot.care.scheduling import midday_days, patient_day, reschedule
from bot.services import PRIVATE_MESSAGE, Services, keyboard, services
from bot.store.control import Preferences
from bot.logs import pseudonym
from messages.formatting import join_list
from schedules.kinds import STOP_CHOICES, SUNSCREEN
from schedules.switches import MIDDAY, ON, STOPPED, kinds_in, switch_states

log = logging.getLogger(__name__)
CB = "r1"


def stopped_words(svc: Services, prefs: Preferences) -> str:
    """What the patient stopped, in words ("sunscreen reminders and check-ins"; "" if nothing)."""
    if STOP_CHOICES["all"] <= prefs.stopped:
        return svc.text("control.off_everything")
    kinds = [svc.text(f"control.kind_{k}") for k in KIND_CHOICES if STOP_CHOICES[k] & prefs.stopped]
    return join_list(svc.voice, kinds)  # "A, B and C" / "A, B und C" / "A, B y C" (CLDR, through Babel)


def turn_on_question(svc: Services, chat_id: int, now: datetime) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question that offers to turn messages back on (a pause first, then stops), or None if all is on."""
    prefs = svc.store.preferences(chat_id)
    if prefs is None:
        return None
    if prefs.paused(now) or not prefs.reachable:
        text = svc.text("control.ask_unpause", until=until_text(svc, chat_id, prefs.paused_until)) \
            if prefs.paused(now) else svc.text("control.ask_unblocked")
        return text, _yes_no(svc, "unpause")
    if prefs.stopped:
        return svc.text("control.ask_undo_stop", what=stopped_words(svc, prefs)), _yes_no(svc, "undo")
    return None


def _yes_no(svc: Services, action: str) -> InlineKeyboardMarkup:
    return keyboard([[(svc.text(f"control.{action}_yes"), f"{CB}:{action}:yes")],
                     [(svc.text(f"control.{action}_no"), f"{CB}:{action}:no")]])


def unpause(svc: Services, chat_id: int, now: datetime) -> str:
    """End the pause now (what was stopped stays stopped) and re-plan from now."""
    svc.store.unpause(chat_id, now)
    reschedule(svc, svc.store.patient(chat_id), now)
    log.info("chat %s ended a pause", pseudonym(chat_id))
    return svc.text("control.unpaused")


def kind_words(svc: Services, kinds: list[str]) -> str:
    """Kinds of message in words, as one list ("sunscreen reminders, the midday sunscreen top-up and check-ins")."""
    return join_list(svc.voice, [svc.text("rhythm_truth.kind_midday" if k == MIDDAY else f"control.kind_{k}")
                                 for k in kinds])


def what_is_on(svc: Services, chat_id: int, prefs: Preferences, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    """/resume's answer once no pause is left: what is on and what is stopped, by kind (``schedules.switches``),
    and a button to turn back on each thing stopped."""
    patient = svc.store.patient(chat_id)
    days, today = midday_days(svc, patient), patient_day(patient, now, svc.settings.clinic.timezone)
    states = switch_states(prefs.stopped, False, svc.store.midday(chat_id) == "off",
                           bool(days) and today is not None and today <= days[-1])
    on, stopped = kinds_in(states, ON), kinds_in(states, STOPPED)
    if not stopped:
        return svc.text("rhythm_truth.resume_all_on", on=kind_words(svc, on)), None
    lines = [svc.text("rhythm_truth.resume_on", kinds=kind_words(svc, on))] if on else []
    lines.append(svc.text("rhythm_truth.resume_stopped", kinds=kind_words(svc, stopped)))
    rows = []
    if prefs.stopped:
        lines.append(svc.text("rhythm_truth.resume_ask_undo", what=stopped_words(svc, prefs)))
        rows += [[(svc.text("control.undo_yes"), f"{CB}:undo:yes")], [(svc.text("control.undo_no"), f"{CB}:undo:no")]]
    if MIDDAY in stopped and not STOP_CHOICES[SUNSCREEN] <= prefs.stopped:
        lines.append(svc.text("rhythm_truth.resume_ask_midday"))
        rows.append(midday.on_row(svc))
    return "\n".join(lines), keyboard(rows)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume: end a pause at once; say what is on and what is stopped, and offer to turn the stopped back on."""
    svc, chat, now = services(context), update.effective_chat, services(context).clock.now()
    prefs = svc.store.preferences(chat.id)
    patient = svc.store.patient(chat.id)
    if prefs is None or not (patient and patient.enrolled):
        return await chat.send_message(svc.text("common.not_enrolled"))
    if prefs.paused(now) or not prefs.reachable:
        await chat.send_message(unpause(svc, chat.id, now))
    text, markup = what_is_on(svc, chat.id, svc.store.preferences(chat.id), now)
    await chat.send_message(text, reply_markup=markup)


async def on_resume_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn back on (or leave off) what the question offered, if it still applies."""
    svc, query, now = services(context), update.callback_query, services(context).clock.now()
    parts = (query.data or "").split(":")
    chat_id = update.effective_chat.id if update.effective_chat else None
    prefs = svc.store.preferences(chat_id) if chat_id is not None else None
    patient = svc.store.patient(chat_id) if chat_id is not None else None
    if len(parts) != 3 or parts[1] not in {"undo", "unpause"} or parts[2] not in {"yes", "no"} \
            or prefs is None or not (patient and patient.enrolled):
        return await query.answer(svc.text("common.expired"))
    action, yes = parts[1], parts[2] == "yes"
    if action == "undo" and not (prefs.stopped and not prefs.paused(now) and prefs.reachable):
        return await query.answer(svc.text("common.expired"))
    if action == "unpause" and not (prefs.paused(now) or not prefs.reachable):
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if action == "undo":
        text = apply_resume(svc, chat_id, now) if yes else \
            svc.text("control.undo_declined", what=stopped_words(svc, prefs))
        return await query.edit_message_text(text)
    if not yes:
        return await query.edit_message_text(svc.text("control.unpause_declined"))
    await query.edit_message_text(unpause(svc, chat_id, now))
    if question := turn_on_question(svc, chat_id, now):
        await update.effective_chat.send_message(question[0], reply_markup=question[1])


def register(application: Application) -> None:
    """Wire /resume and its buttons."""
    application.add_handler(CommandHandler("resume", resume, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_resume_answer, pattern=rf"^{CB}:"))

"""Photo check-ins: the patient's yes or no, the ask after a photo day's check-in result, and its Skip.

The care plan names its photo days (``photo_days``). A patient is asked for a photo only after saying yes: to
the one-tap offer that follows the enrolment summary (ignoring it is a no) or to the /settings item. On a photo
day, the finished check-in's result is followed by one short ask with a Skip button; the photo itself comes
through the one door (bot/handlers/typed.py: an awaited photo is relayed like one sent with /clinic, by
bot/handlers/clinic.py ``relay_photo``, headed with the day's result). A skipped or missed photo is never asked
again and is no check-in: the silent-patient logic counts check-ins only.

Callback data: ``ph1:consent:yes|no`` (the offer and the settings question), ``ph1:settings`` (the /settings
menu item) and ``ph1:skip:<ask id>``. Anything else, a Skip for another chat's ask or one no longer awaited,
has expired and changes nothing.

```mermaid
flowchart LR
  offer[enrolment summary -> offer] -->|yes| on[consent yes]
  settings[/settings -> Photos/] --> on & off[consent no]
  on --> result[photo day: check-in result] --> ask[ask + Skip]
  ask -->|photo| clinic[clinic chat, with the result] & ask -->|Skip| skipped
```
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.care.enrolment import patient_plan
from bot.logs import pseudonym
from bot.services import SETTINGS_MENU_KEY, Services, keyboard, plan_for, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages.formatting import join_list
from schedules.photos import asks_for_photo

log = logging.getLogger(__name__)
CB = "ph1"


def photo_days(svc: Services, patient: Patient | None) -> tuple[int, ...]:
    """The days the patient's plan asks for a photo on; none when photos have nowhere to go (no clinic chat)."""
    if patient is None or not svc.settings.relay_open:
        return ()
    return plan_for(svc, patient_plan(svc, patient)).photo_days


def settings_row(svc: Services) -> list[tuple[str, str]]:
    """The /settings menu's Photos item, when the clinic's plan asks for photos and they can reach the clinic."""
    return [(svc.text("photos.settings_item"), f"{CB}:settings")] if svc.settings.relay_open \
        and svc.plan.photo_days else []


def _days(svc: Services, days: tuple[int, ...]) -> str:
    return join_list(svc.voice, [str(day) for day in days])


def _consent_markup(svc: Services):
    return keyboard([[(svc.text("photos.consent_yes_button"), f"{CB}:consent:yes"),
                      (svc.text("photos.consent_no_button"), f"{CB}:consent:no")]])


async def offer(update: Update, svc: Services, patient: Patient) -> None:
    """After the enrolment summary: the one-tap offer, when the plan asks for photos and it was never answered."""
    days = photo_days(svc, patient)
    if days and svc.store.photo_consent(patient.chat_id) is None:
        await update.effective_chat.send_message(svc.text("photos.offer", days=_days(svc, days)),
                                                 reply_markup=_consent_markup(svc))


async def ask_after_result(update: Update, svc: Services, patient: Patient, row: CheckinRow, level: str,
                           now: datetime) -> None:
    """After a finished check-in's result on a photo day, with the patient's yes: the ask and its Skip, once a day
    (schedules/photos.py decides)."""
    days = photo_days(svc, patient)
    if row.day not in days:  # most check-ins: no photo day, no need to read the consent
        return
    if not asks_for_photo(days, row.day, svc.store.photo_consent(patient.chat_id), level):
        return
    ask = svc.store.ask_photo(row.id, now)
    if ask is None:
        return  # this day's photo was asked for already
    await update.effective_chat.send_message(svc.text("photos.ask"), reply_markup=keyboard(
        [[(svc.text("photos.skip_button"), f"{CB}:skip:{ask.id}")]]))
    log.info("chat %s: photo asked for on day %s", pseudonym(patient.chat_id), row.day)


async def on_photo_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo check-in button: yes or no to photos, the /settings item, or Skip."""
    svc, query, chat = services(context), update.callback_query, update.effective_chat
    now = svc.clock.now()
    parts = (query.data or "").split(":")
    patient = svc.store.patient(chat.id) if chat is not None and chat.type == chat.PRIVATE else None
    if patient is None or not patient.enrolled:
        return await query.answer(svc.text("common.expired"))
    if parts[1:] in (["consent", "yes"], ["consent", "no"]):
        await query.answer()
        svc.store.set_photo_consent(chat.id, parts[2], now)
        days = photo_days(svc, patient) or svc.plan.photo_days
        return await query.edit_message_text(svc.text(f"photos.consent_{parts[2]}", days=_days(svc, days)))
    if parts[1:] == ["settings"]:
        return await _settings_item(update, context, svc, patient)
    if len(parts) == 3 and parts[1] == "skip" and parts[2].isdigit():
        ask = svc.store.photo_ask(int(parts[2]))
        if ask is not None and ask.chat_id == chat.id and svc.store.finish_photo_ask(ask.id, "skipped"):
            await query.answer()
            return await query.edit_message_text(svc.text("photos.skipped"))
    await query.answer(svc.text("common.expired"))


async def _settings_item(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services,
                         patient: Patient) -> None:
    """The /settings menu's Photos item: the question, saying whether photo check-ins are on now."""
    query = update.callback_query
    await query.answer()
    context.chat_data.pop(SETTINGS_MENU_KEY, None)  # a tap on the menu closes it (bot/handlers/settings_menu.py)
    await query.edit_message_reply_markup(None)
    await settings_question(update, svc, patient)


async def settings_question(update: Update, svc: Services, patient: Patient) -> None:
    """The Photos question of /settings (tapped or typed at the menu): whether photo check-ins are on now."""
    days = photo_days(svc, patient)
    if not days:
        return await update.effective_chat.send_message(svc.text("photos.not_in_plan"))
    on = svc.store.photo_consent(patient.chat_id) == "yes"
    await update.effective_chat.send_message(svc.text("photos.settings_on" if on else "photos.settings_off",
                                                      days=_days(svc, days)), reply_markup=_consent_markup(svc))


def register(application: Application) -> None:
    """Wire the photo check-in buttons (the photo itself comes through the one door, bot/handlers/typed.py)."""
    application.add_handler(CallbackQueryHandler(on_photo_tap, pattern=rf"^{CB}:"))

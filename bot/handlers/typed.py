"""The one door for what patients type (rules v3 P4e; STYLE 9): the only handler that reads their words.

Every text a patient sends comes in here: a message, an edited message, a photo's, video's or document's
caption (media without one too), ``/clinic`` with text, a long text (up to Telegram's 4,096 characters) and
a second message sent before the bot answered the first. ``on_patient_message`` works out what is on the
patient's screen (``screen_of``), reads the text once (``messages.routing.read``: one warning-sign reading in
the patient's language), asks the pure ``messages.routing.route`` what to do, and carries out its steps in
order. Nothing else in bot/ reads a patient's text (tests/test_architecture.py).

```mermaid
flowchart LR
  update[message / edit / caption / /clinic text] --> screen[screen_of] --> read[routing.read, once]
  read --> route[routing.route: signs, then the screen, then everyday, then the fallback] --> steps[carry out]
```
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.preparation import advise_reschedule
from bot.care.relay import message_button
from bot.care.scheduling import patient_day
from bot.handlers import checkin_text, clinic, companion, control, enrol, questions, settings_menu
from bot.handlers.checkin import current
from bot.logs import pseudonym
from bot.services import SCREEN_KEY, Services, keyboard, plan_for, services
from bot.store import Patient
from bot.store.checkins import CheckinRow
from messages import routing

log = logging.getLogger(__name__)
MISSES_KEY = "typed_misses"  # chat_data: (screen, messages in a row that answered nothing there)
ALBUM_KEY = "relay_album"  # chat_data: the album (media group) being relayed: its later photos follow the first


def typed_text(update: Update) -> str:
    """What the patient wrote: the message's or edit's text, or its caption (whole: up to 4,096 characters)."""
    message = update.effective_message
    return ((message.text or message.caption or "") if message is not None else "").strip()


async def on_patient_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything a patient sends in private, typed or not (a photo, a sticker, an edit): read and answered."""
    message = update.effective_message
    via = "edit" if update.edited_message is not None else "message" if message.text is not None else "caption"
    if via == "edit" and message.location is not None:
        return  # a live location moving: nothing to say
    await _through_the_door(update, context, via, typed_text(update))


async def on_clinic_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/clinic: arm the relay for the next message; "/clinic <text>" relays the text at once (read like any)."""
    svc, chat = services(context), update.effective_chat
    text = (update.effective_message.text or "").partition(" ")[2].strip()
    if not text or not svc.settings.relay_open or svc.store.patient(chat.id) is None:
        return await clinic.ask(update, context)
    svc.store.arm_relay(chat.id, svc.clock.now())
    await _through_the_door(update, context, "clinic", text)


async def _through_the_door(update: Update, context: ContextTypes.DEFAULT_TYPE, via: str, text: str) -> None:
    svc, now = services(context), services(context).clock.now()
    patient = svc.store.patient(update.effective_chat.id)
    row = svc.store.open_checkin(patient.chat_id) if _enrolled(patient) else None
    screen = screen_of(update, context, svc, patient, row, via, now)
    plan = plan_for(svc, patient.treatment.plan) if _enrolled(patient) else None
    typed = routing.read(text, screen, svc.words, plan, lexicon=routing.lexicon_for(svc.voice))
    action = routing.route(typed, screen)
    _count_misses(context, screen, action)
    log.info("chat %s: typed text at %s (%s) -> %s", pseudonym(update.effective_chat.id), screen.kind, via,
             "+".join(action.steps))
    for step in action.steps:
        row = await _carry_out(step, update, context, svc, patient, row, screen, typed, now)


def _enrolled(patient: Patient | None) -> bool:
    return bool(patient and patient.enrolled and patient.treatment)


def screen_of(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services, patient: Patient | None,
              row: CheckinRow | None, via: str, now: datetime) -> routing.Screen:
    """What the patient has in front of them (messages.routing.SCREENS), from the store and the chat's scratch."""
    chat, message = update.effective_chat, update.effective_message
    enrolled = _enrolled(patient)
    real_day = patient_day(patient, now, svc.settings.clinic.timezone) if enrolled else None
    day = max(0, real_day) if real_day is not None else None  # before the session, signs read as on day 0
    shown = context.application.bot_data.get(SCREEN_KEY)
    question = current(svc, row) if row is not None else None
    if row is not None:
        day = row.day
    if via == "message" and shown is not None and shown.written_before_last_reply(chat.id, message.message_id):
        kind = "stale"
    elif via in {"message", "caption", "clinic"} and (svc.store.relay_armed(chat.id, now)
                                                       or _album_follows(update, context)):
        kind = "relay"
    elif via == "caption" and message.photo and svc.store.open_photo_ask(chat.id, now) is not None:
        kind = "relay"  # the photo a photo check-in asked for goes to the clinic like one sent with /clinic
    elif via in {"message", "caption"} and _thread_of(update, svc) is not None:
        kind = "thread"
    elif patient is None or not (patient.enrolled or patient.step):
        kind = "consent" if enrol.consent_on_screen(context) else \
            "companion" if svc.store.accompanied_by(chat.id) is not None else "welcome"
    elif patient.step:
        kind = "enrolment"
    elif settings_menu.is_open(context, chat.id, now):
        kind = "settings"
    elif not patient.reachable:
        kind = "resume"
    elif question is not None:
        kind = "question"
    else:
        kind = "preparing" if real_day is not None and real_day < 0 else "idle"
    misses = context.chat_data.get(MISSES_KEY, (None, 0))
    if kind == "preparing":
        day = real_day  # its everyday answers are for the day before the session it is (routing.read)
    return routing.Screen(kind, via, enrolled, question if kind == "question" else None, day,
                          misses[1] if misses[0] == _miss_key(kind, question) else 0)


def _thread_of(update: Update, svc: Services) -> int | None:
    """The staff message in the clinic chat a patient's reply answers (a staff reply the bot passed on), if any."""
    replied = update.effective_message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot \
            or not svc.settings.relay_open:
        return None
    return svc.store.staff_message_replied_to(update.effective_chat.id, replied.message_id,
                                              svc.settings.clinic_chat_id)


def _album_follows(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether this photo belongs to the album whose first photo went to the clinic (Telegram sends an album as
    one message per photo, sharing a ``media_group_id``; the first one ends the arming)."""
    group = update.effective_message.media_group_id
    return group is not None and context.chat_data.get(ALBUM_KEY) == group


def _miss_key(kind: str, question) -> str:
    return f"{kind}:{question.id}" if question is not None and kind == "question" else kind


def _count_misses(context: ContextTypes.DEFAULT_TYPE, screen: routing.Screen, action: routing.Action) -> None:
    """Messages in a row that answered nothing at the same pending choice (the buttons come back after two)."""
    if action.answered or "again" in action.steps:
        context.chat_data.pop(MISSES_KEY, None)
    else:
        context.chat_data[MISSES_KEY] = (_miss_key(screen.kind, screen.question), screen.misses + 1)


async def _carry_out(step: str, update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services,
                     patient: Patient | None, row: CheckinRow | None, screen: routing.Screen,
                     typed: routing.Typed, now: datetime) -> CheckinRow | None:
    """One step of the action (messages.routing.STEPS); returns the open check-in afterwards."""
    chat, reading = update.effective_chat, typed.signs
    if step == "act":
        await checkin_text.act_on_signs(update, svc, patient, row, reading, typed.text, now)
        return svc.store.open_checkin(chat.id)
    if step == "ask":
        await checkin_text.ask_about(update, svc, patient, row, reading, now)
        return svc.store.open_checkin(chat.id)
    if step == "advise":
        await chat.send_message(svc.text("checkin.safety_advice_not_enrolled"))
    elif step == "reschedule":
        await advise_reschedule(update, svc, patient, typed.reschedule, now)
    elif step == "stop" and screen.kind == "companion":
        await companion.stop(update, svc)
    elif step == "stop":
        await control.typed_stop(update, svc, patient)
    elif step == "relay":
        await _relay(update, context, svc, patient, typed)
    elif step == "unread":
        await clinic.relay_unread(update, svc, patient, typed.text)
    elif step == "media_note":
        await _media_note(update, svc, patient)
    elif step == "edit_note":
        await chat.send_message(svc.text("control.edited"))
    elif step == "too_long":
        await chat.send_message(svc.text("control.too_long"))
    elif step == "ignore":
        log.info("chat %s: a message written before the last reply ignored", pseudonym(chat.id))
    elif step == "welcome":
        await enrol.welcome(update, context)
    elif step == "consent":
        await enrol.consent(update, context, typed.yes_no == "yes", now)
    elif step == "enrolment":
        await enrol.answer(update, svc, patient, typed.text, typed=True, now=now)
    elif step == "settings":
        await settings_menu.typed_item(update, context, patient, typed.text)
    elif step == "resume":
        await control.resume_choice(update, svc, chat.id, typed.yes_no == "yes", now)
    elif step == "checkin_answer":
        await checkin_text.take_answer(update, svc, patient, row, reading.answer, now)
        return svc.store.open_checkin(chat.id)
    elif step in {"wish", "normal", "everyday", "unknown"}:
        await questions.answer(update, context, patient, typed, step, now)
    elif step in {"hint", "again"}:
        await _hint(update, context, svc, screen, row, again=step == "again")
    elif step == "companion":
        await companion.reply(update, svc)
    elif step == "m11":
        await checkin_text.m11(update, svc, patient, now)
    else:  # a step routing.STEPS names but nothing here carries out is a bug: fail loudly (tests cover each)
        raise ValueError(f"no way to carry out {step!r}")
    return row


async def _relay(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services, patient: Patient | None,
                 typed: routing.Typed) -> None:
    """To the clinic chat: a photo by its file id with its caption (an album whole, the patient told once), a text
    as it is; other media cannot go, and the patient is told so (the arming ends)."""
    message = update.effective_message
    if message.photo:
        following = _album_follows(update, context)
        if message.media_group_id is not None:
            context.chat_data[ALBUM_KEY] = message.media_group_id
        await clinic.relay_photo(update, svc, patient, typed.text, thread=_thread_of(update, svc),
                                 receipt=None if following else "clinic.relayed")
    elif message.text is not None:  # a message, "/clinic <text>", or a reply to a staff message
        await clinic.relay_text(update, svc, patient, typed.text, thread=_thread_of(update, svc))
    else:
        await clinic.refuse_media(update, svc)


async def _media_note(update: Update, svc: Services, patient: Patient | None) -> None:
    """The kind note on a photo, video or other media: not looked at and not kept, and the way to the clinic."""
    message = update.effective_message
    if message.photo or message.video or message.video_note:
        reachable = svc.settings.relay_open and patient is not None
        await update.effective_chat.send_message(svc.text("control.media_photo"),
                                                 reply_markup=keyboard([message_button(svc)]) if reachable else None)
    else:
        await update.effective_chat.send_message(svc.text("control.media_other"))


async def _hint(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services, screen: routing.Screen,
                row: CheckinRow | None, again: bool) -> None:
    """The hint for the pending choice on screen, or (the second time in a row) the choice again with buttons."""
    if screen.kind == "consent":
        await enrol.consent_hint(update, context, again)
    elif screen.kind == "resume":
        await control.resume_again(update, svc, again)
    elif again:
        await checkin_text.again(update, svc, row)
    else:
        await checkin_text.hint(update, svc, row)

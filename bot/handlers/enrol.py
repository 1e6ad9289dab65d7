"""Enrolment and settings in a private chat: /start, consent, the profile questions, /settings."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from functools import lru_cache

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ContextTypes

from bot.care import enrolment as flow
from bot.care import opening
from bot.care.enrolment import CB, Reply
from bot.care.enrolment_answers import read_answer
from bot.handlers import language, photos, settings_menu
from bot.handlers.control import control_summary, offer_resume
from bot.handlers.resuming import turn_on_question
from bot.care.scheduling import reschedule
from bot.services import Services, keyboard, services
from bot.store import Patient
from bot.logs import pseudonym
from messages.parsing import looks_off_topic

log = logging.getLogger(__name__)
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NEW_SESSION = f"{CB}:again:new"  # "start a new session", here and at the end of a plan (read by on_button)
# chat_data scratch (never health data): the welcome with its consent question is on screen, so a typed
# "yes" or "no thanks" answers it. Lost on restart, when a typed word simply brings the welcome back.
CONSENT_ON_SCREEN = "consent_on_screen"


async def send(update: Update, replies: list[Reply]) -> None:
    """Send each reply to the chat, in order."""
    for reply in replies:
        await update.effective_chat.send_message(reply.text, reply_markup=reply.markup)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome and consent, resume an unfinished enrolment, or offer a new session."""
    if await offer_resume(update, context):
        return
    svc, now = services(context), services(context).clock.now()
    payload = context.args[0] if context.args else None
    if payload and not PAYLOAD.match(payload):
        log.info("ignored malformed start payload in chat %s", pseudonym(update.effective_chat.id))
        payload = None
    patient = svc.store.patient(update.effective_chat.id)
    if patient and patient.enrolled and not patient.step:
        values = flow.profile_values(svc, patient, now)
        await update.effective_chat.send_message(
            svc.text("enrol.already_enrolled", **values),
            reply_markup=keyboard([[(svc.text("enrol.again_new"), NEW_SESSION)],
                                   [(svc.text("enrol.again_keep"), f"{CB}:again:keep")]]))
    elif patient and patient.step:
        await send(update, [Reply(svc.text("enrol.resume_enrolment")),
                            flow.enrolment_question(svc, patient, flow.split_step(patient.step)[1], now)])
    else:
        chosen = opening.read(svc, payload, now)  # an invitation, a poster's plan, or why not: nothing stored yet
        context.chat_data[opening.CHOSEN] = chosen.kept
        if chosen.note:
            await update.effective_chat.send_message(chosen.note)
        if len(svc.offered) > 1 and language.CHOSEN not in context.chat_data:  # before consent: which language
            return await language.ask(update, context)
        await welcome(update, context)


async def welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The welcome with its consent question; a typed yes or no answers it from now on."""
    svc = services(context)
    name = update.effective_user.first_name if update.effective_user else ""
    context.chat_data[CONSENT_ON_SCREEN] = True
    await update.effective_chat.send_message(
        svc.text("enrol.welcome", name_part=f", {name}" if name else ""), reply_markup=_consent_buttons(svc))


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE, agreed: bool, now: datetime) -> None:
    """Consent given (the first row is stored, the first question asked) or declined (nothing stored)."""
    svc, chat_id = services(context), update.effective_chat.id
    context.chat_data.pop(CONSENT_ON_SCREEN, None)
    query = update.callback_query
    if not agreed:
        if query:
            return await query.edit_message_text(svc.text("enrol.declined"))
        return await update.effective_chat.send_message(svc.text("enrol.declined"))
    user = update.effective_user
    patient = svc.store.give_consent(chat_id, user.id if user else None, (user.first_name if user else "") or "",
                                     f"enrol:{flow.ENROL_ORDER[0]}", now)
    patient = svc.store.update_patient(chat_id, now, language=context.chat_data.pop(language.CHOSEN, None) or svc.voice)
    patient, note = opening.apply(svc, patient, context.chat_data.pop(opening.CHOSEN, None), now)
    if note:  # the invitation was used by someone else meanwhile: the patient answers the date themselves
        await update.effective_chat.send_message(note)
    if query:
        await query.edit_message_reply_markup(None)
    else:
        await update.effective_chat.send_message(svc.text("enrol.consent_typed"))
    await send(update, [flow.enrolment_question(svc, patient, flow.ENROL_ORDER[0], now)])


async def on_enrolment_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any enrolment or settings button: check it is still current, then apply it."""
    svc, now, query = services(context), services(context).clock.now(), update.callback_query
    if update.effective_chat is None:  # a button on an inline message: never one of ours
        return await query.answer(svc.text("common.expired"))
    parts = (query.data or "").split(":")
    chat_id = update.effective_chat.id
    patient = svc.store.patient(chat_id)
    if len(parts) != 3 or parts[0] != CB:
        return await expired(update, svc)
    name, value = parts[1], parts[2]
    if name == "consent" and value in {"yes", "no"} and not (patient and patient.enrolled):
        await query.answer()
        return await consent(update, context, value == "yes", now)
    if name == "again" and value in {"new", "keep"} and patient and patient.enrolled and not patient.step:
        await query.answer()
        if value == "keep":  # tell the truth: if messages are off, say so and offer to turn them back on
            if question := turn_on_question(svc, chat_id, now):
                return await query.edit_message_text(svc.text("enrol.kept_off", question=question[0]),
                                                     reply_markup=question[1])
            return await query.edit_message_text(svc.text("enrol.kept"))
        patient = svc.store.update_patient(chat_id, now, step="new:date")
        await query.edit_message_reply_markup(None)
        return await send(update, [flow.enrolment_question(svc, patient, "date", now)])
    if name == "settings" and patient and patient.enrolled:
        return await settings_choice(update, context, patient, value, now)
    if patient is None or not name or flow.split_step(patient.step)[1] != name:  # "e1::" is forged
        return await expired(update, svc)
    await answer(update, svc, patient, value, typed=False, now=now)


async def on_language_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button: before consent it is kept for the welcome (nothing stored yet); later it is stored."""
    svc, now, query = services(context), services(context).clock.now(), update.callback_query
    code = language.tapped(svc, query.data)
    if code is None or update.effective_chat is None:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    chat_id = update.effective_chat.id
    patient = svc.store.patient(chat_id)
    svc.speak(code)  # from this tap on, everything is said in the chosen language
    if patient is not None:
        svc.store.update_patient(chat_id, now, language=code)
    else:
        context.chat_data[language.CHOSEN] = code
    await query.edit_message_text(svc.text("language.chosen", language=svc.language_name(code)))
    if patient is None:
        await welcome(update, context)


async def expired(update: Update, svc: Services) -> None:
    """Answer a stale or forged button politely; nothing changes."""
    await update.callback_query.answer(svc.text("common.expired"), show_alert=False)


async def answer(update: Update, svc: Services, patient: Patient, raw: str, typed: bool, now: datetime) -> None:
    """Apply one answer to the current question and ask the next (or finish)."""
    mode, name = flow.split_step(patient.step)
    read = read_answer(svc, patient, name, raw, typed, now)
    query = update.callback_query
    if query:
        await query.answer()
    if not read.taken:
        # Not an answer at all: say what is asked, ask it again (a question back, like "did you mean 21:00?", was one)
        if read.refusal and typed and looks_off_topic(svc.words, raw):
            return await send(update, [Reply(svc.text("enrol.finish_first", topic=svc.text(f"enrol.topic_{name}"))),
                                       flow.enrolment_question(svc, patient, name, now)])
        if read.question_back or read.refusal:
            await send(update, [read.question_back or Reply(read.refusal)])
        return
    following, confirmation = read.then or flow.next_enrolment_question(mode, name), read.confirmation
    if following == "date" and mode == "enrol" and patient.draft_date is not None:  # set by an invitation
        following = flow.next_enrolment_question(mode, "date")
    if confirmation and query and name != "zone":
        await query.edit_message_text(confirmation)
    elif query:
        await query.edit_message_reply_markup(None)
    if confirmation and (not query or name == "zone"):  # a zone set also takes away the location keyboard
        await update.effective_chat.send_message(confirmation, reply_markup=ReplyKeyboardRemove()
                                                 if name == "zone" else None)
    patient = svc.store.update_patient(patient.chat_id, now, step=f"{mode}:{following}" if following else None,
                                       **read.updates)
    if following:
        return await send(update, [flow.enrolment_question(svc, patient, following, now)])
    await finish(update, svc, patient, mode, now)


async def finish(update: Update, svc: Services, patient: Patient, mode: str, now: datetime) -> None:
    """Complete enrolment, a settings change or a new session, and plan the reminders."""
    if mode in {"enrol", "new"} or patient.treatment is None:
        svc.store.start_treatment(patient.chat_id, patient.draft_plan or svc.plan.name, patient.draft_date, now)
    elif patient.draft_date:
        svc.store.move_treatment(patient.treatment.id, patient.draft_date)
        svc.store.update_patient(patient.chat_id, now, draft_date=None)
    patient = svc.store.patient(patient.chat_id)
    reschedule(svc, patient, now)
    values = flow.profile_values(svc, patient, now)
    if mode == "enrol":
        text = svc.text("enrol.summary", **values)
    elif mode == "new":
        text = svc.text("enrol.new_session_started", **values)
    else:
        settings_text = svc.text("common.settings", **values, control=control_summary(svc, patient.chat_id, now))
        text = svc.text("enrol.summary_updated") + "\n\n" + settings_text.rsplit("\n\n", 1)[0]
    await update.effective_chat.send_message(text)
    if mode in {"enrol", "new"}:
        await photos.offer(update, svc, patient)  # one tap after the existing questions, skippable


def consent_on_screen(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the welcome's consent question is the open thing (scratch: after a restart, text brings it back)."""
    return bool(context.chat_data.get(CONSENT_ON_SCREEN))


async def consent_hint(update: Update, context: ContextTypes.DEFAULT_TYPE, again: bool) -> None:
    """Typed text at the consent that is neither yes nor no: the hint, or (the second time) the buttons again."""
    svc = services(context)
    if not again:
        return await update.effective_chat.send_message(svc.text("enrol.consent_hint"))
    await update.effective_chat.send_message(svc.text("enrol.consent_again"), reply_markup=_consent_buttons(svc))


def _consent_buttons(svc: Services):
    return keyboard([[(svc.text("enrol.consent_yes"), f"{CB}:consent:yes"),
                      (svc.text("enrol.consent_no"), f"{CB}:consent:no")]])


@lru_cache(maxsize=1)
def _finder():
    from timezonefinder import TimezoneFinder  # loads its data files once, on first use
    return TimezoneFinder()


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: resolved offline to a time zone when the zone question is pending."""
    svc, now = services(context), services(context).clock.now()
    patient = svc.store.patient(update.effective_chat.id)
    if patient is None or flow.split_step(patient.step)[1] != "zone":
        return  # a location outside enrolment is ignored on purpose: we never store positions
    loc = update.effective_message.location
    zone = await asyncio.to_thread(lambda: _finder().timezone_at(lng=loc.longitude, lat=loc.latitude))
    if zone is None:
        await update.effective_chat.send_message(svc.text("enrol.zone_not_found"))
        return
    await answer(update, svc, patient, zone, typed=True, now=now)


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: show the profile with buttons to change each part."""
    svc, now = services(context), services(context).clock.now()
    patient = svc.store.patient(update.effective_chat.id)
    if patient is None or not patient.enrolled:
        await update.effective_chat.send_message(svc.text("common.not_enrolled"))
        return
    if patient.step:  # an abandoned change: drop it rather than trap the patient in it
        patient = svc.store.update_patient(patient.chat_id, now, step=None, draft_date=None)
    menu = await update.effective_chat.send_message(
        svc.text("common.settings", **flow.profile_values(svc, patient, now),
                 control=control_summary(svc, patient.chat_id, now)), reply_markup=settings_menu.menu_markup(svc))
    settings_menu.shown(context, menu, now)


async def settings_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, patient: Patient, value: str,
                          now: datetime) -> None:
    """A /settings button: ask the chosen question in edit mode (or close the menu)."""
    svc, query = services(context), update.callback_query
    if value not in {*settings_menu.ITEMS, "done", "language"}:
        return await expired(update, svc)
    await query.answer()
    settings_menu.close(context)
    await query.edit_message_reply_markup(None)
    if value == "language":
        return await language.ask(update, context, current=svc.voice)
    if value != "done":
        await settings_menu.open_item(update, svc, patient, value, now)


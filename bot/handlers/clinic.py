"""A person within reach: the patient writes to the clinic chat, staff reply there, the patient hears back.

``/clinic`` or the "Message the clinic" button (``cl1:write``) arms the relay:
the patient's next message or photo goes to the clinic chat with the patient
reference (an album whole; a text too long for one message in numbered parts; a
voice note, document or sticker is refused kindly and ends the arming). A staff
member's Telegram text reply to that message (or to an alert or its re-raise) reaches the patient as "From <clinic>: ..."; any other reply to
the bot (a photo, a sticker, one about an erased patient) is answered "not sent".
Photos travel by Telegram file id; the bot never downloads or keeps their bytes.

Relays are sent directly (with the retry layer production wraps every request
in); a 429 longer than a second parks them in the alert outbox (bot/delivery/replies.py), which
sends them when Telegram allows. Alerts go through the alert outbox (bot/care/alerts.py).

```mermaid
flowchart LR
  clinic[/clinic or button/] --> armed -->|text or photo| relayed[clinic chat] -->|staff reply| patient
```
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.care import topics
from bot.care.relay import CB, message_button, quoted, reference, speaks_for_clinic, tell_patient
from bot.care.scheduling import patient_day
from bot.services import Services, keyboard, services
from bot.store import Patient, StoreError
from bot.logs import pseudonym
from messages.lengths import TEXT_LIMIT, split_text, utf16_len

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's limit for a caption, in UTF-16 code units (the reference goes in front)


def _day_part(svc: Services, patient: Patient | None, now) -> str:
    if patient is None or patient.treatment is None:
        return ""
    return svc.text("clinic.day_part", day=patient_day(patient, now, svc.settings.clinic.timezone))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/clinic: arm the relay (the next message or photo goes to the clinic chat), or give the number."""
    svc, chat = services(context), update.effective_chat
    if not svc.settings.relay_open or svc.store.patient(chat.id) is None:
        return await chat.send_message(svc.text("clinic.no_clinic_chat"))
    svc.store.arm_relay(chat.id, svc.clock.now())
    await chat.send_message(svc.text("clinic.ask_message"),
                            reply_markup=keyboard([[(svc.text("clinic.cancel_button"), f"{CB}:cancel")]]))


async def on_clinic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Message the clinic" button and its "Never mind"."""
    svc, query = services(context), update.callback_query
    if update.effective_chat is None or update.effective_chat.type != update.effective_chat.PRIVATE \
            or query.data not in {f"{CB}:write", f"{CB}:cancel"}:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if query.data == f"{CB}:cancel":
        svc.store.arm_relay(update.effective_chat.id, None)
        return await query.edit_message_text(svc.text("clinic.cancelled"))
    await ask(update, context)


async def relay_text(update: Update, svc: Services, patient: Patient | None, text: str,
                     thread: int | None = None, header: str = "clinic.to_clinic",
                     receipt: str = "clinic.relayed") -> None:
    """The text the patient asked to write to the clinic (bot/handlers/typed.py): passed on with their reference,
    their words in a quote (so none of them can pass for the header), as a reply to the staff message ``thread``
    when the patient replied to one. ``header`` and ``receipt`` are the catalog keys of the clinic's heading and
    the patient's receipt (``relay_unread`` has its own)."""
    now = svc.clock.now()
    who, day_part = reference(svc, patient, update.effective_user), _day_part(svc, patient, now)
    language = _language_line(svc, patient)
    with svc.clinic_voice():  # the staff's language; the patient's words as written
        def frame(words: str, part: int, parts: int) -> tuple[str, list]:
            return quoted(words, lambda placeholder: svc.text(header, reference=who, day_part=day_part,
                                                              text=placeholder) if part == 1 else
                          svc.text("faults.to_clinic_continued", reference=who, part=part, parts=parts,
                                   text=placeholder))
        # a text near Telegram's 4,096 (all a patient may send) does not fit beside the header: in parts
        room = TEXT_LIMIT - utf16_len(language) - max(utf16_len(frame("", 1, 1)[0]), utf16_len(frame("", 9, 9)[0]))
        pieces = split_text(text, room) if utf16_len(text) > room else [text]
        bodies = [frame(piece, number, len(pieces)) for number, piece in enumerate(pieces, 1)]
    for number, (piece, (body, entities)) in enumerate(zip(pieces, bodies), 1):
        body += language  # after the quote: its entities' offsets stay true
        if not await _relay(update, svc, patient, lambda bot, topic, body=body, entities=entities: bot.send_message(
                svc.settings.clinic_chat_id, body, entities=entities, reply_to_message_id=thread,
                allow_sending_without_reply=True, message_thread_id=topic), piece, None,
                receipt=receipt if number == len(pieces) else None):
            return


async def relay_photo(update: Update, svc: Services, patient: Patient | None, caption: str,
                      thread: int | None = None, receipt: str | None = "clinic.relayed") -> None:
    """A photo the patient asked to send to the clinic: relayed by its file id (the largest size; only this id is
    kept, never the bytes), with the caption (quoted, like a text) and their reference; ``receipt`` None for the
    later photos of an album (the patient was told once). The photo a photo check-in awaits
    (bot/handlers/photos.py) goes the same way, headed with that day's check-in result."""
    now = svc.clock.now()
    file_id = update.effective_message.photo[-1].file_id
    who, day_part = reference(svc, patient, update.effective_user), _day_part(svc, patient, now)
    asked = svc.store.open_photo_ask(update.effective_chat.id, now)
    with svc.clinic_voice():
        def framed(words: str) -> tuple[str, list]:
            def render(placeholder: str) -> str:
                part = svc.text("clinic.caption_part", caption=placeholder) if words else ""
                if asked is not None:
                    return svc.text("photos.to_clinic", reference=who, day=asked.day, caption=part,
                                    level=svc.text(f"checkin.level_label_{asked.level}"))
                return svc.text("clinic.to_clinic_photo", reference=who, day_part=day_part, caption=part)
            return quoted(words, render)
        room = CAPTION_LIMIT - (utf16_len(framed("x")[0]) - 1)  # Telegram counts a caption in UTF-16 units
        if utf16_len(caption) > room:
            caption = split_text(caption, max(2, room))[0]
        body, entities = framed(caption)
    relay_id = await _relay(update, svc, patient,
                            lambda bot, topic: bot.send_photo(svc.settings.clinic_chat_id, file_id, caption=body,
                                                              caption_entities=entities, reply_to_message_id=thread,
                                                              allow_sending_without_reply=True,
                                                              message_thread_id=topic),
                            caption, file_id, receipt="photos.received" if asked and receipt else receipt)
    if asked is not None and relay_id is not None:
        svc.store.finish_photo_ask(asked.id, "sent", relay_id)


async def refuse_media(update: Update, svc: Services) -> None:
    """A document, voice note, sticker or video after /clinic: not passed on, and said so kindly; the relay is no
    longer armed, so a check-in answer typed later is answered, not relayed."""
    svc.store.arm_relay(update.effective_chat.id, None)
    log.info("chat %s: media after /clinic not relayed", pseudonym(update.effective_chat.id))
    await update.effective_chat.send_message(svc.text("faults.relay_media_refused"))


async def relay_unread(update: Update, svc: Services, patient: Patient | None, text: str) -> None:
    """Rules v3 P4g: a text in a language no installed lexicon reads goes to the clinic chat marked "not read by
    the bot", quoted as written with the patient's language, so that a person reads it; a staff reply to it goes
    back to the patient like any relayed message. The patient is told so (the Q1 safety screen follows)."""
    if not svc.settings.relay_open:
        return await update.effective_chat.send_message(svc.text("clinic.unread_kept"))
    await relay_text(update, svc, patient, text, header="clinic.unread_to_clinic", receipt="clinic.unread_relayed")


def _language_line(svc: Services, patient: Patient | None) -> str:
    """"Patient's language: Deutsch" for staff, when the patient's language is not the clinic chat's ("" else)."""
    language = patient.language if patient else None
    if not language or language == svc.clinic_language:
        return ""
    with svc.clinic_voice():
        return "\n" + svc.text("language.alert_language", language=svc.language_name(language))


async def _relay(update: Update, svc: Services, patient: Patient, send, text: str | None, file_id: str | None,
                 receipt: str | None = "clinic.relayed") -> int | None:
    """Send one relay to the clinic chat and record it; the patient gets ``receipt`` (None: nothing yet), or
    "not sent" when Telegram refused. The relay's id, None if it could not go."""
    chat, now = update.effective_chat, svc.clock.now()
    svc.store.arm_relay(chat.id, None)
    try:
        bot = update.get_bot()  # in the patient's topic when the clinic chat is a forum (bot/care/topics.py)
        sent: Message = await topics.post(bot, svc, patient.chat_id if patient else None,
                                          lambda topic: send(bot, topic))
    except TelegramError as exc:
        log.error("relay from chat %s not delivered to the clinic chat: %s", pseudonym(chat.id), type(exc).__name__)
        await chat.send_message(svc.text("clinic.not_relayed"))
        return None
    relay_id = svc.store.record_relay(chat.id, "to_clinic", text, file_id, sent.message_id, now,
                                      clinic_chat_id=svc.settings.clinic_chat_id)
    log.info("chat %s wrote to the clinic (clinic message %s)", pseudonym(chat.id), sent.message_id)
    if receipt is not None:
        await chat.send_message(svc.text(receipt))
    return relay_id


async def on_staff_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the clinic chat: a team member's text reply to a relayed message or an alert, or their message in a
    patient's forum topic, goes to that patient (an edit of one passed on goes as a correction); anyone else is
    refused kindly, and anything else replying to the bot is answered "not sent", so staff never think it
    arrived."""
    svc, message, chat = services(context), update.effective_message, update.effective_chat
    if chat.id != svc.settings.clinic_chat_id:
        return
    chat_id = _patient_addressed(update, svc)
    if chat_id is False:
        return  # staff talking among themselves
    if not speaks_for_clinic(svc, message):
        if chat_id is not None:  # only about a patient: a bot answering the refusal is not answered again
            log.info("clinic chat: a message by someone not on the clinic team was not passed on")
            await message.reply_text(svc.text("clinic.team_only"))
        return
    if chat_id is None:
        return await message.reply_text(svc.text("clinic.reply_unknown"))
    patient = svc.store.patient(chat_id)
    who = reference(svc, patient, None)
    text = (message.text or "").strip()
    if not text:  # a photo, sticker, voice note...: only text is passed on
        return await _receipt(svc, message, chat_id, svc.text("clinic.reply_not_text", reference=who))
    earlier = svc.store.passed_on(chat.id, message.message_id) if update.edited_message is not None else None
    sent = await _pass_on(update, svc, chat_id, text, "correction" if earlier else "from_clinic",
                          earlier[1] if earlier else None)
    if sent is None:
        return await _receipt(svc, message, chat_id, svc.text("clinic.reply_failed", reference=who))
    log.info("clinic answered chat %s%s", pseudonym(chat_id), " (a correction)" if earlier else "")
    await _receipt(svc, message, chat_id, svc.text("clinic.correction_sent" if earlier else "clinic.reply_sent",
                                                   reference=who))


def _patient_addressed(update: Update, svc: Services) -> int | None | bool:
    """The patient a clinic chat message speaks to: the one of the bot's message it replies to, or (in a forum)
    the one whose topic it is in, unless it replies to a colleague there; None for a reply to a bot message about
    nobody known (an erased patient); False when it is not for a patient at all (staff among themselves)."""
    message, bot_id = update.effective_message, update.get_bot().id
    replied = message.reply_to_message
    # In a forum, a message in a topic "replies" to the topic's first message (Telegram's forum_topic_created).
    topic = topics.thread_of(message)
    to_topic = replied is None or replied.message_id == topic or replied.forum_topic_created is not None
    in_topic = topics.patient_of_message(svc, message)
    if in_topic is not None and (to_topic or (replied.from_user is not None and replied.from_user.id == bot_id)):
        return in_topic
    if replied is None or to_topic or replied.from_user is None or replied.from_user.id != bot_id:
        return False
    return svc.store.patient_of_clinic_message(message.chat.id, replied.message_id)


async def _receipt(svc: Services, message, about: int, text: str) -> None:
    """A reply in the clinic chat that names the patient, remembered so that their erasure edits it."""
    receipt = await message.reply_text(text)
    try:
        svc.store.record_mention(about, message.chat.id, receipt.message_id)
    except StoreError as error:
        log.error("clinic chat: a receipt was not recorded for erasure (%s)", type(error).__name__)


async def _pass_on(update: Update, svc: Services, chat_id: int, text: str, key: str,
                   reply_to: int | None) -> int | None:
    """Send a staff text to the patient as ``clinic.<key>``, in numbered parts when it is too long for one message
    (``clinic.<key>_part``); each part is recorded so the patient's reply to it goes back to the staff message.
    Returns the parts sent, or None if one failed."""
    message, now = update.effective_message, svc.clock.now()
    with svc.speaking_to(chat_id):  # staff's words, in the patient's language's frame
        room = TEXT_LIMIT - utf16_len(svc.text(f"clinic.{key}_part", part=99, parts=99, text=""))
        parts = split_text(text, room)
        bodies = [svc.text(f"clinic.{key}", text=part) if len(parts) == 1 else
                  svc.text(f"clinic.{key}_part", part=number, parts=len(parts), text=part)
                  for number, part in enumerate(parts, 1)]
    for part, body in zip(parts, bodies):
        sent = await tell_patient(update.get_bot(), svc, chat_id, body, reply_to=reply_to)
        if sent is None:
            return None
        svc.store.record_relay(chat_id, "from_clinic", part, None, message.message_id, now,
                               patient_message_id=sent.message_id, clinic_chat_id=update.effective_chat.id)
    return len(parts)


def register(application: Application) -> None:
    """Wire the clinic buttons and staff replies in the clinic chat (/clinic and what patients send: typed.py)."""
    application.add_handler(CallbackQueryHandler(on_clinic_button, pattern=rf"^{CB}:"))
    application.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.UpdateType.MESSAGES & (filters.REPLY | filters.IS_TOPIC_MESSAGE)
        & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_staff_reply))

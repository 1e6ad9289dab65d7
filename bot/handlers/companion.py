"""A companion (issue 24): the patient's ``/companion`` link, the companion's one-tap yes, ``/companion stop``, and
what a companion gets when they write or ask for their data.

The link and what it carries are bot/care/companions.py. Callback data: ``cp1:new:0|1`` (the patient's choice:
urgent advice only, or their "I'm not OK" too), ``cp1:ok:<payload>`` and ``cp1:no`` (the companion's answer),
``cp1:del:yes|no`` (a companion's /delete). Anything else, or a link forged, expired or used meanwhile, gets a
kind answer and changes nothing.

```mermaid
flowchart LR
  P[patient: /companion] -->|one tap| L[link, 7 days, once] --> C[companion opens it: who, what, what not]
  C -->|Yes| A[linked; the patient is told] --> S[/companion stop, either side: the other is told/]
```
"""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.care import companions
from bot.logs import pseudonym
from bot.readiness import patient_link
from bot.services import PRIVATE_MESSAGE, Services, keyboard, services
from bot.store import Companion

log = logging.getLogger(__name__)
CB = "cp1"
LINK = filters.Regex(rf"^/start(@\w+)? {companions.PREFIX}[A-Za-z0-9_-]{{{companions.LENGTH - 1}}}$")  # a companion's link, before the enrolment's /start
EXPORT_NAME = "aftercare-companion.json"


async def on_companion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/companion: the patient's invitation (one tap to choose what is passed on); /companion stop ends a link."""
    svc, chat = services(context), update.effective_chat
    if [word.lower() for word in context.args or []][:1] == ["stop"]:
        return await stop(update, svc)
    patient, mine = svc.store.patient(chat.id), svc.store.accompanied_by(chat.id)
    if patient is None or not patient.enrolled:
        key = "companion.you_accompany" if mine is not None else "companion.not_enrolled"
        return await chat.send_message(svc.text(key, name=_name_of(svc, mine)))
    link = svc.store.companion_of(chat.id)
    if link is not None:
        return await chat.send_message(svc.text("companion.current_not_ok" if link.not_ok else "companion.current",
                                                companion=link.name))
    await chat.send_message(svc.text("companion.invite_intro"), reply_markup=keyboard(
        [[(svc.text("companion.invite_button_advice"), f"{CB}:new:0")],
         [(svc.text("companion.invite_button_not_ok"), f"{CB}:new:1")]]))


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A companion button: the patient's choice, the companion's yes or no, or a companion's /delete answer."""
    svc, query = services(context), update.callback_query
    parts = (query.data or "").split(":")
    if parts[1:2] == ["new"] and parts[2:] in (["0"], ["1"]):
        return await _make(update, context, svc, parts[2] == "1")
    if parts[1:2] == ["ok"] and len(parts) == 3 and companions.looks_like_link(parts[2]):
        return await _accept(update, svc, parts[2])
    if parts[1:] == ["no"]:
        await query.answer()
        return await query.edit_message_text(svc.text("companion.declined"))
    if parts[1:2] == ["del"] and parts[2:] in (["yes"], ["no"]):
        return await _delete_answer(update, svc, parts[2] == "yes")
    await query.answer(svc.text("common.expired"))


async def _make(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services, not_ok: bool) -> None:
    query, chat = update.callback_query, update.effective_chat
    patient, now = svc.store.patient(chat.id), svc.clock.now()
    if patient is None or not patient.enrolled or svc.store.companion_of(chat.id) is not None:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    payload = companions.make_link(svc, patient, not_ok, now.date())
    if payload is None:
        return await query.edit_message_text(svc.text("companion.invite_unavailable"))
    log.info("chat %s made a companion link", pseudonym(chat.id))
    await query.edit_message_text(svc.text("companion.invite_link", link=patient_link(context.bot.username, payload),
                                           until=svc.date("date", now.date() + timedelta(days=companions.DAYS))))


def _refusal(svc: Services, chat_id: int, payload: str):
    """Why this chat can't take this link ("companion.refused_*"), or the link and the patient's chat."""
    found = companions.read_link(svc, payload, svc.clock.now().date())
    if isinstance(found, str):
        return f"companion.refused_{found}", None, None
    patient_chat = svc.store.chat_of_number(found.patient_number)
    patient = svc.store.patient(patient_chat) if patient_chat is not None else None
    if patient is None or not patient.enrolled:
        return "companion.refused_forged", None, None
    if patient.chat_id == chat_id:
        return "companion.refused_self", None, None
    if svc.store.companion_of(patient.chat_id) is not None:
        return "companion.refused_taken", None, None
    if svc.store.accompanied_by(chat_id) is not None:
        return "companion.refused_busy", None, None
    return None, found, patient


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start with a companion's link: whose companion the opener becomes, what they get and not, one tap to say yes."""
    svc, chat = services(context), update.effective_chat
    payload = context.args[0]
    refused, found, patient = _refusal(svc, chat.id, payload)
    if refused:
        log.info("chat %s: a companion link refused (%s)", pseudonym(chat.id), refused.rsplit("_", 1)[1])
        return await chat.send_message(svc.text(refused))
    name = companions.first_name(patient)
    await chat.send_message(svc.text("companion.offer_not_ok" if found.not_ok else "companion.offer", name=name),
                            reply_markup=keyboard([[(svc.text("companion.accept_button", name=name),
                                                     f"{CB}:ok:{payload}")],
                                                   [(svc.text("companion.decline_button"), f"{CB}:no")]]))


async def _accept(update: Update, svc: Services, payload: str) -> None:
    query, chat, now = update.callback_query, update.effective_chat, svc.clock.now()
    refused, found, patient = _refusal(svc, chat.id, payload)
    with svc.store.transaction():
        if refused is None and not svc.store.use_invite(found.id, now):
            refused = "companion.refused_used"
        if refused is None and not svc.store.link_companion(
                patient.chat_id, chat.id, (update.effective_user.first_name or "").strip()[:64] or "?", svc.voice,
                found.not_ok, now):
            refused = "companion.refused_taken"
    await query.answer(svc.text(refused) if refused else None)
    if refused:
        return await query.edit_message_text(svc.text(refused))
    link = svc.store.companion_of(patient.chat_id)
    with svc.speaking_to(patient.chat_id):
        companions.tell(svc, link, svc.text("companion.accepted_to_patient", companion=link.name), now,
                        to_patient=True)
    log.info("chat %s is now the companion of chat %s", pseudonym(chat.id), pseudonym(patient.chat_id))
    await query.edit_message_text(svc.text("companion.accepted", name=companions.first_name(patient)))


def _name_of(svc: Services, link: Companion | None) -> str:
    """The first name of the patient a companion accompanies ("?" when none)."""
    patient = svc.store.patient(link.patient_chat_id) if link is not None else None
    return companions.first_name(patient) if patient is not None else "?"


async def stop(update: Update, svc: Services) -> None:
    """/companion stop, or a companion's typed STOP: every link of this chat ends at once, and the other side is
    told."""
    chat, now = update.effective_chat, svc.clock.now()
    mine, theirs = svc.store.companion_of(chat.id), svc.store.accompanied_by(chat.id)
    if mine is None and theirs is None:
        return await chat.send_message(svc.text("companion.none"))
    if mine is not None:
        companions.end(svc, mine, now, by_patient=True)
        await chat.send_message(svc.text("companion.stopped_patient", companion=mine.name))
    if theirs is not None:
        name = _name_of(svc, theirs)
        companions.end(svc, theirs, now, by_patient=False)
        await chat.send_message(svc.text("companion.stopped_companion", name=name))


async def reply(update: Update, svc: Services) -> None:
    """A companion wrote: a short kind reply and the emergency line; their words go nowhere."""
    await update.effective_chat.send_message(svc.text(
        "companion.reply_to_companion", name=_name_of(svc, svc.store.accompanied_by(update.effective_chat.id))))


async def own_data(update: Update, svc: Services) -> bool:
    """/mydata of a companion who is no patient: their small record; False if the chat is no one's companion."""
    chat = update.effective_chat
    link = svc.store.accompanied_by(chat.id)
    if link is None:
        return False
    document = {"about": svc.text("companion.mydata_about"), "clinic": svc.settings.clinic.name,
                "companion_of": _name_of(svc, link), "your_first_name": link.name, "since": link.since.isoformat(),
                "told_when_they_are_not_ok": link.not_ok, "language": svc.language_name(link.language)}
    blob = json.dumps(document, indent=2, ensure_ascii=False).encode()
    await chat.send_document(document=io.BytesIO(blob), filename=EXPORT_NAME,
                             caption=svc.text("companion.mydata_caption", name=document["companion_of"]))
    return True


async def ask_delete(update: Update, svc: Services) -> bool:
    """/delete of a companion who is no patient: ask before erasing their record; False if no one's companion."""
    link = svc.store.accompanied_by(update.effective_chat.id)
    if link is None:
        return False
    await update.effective_chat.send_message(svc.text("companion.delete_ask", name=_name_of(svc, link)),
                                             reply_markup=keyboard([[(svc.text("companion.delete_yes"),
                                                                      f"{CB}:del:yes")],
                                                                    [(svc.text("companion.delete_no"), f"{CB}:del:no")]]))
    return True


async def _delete_answer(update: Update, svc: Services, yes: bool) -> None:
    query = update.callback_query
    link = svc.store.accompanied_by(update.effective_chat.id)
    if link is None:
        return await query.answer(svc.text("common.expired"))
    await query.answer()
    if not yes:
        return await query.edit_message_text(svc.text("control.delete_kept"))
    name = _name_of(svc, link)
    companions.end(svc, link, svc.clock.now(), by_patient=False)
    await query.edit_message_text(svc.text("companion.deleted", name=name))


def register_link(application: Application) -> None:
    """Wire /start with a companion's link, ahead of the enrolment's /start."""
    application.add_handler(CommandHandler("start", on_link, filters=PRIVATE_MESSAGE & LINK))


def register(application: Application) -> None:
    """Wire /companion and its buttons."""
    application.add_handler(CommandHandler("companion", on_companion, filters=PRIVATE_MESSAGE))
    application.add_handler(CallbackQueryHandler(on_tap, pattern=rf"^{CB}:"))

"""A thread per patient: when the clinic chat is a forum (topics on), each patient gets a topic of their own.

Everything the bot posts to the clinic chat about one patient (the alert and its re-raises, a "no answer"
reminder, what the patient relays with /clinic, a photo, a rating) goes into that patient's topic
(``message_thread_id``), and a team member's message in the topic goes to the patient as a reply does
(bot/handlers/clinic.py). In a plain group nothing changes: no topic, the reply chains of before.

* The topic is named by the clinic reference of the invitation, or the patient number: never the Telegram
  name (the topic list is seen by everyone in the group). ``forum.topic_*`` in the catalog.
* Whether the clinic chat is a forum is asked once (getChat) and then kept per clinic chat; every update from
  the clinic chat refreshes it (``saw_clinic_chat``: Telegram marks a forum's chat ``is_forum``).
* The mapping is stored with the clinic chat's id (beside the patient number, migration 0019): a new clinic chat
  starts afresh.
* A topic staff deleted or closed answers "message thread not found", TOPIC_DELETED or TOPIC_CLOSED: the
  mapping is forgotten, a new topic is opened and the message sent again there, so nothing is lost.
* A topic that cannot be opened (the bot lacks "Manage topics": ``aftercare doctor`` says so) leaves the
  message in the General topic rather than losing it.
* Erasure (/delete, retention) queues ``drop_topic`` (bot/store/outbox.py): the topic is deleted, or, if
  Telegram refuses, renamed to the erased wording like the bot's other messages about the patient.

```mermaid
flowchart LR
  send[post about patient] --> forum{forum?} -->|no| plain[send as before]
  forum -->|yes| known{topic known?} -->|no| create[createForumTopic] --> post[send with message_thread_id]
  known -->|yes| post -->|thread not found / closed| forget[forget it] --> create
```
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, TypeVar

from telegram import Bot, Chat, Message
from telegram.error import BadRequest, Forbidden

from bot.logs import pseudonym
from bot.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

NAME_LIMIT = 128  # Telegram's longest topic name
# What Telegram answers for a topic that is no longer there to post in (lower case, as found in the description).
GONE = ("message thread not found", "topic_deleted", "topic_closed", "topic_id_invalid")


def topic_gone(error: BadRequest) -> bool:
    """Whether Telegram refused a message because its topic was deleted or closed."""
    return any(words in str(error).lower() for words in GONE)


def saw_clinic_chat(svc: Services, chat: Chat | None) -> None:
    """An update came from the clinic chat: remember whether it is a forum (topics may be turned on or off)."""
    if chat is not None and chat.id == svc.settings.clinic_chat_id and chat.type == Chat.SUPERGROUP:
        svc.forum[chat.id] = bool(chat.is_forum)


def thread_of(message: Message) -> int | None:
    """The forum topic a message is in (None outside one, and for a plain group's reply threads)."""
    return message.message_thread_id if message.is_topic_message else None


def patient_of_message(svc: Services, message: Message) -> int | None:
    """The patient whose topic a clinic chat message is in, or None."""
    thread = thread_of(message)
    return svc.store.patient_of_topic(message.chat.id, thread) if thread is not None else None


async def is_forum(bot: Bot, svc: Services) -> bool:
    """Whether the clinic chat has topics on (getChat once, then what the updates from it say)."""
    chat_id = svc.settings.clinic_chat_id
    if chat_id is None:
        return False
    if chat_id not in svc.forum:
        try:
            svc.forum[chat_id] = bool((await bot.get_chat(chat_id)).is_forum)
        except (BadRequest, Forbidden) as error:  # the send itself will say what is wrong; asked again next time
            log.warning("clinic chat: could not tell whether topics are on (%s)", type(error).__name__)
            return False
    return svc.forum[chat_id]


def topic_name(svc: Services, patient: int) -> str:
    """The topic's name: the clinic reference, or the patient number; never a Telegram name."""
    found = svc.store.patient(patient)
    number = svc.store.patient_number(patient)
    with svc.clinic_voice():
        if found is not None and found.clinic_ref:
            name = svc.text("forum.topic_ref", ref=found.clinic_ref, number=number)
        else:
            name = svc.text("forum.topic_number", number=number)
    return name[:NAME_LIMIT]


async def thread_for(bot: Bot, svc: Services, patient: int | None) -> int | None:
    """The patient's topic in the clinic chat (opened now if they have none), or None: not a forum, no patient,
    or a topic Telegram would not open (the message then goes to the General topic)."""
    chat_id = svc.settings.clinic_chat_id
    if patient is None or chat_id is None or not await is_forum(bot, svc):
        return None
    if svc.topic_lock is None:
        svc.topic_lock = asyncio.Lock()
    async with svc.topic_lock:  # a second post meanwhile waits, then finds the topic the first one opened
        return await _topic(bot, svc, chat_id, patient)


async def _topic(bot: Bot, svc: Services, chat_id: int, patient: int) -> int | None:
    thread = svc.store.topic_of(chat_id, patient)
    if thread is not None:
        return thread
    if svc.store.patient(patient) is None:  # erased meanwhile: no topic is opened for nobody
        return None
    try:
        topic = await bot.create_forum_topic(chat_id, topic_name(svc, patient))
    except (BadRequest, Forbidden) as error:  # no "Manage topics" right (aftercare doctor says so), or no forum
        log.error("clinic chat: no topic could be opened for chat %s (%s); posted in General",
                  pseudonym(patient), type(error).__name__)
        svc.forum.pop(chat_id, None)  # topics may have been turned off: asked again next time
        return None
    svc.store.remember_topic(chat_id, patient, topic.message_thread_id)
    log.info("clinic chat: chat %s has a topic of its own now (%s)", pseudonym(patient), topic.message_thread_id)
    return topic.message_thread_id


async def post(bot: Bot, svc: Services, patient: int | None, send: Callable[[int | None], Awaitable[T]]) -> T:
    """``send(thread)`` a message about ``patient`` to the clinic chat, in their topic when it is a forum; a topic
    deleted or closed by staff is replaced by a new one and the message sent again there."""
    thread = await thread_for(bot, svc, patient)
    try:
        return await send(thread)
    except BadRequest as error:
        if thread is None or not topic_gone(error):
            raise
    log.info("clinic chat: the topic of chat %s was deleted or closed; a new one is opened", pseudonym(patient))
    svc.store.forget_topic(svc.settings.clinic_chat_id, patient, thread)
    svc.forum.pop(svc.settings.clinic_chat_id, None)  # perhaps topics were turned off altogether
    return await send(await thread_for(bot, svc, patient))


async def drop(bot: Bot, svc: Services, clinic_chat_id: int, thread_id: int, erased_name: str) -> None:
    """An erased patient's topic: deleted with everything in it; if Telegram refuses, renamed to the erased
    wording (their messages in it are edited to it anyway). A topic already gone needs nothing."""
    try:
        await bot.delete_forum_topic(clinic_chat_id, thread_id)
        return
    except BadRequest as error:
        if topic_gone(error):
            return
        log.warning("clinic chat: an erased patient's topic was not deleted (%s); renamed", type(error).__name__)
    except Forbidden as error:
        log.warning("clinic chat: an erased patient's topic was not deleted (%s)", type(error).__name__)
        raise
    await bot.edit_forum_topic(clinic_chat_id, thread_id, name=erased_name[:NAME_LIMIT])

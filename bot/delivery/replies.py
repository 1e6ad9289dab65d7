"""A handler's replies: parked in the alert outbox by a long 429, and remembered as the question on screen.

``Parking``: Telegram may ask one chat to wait (429 ``retry_after``) for half
a minute. A handler never sleeps that long (it would hold the chat's queue and
a concurrency slot): the retry layer (bot/delivery/retrying.py) hands the reply to
``park``, which queues it in the alert outbox due when Telegram allows, and answers
the handler as if it had been sent, with minus the outbox row's id as the message id
(Telegram's ids are positive). What the handler records under that id (a relay, a
receipt) gets the real id when the row is sent (``Store.outbox_sent``), so a staff
reply to a parked relay still finds its patient. A parked message to the clinic chat
is about the patient whose update is being handled, so their erasure drops it (body
and all). Until then, that chat's later replies are parked behind it, so they keep
their order.

``Screen``: the id of the last message the bot sent into a chat while
handling that chat's own update. A typed message with a lower id was written
before that message appeared, so it cannot be an answer to the question now on
screen (a double-sent "no"): bot/handlers/intake.py drops it. And a message the
bot sent earlier (the /settings menu) is still the open thing only while it is
that last reply (bot/handlers/settings_menu.py).
"""

from __future__ import annotations

import contextvars
import json
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from bot.services import Services

PARKED = ("sendMessage", "editMessageText")
REMEMBERED = 10_000  # chats remembered (least recently used dropped first)
# The chat whose update is being handled (set by bot/handlers/intake.py for each update).
CURRENT_CHAT: contextvars.ContextVar[int | None] = contextvars.ContextVar("aftercare_current_chat", default=None)


def _chat_id(params: dict) -> int | None:
    try:
        return int(params.get("chat_id"))
    except (TypeError, ValueError):
        return None


def _json(value: Any) -> Any:
    """A request parameter as the Bot API's JSON value (PTB hands over objects already encoded as strings)."""
    return json.loads(value) if isinstance(value, str) else value


def _options(params: dict) -> dict | None:
    """What a parked message keeps besides its text and buttons: the entities (a relay's quote of the patient's
    words) and the message it replies to; None when it has neither."""
    options = {key: _json(params[key]) for key in ("entities", "reply_parameters") if params.get(key)}
    return options or None


class Parking:
    """Parks the replies of chats Telegram asked to wait; see the module docstring."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._until: OrderedDict[int, datetime] = OrderedDict()

    def waiting(self, method: str, params: dict) -> float | None:
        """Seconds this chat must still wait, if an earlier reply of it is parked."""
        chat_id = _chat_id(params)
        until = self._until.get(chat_id) if method in PARKED else None
        if until is None:
            return None
        left = (until - self.svc.clock.now()).total_seconds()
        if left <= 0:
            del self._until[chat_id]
            return None
        return left

    def park(self, method: str, params: dict, wait: float) -> Any:
        """Queue the call in the alert outbox due in ``wait`` seconds; the result to give the handler, or None when
        this call cannot wait (it is then passed on as the 429 it is)."""
        if method == "answerCallbackQuery":
            return True  # the tap's spinner stops by itself; the answer itself cannot come later
        chat_id = _chat_id(params)
        if method not in PARKED or chat_id is None or not isinstance(params.get("text"), str):
            return None
        now = self.svc.clock.now()
        due = max(now + timedelta(seconds=wait), self._until.get(chat_id, now))
        markup = params.get("reply_markup")
        # A relay to the clinic chat stays about its patient (whose update it is, or whose forum topic it goes to):
        # the dispatcher sends it into their topic then (bot/care/topics.py), and not at all once they are erased.
        thread = _chat_id({"chat_id": params.get("message_thread_id")})
        patient = chat_id if chat_id > 0 else \
            (self.svc.store.patient_of_topic(chat_id, thread) if thread else None) or CURRENT_CHAT.get()
        row_id = self.svc.store.enqueue(
            "reply", chat_id, now, due_at=due, about=patient if patient is not None and patient > 0 else None,
            body=params["text"], markup=_json(markup), options=_options(params),
            edit_message_id=_chat_id({"chat_id": params.get("message_id")}) if method == "editMessageText" else None)
        self._until[chat_id] = due
        self._until.move_to_end(chat_id)
        if len(self._until) > REMEMBERED:
            self._until.popitem(last=False)
        self.svc.wake()
        return {"message_id": -(row_id or 0), "date": int(now.timestamp()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "text": params["text"]}


class Screen:
    """The last message id the bot sent into each chat in answer to that chat; see the module docstring."""

    def __init__(self) -> None:
        self._shown: OrderedDict[int, int] = OrderedDict()

    def sent(self, method: str, params: dict, body: bytes) -> None:
        """Called with each successful Bot API answer of a handler."""
        chat_id = _chat_id(params)
        if method != "sendMessage" or chat_id is None or chat_id != CURRENT_CHAT.get():
            return
        try:
            message_id = int(json.loads(body)["result"]["message_id"])
        except (ValueError, KeyError, TypeError):
            return
        self._shown[chat_id] = max(message_id, self._shown.get(chat_id, 0))
        self._shown.move_to_end(chat_id)
        if len(self._shown) > REMEMBERED:
            self._shown.popitem(last=False)

    def written_before_last_reply(self, chat_id: int, message_id: int) -> bool:
        """Whether a message with ``message_id`` was sent before the bot's last reply in that chat appeared."""
        return message_id < self._shown.get(chat_id, 0)

    def is_last_reply(self, chat_id: int, message_id: int) -> bool:
        """Whether ``message_id`` is the bot's last reply in that chat (nothing was answered since)."""
        return self._shown.get(chat_id) == message_id

"""What a simulated Telegram delivers to the bot: the updates a patient, staff member or Telegram itself sends.

``SimulatedUpdates`` builds them as the Bot API's JSON (a message or command,
a staff reply in the clinic group, a photo, a tap on an inline button, a block
or unblock); ``FakeTelegram`` (``bot.tools.simulated_telegram``) mixes it in, so
the message ids it hands out never collide with those of the bot's own
messages and a tap or reply can quote what the chat shows. ``as_update`` turns
one into the python-telegram-bot ``Update`` that ``process_update`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from telegram import Update


@dataclass
class Sent:
    """One message as the chat shows it now (edits update it in place)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label, callback_data)
    keyboard: list[list[dict]] | None = None    # a reply keyboard, if one was attached
    kind: str = "text"                          # text, document or photo
    file_name: str | None = None
    file_bytes: bytes | None = None
    file_id: str | None = None                  # a file sent by its Telegram file id (no bytes uploaded)
    edits: int = 0
    reply_to: int | None = None                 # the message id this one replies to (reply_parameters)
    entities: list[dict] = field(default_factory=list)  # formatting as sent: entities (or caption_entities)
    parse_mode: str | None = None
    thread: int | None = None                   # the forum topic it is in (message_thread_id), if any

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def data_for(self, label_part: str) -> str:
        """The callback data of the first button whose label contains ``label_part``."""
        for row in self.buttons:
            for label, data in row:
                if label_part.lower() in label.lower():
                    return data
        raise KeyError(f"no button containing {label_part!r} in {self.labels}")



class SimulatedUpdates:
    """Update builders for ``FakeTelegram``: they number messages and updates from its counters, find messages in
    its chats (``chat``, ``last``), quote them as it does (``_message_json``), and name the bot as ``bot_user``."""

    bot_user: dict[str, Any]
    _ids: Iterator[int]
    _update_ids: Iterator[int]

    def _group_chat(self, chat_id: int) -> dict:
        """What a group's chat object says besides its id and type (a forum says ``is_forum``)."""
        return {"title": "A group"}

    def _user(self, user_id: int, first_name: str, username: str | None = None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        return {**user, "username": username} if username else user

    def message(self, chat_id: int, text: str | None = None, *, user_id: int | None = None,
                first_name: str = "Ana", chat_type: str = "private", username: str | None = None,
                **extra: Any) -> dict:
        """An update carrying a message the user sent (text, or extra fields like location)."""
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat.update(self._group_chat(chat_id))
        msg = {"message_id": next(self._ids), "date": 0, "chat": chat,
               "from": self._user(user_id or abs(chat_id), first_name, username), **extra}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        key = "channel_post" if chat_type == "channel" else "message"
        if chat_type == "channel":
            msg.pop("from")
        return {"update_id": next(self._update_ids), key: msg}

    def reply(self, chat_id: int, text: str, to: Sent, *, user_id: int = 7, first_name: str = "Sam",
              chat_type: str = "supergroup") -> dict:
        """An update for a reply to the bot's message ``to``: a staff member's in the group ``chat_id``, or (with
        ``chat_type="private"``) a patient's in their own chat."""
        update = self.message(chat_id, text, user_id=user_id if chat_type != "private" else None,
                              first_name=first_name, chat_type=chat_type)
        original = self._message_json(to)
        original["chat"] = update["message"]["chat"]
        update["message"]["reply_to_message"] = original
        if to.thread is not None:  # a reply inside a forum topic is in that topic too
            update["message"].update(message_thread_id=to.thread, is_topic_message=True)
        return update

    def topic_message(self, chat_id: int, thread: int, text: str | None, *, user_id: int = 7,
                      first_name: str = "Sam", is_bot: bool = False, **extra: Any) -> dict:
        """An update for a message a member writes in the forum topic ``thread`` (not a reply to anything): as
        Telegram sends it, it carries the topic's id and "replies" to the topic's first message (the
        forum_topic_created service message)."""
        update = self.message(chat_id, text, user_id=user_id, first_name=first_name, chat_type="supergroup",
                              **extra)
        message = update["message"]
        message.update(message_thread_id=thread, is_topic_message=True)
        message["from"]["is_bot"] = is_bot
        root = next((m for m in self.chat(chat_id) if m.message_id == thread and m.kind == "topic"), None)
        if root is not None:
            original = self._message_json(root)
            original["chat"] = message["chat"]
            message["reply_to_message"] = original
        return update

    def photo(self, chat_id: int, file_id: str, caption: str | None = None, **kwargs: Any) -> dict:
        """An update for a photo the user sent (Telegram keeps it; the update carries its file ids)."""
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-s", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 1280}]
        extra = {"photo": sizes, **({"caption": caption} if caption else {})}
        return self.message(chat_id, None, **extra, **kwargs)

    def callback(self, chat_id: int, data: str, *, message_id: int | None = None,
                 user_id: int | None = None, first_name: str = "Ana") -> dict:
        """An update for a tap on an inline button (defaults to the chat's last message)."""
        if message_id is None:
            message_id = self.last(chat_id).message_id if self.chat(chat_id) else 1
        sent = next((m for m in self.chat(chat_id) if m.message_id == message_id), None)
        message = self._message_json(sent) if sent else {
            "message_id": message_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "?"}
        return {"update_id": next(self._update_ids),
                "callback_query": {"id": str(next(self._ids)), "chat_instance": str(chat_id),
                                   "from": self._user(user_id or abs(chat_id), first_name),
                                   "message": message, "data": data}}

    def member_status(self, chat_id: int, status: str) -> dict:
        """A my_chat_member update: the user blocked (kicked) or unblocked (member) the bot."""
        user = self._user(abs(chat_id), "Ana")
        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": {"id": chat_id, "type": "private", "first_name": "Ana"}, "from": user, "date": 0,
            "old_chat_member": {"status": "member" if status == "kicked" else "kicked", "user": self.bot_user,
                                **({"until_date": 0} if status == "member" else {})},
            "new_chat_member": {"status": status, "user": self.bot_user,
                                **({"until_date": 0} if status == "kicked" else {})}}}


def as_update(data: dict, bot) -> Update:
    """Turn a FakeTelegram update dict into a python-telegram-bot Update for ``process_update``."""
    return Update.de_json(data, bot)

"""Forum topics in the fake Telegram (bot/tools/simulated_telegram.py): a group with topics on, as the Bot API shows it.

``createForumTopic`` opens a topic whose id is that of its first message (the ``forum_topic_created`` service
message, from the bot); a message sent with ``message_thread_id`` lands in that topic, or is refused as Telegram
refuses it ("message thread not found" for a deleted or unknown topic, TOPIC_CLOSED for a closed one);
``deleteForumTopic`` takes the topic's messages with it, ``editForumTopic`` renames it. Staff deleting or closing
a topic (``delete_topic``, ``close_topic``) reach the bot by no update, as in Telegram. A forum's chat object says
``is_forum``, and a message in a topic carries ``message_thread_id`` and ``is_topic_message``
(``SimulatedUpdates.topic_message`` builds a member's message in a topic).
"""

from __future__ import annotations

from typing import Any

from bot.tools.simulated_updates import Sent


class Refused(Exception):
    """A Bot API call Telegram answers 400 with this description (after "Bad Request: ")."""


class SimulatedForum:
    """The forum half of ``FakeTelegram``: topics by chat, and the checks Telegram makes on them."""

    groups: dict[int, dict[str, Any]]
    topics: dict[int, dict[int, dict[str, Any]]]
    messages: dict[int, list[Sent]]

    def _is_forum(self, chat_id: int | None) -> bool:
        return bool(self.groups.get(chat_id, {}).get("forum"))

    def _group_chat(self, chat_id: int) -> dict:
        group = self.groups.get(chat_id)
        return {"title": group["title"] if group else "A group", **({"is_forum": True} if self._is_forum(chat_id)
                                                                      else {})}

    def _manages_topics(self, chat_id: int | None) -> bool:
        group = self.groups.get(chat_id, {})
        return group.get("status") in ("administrator", "creator") and group.get("can_manage_topics", True)

    def _thread_refusal(self, params) -> str | None:
        """Why Telegram would refuse a message for its ``message_thread_id`` (None: it may be sent)."""
        thread = _int(params.get("message_thread_id"))
        if thread is None:
            return None
        topic = self.topics.get(_int(params.get("chat_id")), {}).get(thread)
        if topic is None or topic["deleted"]:
            return "message thread not found"
        return "TOPIC_CLOSED" if topic["closed"] else None

    def topic(self, chat_id: int, thread: int) -> dict[str, Any]:
        """A topic as the group shows it: its name, whether it is closed or deleted."""
        return self.topics[chat_id][thread]

    def open_topics(self, chat_id: int) -> dict[int, str]:
        """The topics of the group not deleted: thread id -> name."""
        return {thread: t["name"] for thread, t in self.topics.get(chat_id, {}).items() if not t["deleted"]}

    def in_topic(self, chat_id: int, thread: int) -> list[Sent]:
        """The messages of one topic, its first (the "topic created" line) included, as staff scroll through it."""
        return [m for m in self.chat(chat_id) if m.thread == thread]

    def delete_topic(self, chat_id: int, thread: int) -> None:
        """A staff member deletes the topic, and with it every message in it (no update reaches the bot)."""
        self.topics[chat_id][thread]["deleted"] = True
        self.messages[chat_id] = [m for m in self.chat(chat_id) if m.thread != thread]

    def close_topic(self, chat_id: int, thread: int) -> None:
        """A staff member closes the topic: nobody may post in it until it is reopened."""
        self.topics[chat_id][thread]["closed"] = True

    def _api_createForumTopic(self, params, files):
        chat_id = _int(params.get("chat_id"))
        if not self._is_forum(chat_id):
            raise Refused("the chat is not a forum")
        if not self._manages_topics(chat_id):
            raise Refused("not enough rights to create a topic")
        name = str(params.get("name", ""))
        if not 1 <= len(name) <= 128:
            raise Refused("TOPIC_NAME_INVALID")
        root = Sent(chat_id, next(self._ids), name, kind="topic")
        root.thread = root.message_id  # a topic's id is the id of its first message, "topic created"
        self.topics.setdefault(chat_id, {})[root.thread] = {"name": name, "closed": False, "deleted": False}
        self._store(root, "sent")
        return {"message_thread_id": root.thread, "name": name, "icon_color": 7322096}

    def _existing_topic(self, params) -> dict[str, Any]:
        chat_id, thread = _int(params.get("chat_id")), _int(params.get("message_thread_id"))
        if not self._manages_topics(chat_id):
            raise Refused("CHAT_ADMIN_REQUIRED")
        topic = self.topics.get(chat_id, {}).get(thread)
        if topic is None or topic["deleted"]:
            raise Refused("message thread not found")
        return topic

    def _api_deleteForumTopic(self, params, files):
        self._existing_topic(params)
        self.delete_topic(_int(params.get("chat_id")), _int(params.get("message_thread_id")))
        return True

    def _api_editForumTopic(self, params, files):
        topic = self._existing_topic(params)
        if params.get("name") is not None:
            topic["name"] = str(params["name"])
        return True

    def _api_closeForumTopic(self, params, files):
        self._existing_topic(params)["closed"] = True
        return True

    def _group(self, params) -> dict[str, Any] | None:
        return self.groups.get(_int(params.get("chat_id")), {"title": "A group", "forum": False, "status": "member",
                                                             "can_send": True, "exists": True})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

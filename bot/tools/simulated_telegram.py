"""An in-process Telegram Bot API double: the tests' (and the demo's) stand-in for Telegram.

``FakeTelegram`` keeps what a patient's phone would show (messages, edits,
buttons, files) and answers Bot API methods with the JSON Telegram would send;
the updates it delivers to the bot are built in ``bot.tools.simulated_updates``.
``FakeRequest`` plugs it into python-telegram-bot as a ``BaseRequest``, so the
real ``Application`` runs unmodified (aiogram's test transport works the same
way). Failures (429 RetryAfter, 403 Forbidden, 400, network errors) can be
scripted per method and chat; with ``limits`` (``bot.tools.flood_limits``) it
also answers 429 as Telegram does when messages come too fast, and with a
``latency`` the request waits that long per call, like a round trip (the benchmark).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.tools.flood_limits import FloodLimits
from bot.tools.simulated_forum import Refused, SimulatedForum
from bot.tools.simulated_updates import Sent, SimulatedUpdates

TEXT_LIMIT = 4096  # Telegram refuses a longer text (counted in UTF-16 code units)
CAPTION_LIMIT = 1024  # and a longer caption (the same count)
BOT_USER = {"id": 999000111, "is_bot": True, "first_name": "Aftercare", "username": "aftercare_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class _Failure:
    method: str
    chat_id: int | None
    kind: str
    value: int
    times: int


class _NotFound(Exception):
    """A Bot API call about a chat the bot cannot see."""


class FakeTelegram(SimulatedForum, SimulatedUpdates):
    """The state of a fake Telegram: chats, messages, recorded calls and scripted failures.

    The updates it delivers to the bot (``message``, ``callback``...) come from ``SimulatedUpdates``."""

    bot_user = BOT_USER

    def __init__(self, limits: FloodLimits | None = None, first_update_id: int = 1) -> None:
        self.limits = limits
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[int, list[Sent]] = {}
        self.commands: list[dict] = []
        self.menus: dict[str | None, dict] = {}  # language_code (None: the default) -> commands and descriptions
        self.callback_answers: list[dict] = []
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(first_update_id)  # Telegram never hands an update id out twice
        self.observer: Callable[[str, Sent], None] | None = None
        self.groups: dict[int, dict[str, Any]] = {}  # what getChat and getChatMember say about a group (set_group)
        self.topics: dict[int, dict[int, dict[str, Any]]] = {}  # forum topics by chat, then thread id (name, state)
        # Methods whose answers wait until the test opens the gate (``gates[method].set()``): two requests in flight
        self.gates: dict[str, asyncio.Event] = {}

    # ---- what the tests look at -------------------------------------------------
    def chat(self, chat_id: int) -> list[Sent]:
        return self.messages.get(chat_id, [])

    def last(self, chat_id: int) -> Sent:
        return self.chat(chat_id)[-1]

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.chat(chat_id)]

    def sent_count(self, method: str = "sendMessage") -> int:
        return sum(1 for m, _ in self.calls if m == method)

    # ---- scripted trouble ------------------------------------------------------
    def fail_next(self, method: str, kind: str, *, chat_id: int | None = None, value: int = 1,
                  times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail: kind is retry_after, forbidden,
        bad_request, network or timeout; ``value`` is the retry_after seconds."""
        self._failures.append(_Failure(method, chat_id, kind, value, times))

    def number_from(self, message_id: int) -> None:
        """Hand out message ids from ``message_id`` on, as a new group does (Telegram numbers each chat's
        messages on its own, so an id seen in one chat comes again in another)."""
        self._ids = itertools.count(message_id)

    def clear_failures(self) -> None:
        """Forget every scripted failure still waiting."""
        self._failures.clear()

    def _scripted_failure(self, method: str, params: dict) -> tuple[int, dict] | None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, _int(params.get("chat_id"))):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                if failure.kind == "network":
                    raise NetworkError("fake network failure")
                if failure.kind == "timeout":
                    raise TimedOut("fake timeout")
                if failure.kind == "retry_after":
                    return _too_many(failure.value)
                if failure.kind == "forbidden":
                    return 403, {"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"}
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: fake"}
        return None

    # ---- the Bot API -------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any], files: dict[str, Any] | None = None) -> tuple[int, dict]:
        """Answer one Bot API call as Telegram would."""
        self.calls.append((method, params))
        failure = self._scripted_failure(method, params)
        if failure:
            return failure
        if self.limits is not None and method == "sendMessage":
            if (retry_after := self.limits.refuse(_int(params.get("chat_id")))) is not None:
                return _too_many(retry_after)
        if method in {"sendMessage", "editMessageText"} and _utf16_len(str(params.get("text", ""))) > TEXT_LIMIT:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        if method in {"sendMessage", "sendPhoto", "sendDocument"} and (refused := self._thread_refusal(params)):
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {refused}"}
        if method in {"sendPhoto", "sendDocument", "editMessageCaption"} \
                and _utf16_len(str(params.get("caption", ""))) > CAPTION_LIMIT:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message caption is too long"}
        if method == "editMessageText" and (found := self._find(params)) is not None and found.kind == "photo":
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: there is no text in the message to edit"}
        handler = getattr(self, f"_api_{method}", None)
        try:
            result = handler(params, files or {}) if handler else True
        except _NotFound:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        except Refused as refusal:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"}
        return 200, {"ok": True, "result": result}

    def set_group(self, chat_id: int, *, title: str = "Clinic staff", forum: bool = False, bot_status: str = "member",
                  can_send: bool = True, exists: bool = True, can_manage_topics: bool = True) -> None:
        """How a group looks to getChat and getChatMember: topics on or off, the bot's status and whether
        members may post (and, as an admin, manage topics); ``exists=False`` answers "chat not found", as for a
        wrong id or a bot never added."""
        self.groups[chat_id] = {"title": title, "forum": forum, "status": bot_status, "can_send": can_send,
                                "exists": exists, "can_manage_topics": can_manage_topics}

    def _api_getChat(self, params, files):
        group = self._group(params)
        if not group["exists"]:
            raise _NotFound()
        chat_id = _int(params.get("chat_id"))
        return {"id": chat_id, "type": "supergroup", "title": group["title"], "is_forum": group["forum"],
                "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False},
                "permissions": {"can_send_messages": group["can_send"]}}

    def _api_getChatMember(self, params, files):
        group = self._group(params)
        if not group["exists"]:
            raise _NotFound()
        member = {"status": group["status"], "user": BOT_USER}
        if group["status"] == "administrator":
            member.update({key: True for key in (
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories", "can_manage_topics", "can_pin_messages")})
            member["can_manage_topics"] = group.get("can_manage_topics", True)
        elif group["status"] == "restricted":
            member.update({key: group["can_send"] for key in (
                "is_member", "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                "can_send_other_messages", "can_add_web_page_previews", "can_change_info", "can_invite_users",
                "can_pin_messages", "can_manage_topics", "can_edit_tag", "can_react_to_messages")}, until_date=0)
        return member

    def _api_getMe(self, params, files):
        return BOT_USER

    def _api_setMyCommands(self, params, files):
        code = params.get("language_code")
        self.menus.setdefault(code, {})["commands"] = params.get("commands", [])
        if not code:  # the default menu, for every user whose language has none of its own
            self.commands = params.get("commands", [])
        return True

    def _api_setMyDescription(self, params, files):
        self.menus.setdefault(params.get("language_code"), {})["description"] = params.get("description", "")
        return True

    def _api_setMyShortDescription(self, params, files):
        self.menus.setdefault(params.get("language_code"), {})["short_description"] = params.get(
            "short_description", "")
        return True

    def _api_getUpdates(self, params, files):
        return []

    def _message_json(self, sent: Sent) -> dict:
        chat = {"id": sent.chat_id, "type": "private"} if sent.chat_id > 0 else {  # negative ids are groups
            "id": sent.chat_id, "type": "supergroup" if str(sent.chat_id).startswith("-100") else "group",
            **self._group_chat(sent.chat_id)}
        data = {"message_id": sent.message_id, "date": 0, "chat": chat, "from": BOT_USER, "text": sent.text}
        if sent.thread is not None:  # in a forum topic
            data.update(message_thread_id=sent.thread, is_topic_message=True)
        if sent.kind == "topic":  # the topic's first message: a service message, no text
            del data["text"]
            data["forum_topic_created"] = {"name": sent.text, "icon_color": 7322096}
        if sent.kind == "photo":  # as Telegram shows a photo: its caption, no text (an edit must edit the caption)
            data.pop("text")
            data.update(caption=sent.text, photo=[{"file_id": f"f{sent.message_id}",
                                                   "file_unique_id": f"u{sent.message_id}", "width": 1, "height": 1}])
        if sent.buttons:
            data["reply_markup"] = {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row]
                                                        for row in sent.buttons]}
        return data

    def _store(self, sent: Sent, event: str) -> dict:
        if event == "sent":
            self.messages.setdefault(sent.chat_id, []).append(sent)
        if self.observer:
            self.observer(event, sent)
        return self._message_json(sent)

    def _api_sendMessage(self, params, files):
        buttons, keyboard = _markup(params.get("reply_markup"))
        sent = Sent(_int(params["chat_id"]), next(self._ids), str(params["text"]), buttons, keyboard,
                    reply_to=_reply_to(params), entities=_json_list(params.get("entities")),
                    parse_mode=params.get("parse_mode"), thread=self._thread(params))
        return self._store(sent, "sent")

    def _api_sendDocument(self, params, files):
        return self._send_file(params, files, "document")

    def _api_sendPhoto(self, params, files):
        return self._send_file(params, files, "photo")

    def _send_file(self, params, files, kind):
        upload = files.get(kind)
        name, content = (upload[0], upload[1]) if upload else (None, None)
        if content is not None and hasattr(content, "read"):
            content = content.read()
        by_id = params.get(kind) if upload is None and isinstance(params.get(kind), str) else None
        buttons, _ = _markup(params.get("reply_markup"))
        sent = Sent(_int(params["chat_id"]), next(self._ids), str(params.get("caption", "")), buttons, kind=kind,
                    file_name=name, file_bytes=content, file_id=by_id,
                    entities=_json_list(params.get("caption_entities")), parse_mode=params.get("parse_mode"),
                    reply_to=_reply_to(params), thread=self._thread(params))
        data = self._store(sent, "sent")
        data[kind] = ({"file_id": f"f{sent.message_id}", "file_unique_id": f"u{sent.message_id}"}
                      if kind == "document" else
                      [{"file_id": f"f{sent.message_id}", "file_unique_id": f"u{sent.message_id}",
                        "width": 1, "height": 1}])
        return data

    def _thread(self, params) -> int | None:
        """The forum topic a message goes into: its ``message_thread_id`` in a forum (elsewhere Telegram has none)."""
        thread = _int(params.get("message_thread_id"))
        return thread if thread is not None and self._is_forum(_int(params.get("chat_id"))) else None

    def _find(self, params) -> Sent | None:
        chat_id, message_id = _int(params.get("chat_id")), _int(params.get("message_id"))
        return next((m for m in self.chat(chat_id) if m.message_id == message_id), None)

    def _api_editMessageText(self, params, files):
        sent = self._find(params)
        if sent is None:
            return {"message_id": _int(params.get("message_id")), "date": 0,
                    "chat": {"id": _int(params.get("chat_id")), "type": "private"}, "text": params["text"]}
        sent.text = str(params["text"])
        sent.buttons, _ = _markup(params.get("reply_markup"))
        sent.edits += 1
        return self._store(sent, "edited")

    def _api_editMessageCaption(self, params, files):
        sent = self._find(params)
        if sent is None:
            return True
        sent.text = str(params.get("caption", ""))
        sent.buttons, _ = _markup(params.get("reply_markup"))
        sent.edits += 1
        return self._store(sent, "edited")

    def _api_editMessageReplyMarkup(self, params, files):
        sent = self._find(params)
        if sent is None:
            return True
        sent.buttons, _ = _markup(params.get("reply_markup"))
        sent.edits += 1
        return self._store(sent, "edited")

    def _api_answerCallbackQuery(self, params, files):
        self.callback_answers.append(params)
        return True


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _too_many(retry_after: int) -> tuple[int, dict]:
    return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                 "parameters": {"retry_after": retry_after}}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _markup(markup: Any) -> tuple[list[list[tuple[str, str]]], list[list[dict]] | None]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return [], None
    inline = [[(b["text"], b.get("callback_data", "")) for b in row] for row in markup.get("inline_keyboard", [])]
    return inline, markup.get("keyboard")


class FakeRequest(BaseRequest):
    """A python-telegram-bot request backend that talks to a FakeTelegram instead of the network."""

    def __init__(self, telegram: FakeTelegram, latency: float = 0.0) -> None:
        self.telegram, self.latency = telegram, latency

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        if self.latency:
            await asyncio.sleep(self.latency)  # the round trip (the benchmark; real time on purpose)
        if (gate := self.telegram.gates.get(api_method)) is not None:
            await gate.wait()
        status, body = self.telegram.handle(api_method, params, files)
        return status, json.dumps(body).encode()


def _json_list(value: Any) -> list:
    """A list parameter as python-telegram-bot sends it (a list, or its JSON)."""
    if isinstance(value, str):
        value = json.loads(value)
    return list(value) if isinstance(value, list) else []


def _reply_to(params: dict) -> int | None:
    """The message id a sendMessage replies to (python-telegram-bot sends reply_parameters as JSON)."""
    value = params.get("reply_parameters")
    if isinstance(value, str):
        value = json.loads(value)
    return _int(value.get("message_id")) if isinstance(value, dict) else None

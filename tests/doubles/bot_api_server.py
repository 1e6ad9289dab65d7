"""The fake Telegram over real HTTP: a local Bot API server for tests that run the bot as a process.

``FakeBotServer`` serves ``FakeTelegram`` (bot/tools/simulated_telegram.py) on 127.0.0.1 at an ephemeral port, in a
background thread, the way a local Bot API server would: ``POST``/``GET /bot<token>/<method>`` with a
JSON, form-urlencoded or multipart body, answered with Telegram's JSON. ``getUpdates`` long-polls: the
request is held until an update is queued with :meth:`FakeBotServer.push` (or its ``timeout``, capped
at ``max_hold`` seconds, runs out), and ``offset`` confirms and drops earlier updates. A path with a
wrong token gets Telegram's 401. Every call into ``FakeTelegram`` happens under one lock, so tests read
its state through the helpers here (:meth:`texts`, :meth:`chat`, :meth:`calls`, :meth:`wait_for`).

    with FakeBotServer(token) as server:
        env["TELEGRAM_API_URL"] = server.url          # http://127.0.0.1:PORT/bot
        ...
        server.push(server.message(1001, "/start"))
        server.wait_for(lambda tg: tg.chat(1001), timeout=20)
"""

from __future__ import annotations

import copy
import json
import select
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, TypeVar
from urllib.parse import parse_qsl, urlsplit

from telegram.error import NetworkError, TimedOut

from bot.tools.simulated_telegram import FakeTelegram, Sent

HOST = "127.0.0.1"  # never any other address: this server has no authentication worth the name
DEFAULT_TOKEN = "123456:FAKE-server-token_abcdefghijklmnopqrst"
T = TypeVar("T")

# Parameters whose form/multipart value is JSON (PTB JSON-encodes every non-string value it sends
# as a form field); any other value stays the string it was sent as, like Telegram's own parser.
JSON_FIELDS = frozenset({
    "commands", "reply_markup", "allowed_updates", "entities", "caption_entities", "scope",
    "link_preview_options", "reply_parameters", "media", "results", "options", "menu_button",
    "rights", "permissions", "reaction", "explanation_entities", "question_entities", "message_ids",
})
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class _Gate:
    """Holds matching requests until released (to catch a send in flight)."""

    def __init__(self, method: str, chat_id: int | None, max_hold: float) -> None:
        self.method, self.chat_id, self.max_hold = method, chat_id, max_hold
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.client_waited: bool | None = None  # after release: was the client still connected?


class FakeBotServer:
    """A thread-safe HTTP Bot API double on 127.0.0.1 over one :class:`FakeTelegram`."""

    def __init__(self, token: str = DEFAULT_TOKEN, telegram: FakeTelegram | None = None,
                 max_hold: float = 2.0, port: int = 0) -> None:
        self.token, self._port = token, port  # port 0: any free port
        self.telegram = telegram or FakeTelegram()
        self.max_hold = max_hold        # the longest a getUpdates is held, whatever its timeout says
        self._cond = threading.Condition()
        self._updates: list[dict] = []  # pushed, not yet confirmed by an offset
        self._gates: list[_Gate] = []
        self._closing = False
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle -------------------------------------------------------------------------------
    def start(self) -> FakeBotServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer((HOST, self._port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        with self._cond:
            self._closing = True
            for gate in self._gates:
                gate.released.set()
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeBotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "the server is not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The Bot API base URL (TELEGRAM_API_URL): the token is appended to it."""
        return f"http://{HOST}:{self.port}/bot"

    # ---- what the patient does ----------------------------------------------------------------------
    def push(self, update: dict) -> None:
        """Queue an update for the next (or the waiting) getUpdates."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def message(self, chat_id: int, text: str | None = None, **kwargs: Any) -> dict:
        """A message update (see FakeTelegram.message), built under the lock."""
        with self._cond:
            return self.telegram.message(chat_id, text, **kwargs)

    def send(self, chat_id: int, text: str, **kwargs: Any) -> None:
        """The patient types ``text``."""
        self.push(self.message(chat_id, text, **kwargs))

    def tap(self, chat_id: int, label: str, **kwargs: Any) -> str:
        """The patient taps the button labelled ``label`` on the newest message with buttons; returns its data."""
        with self._cond:
            sent = next((m for m in reversed(self.telegram.chat(chat_id)) if m.buttons), None)
            if sent is None:
                raise KeyError(f"no message with buttons in chat {chat_id}")
            data = sent.data_for(label)
            update = self.telegram.callback(chat_id, data, message_id=sent.message_id, **kwargs)
        self.push(update)
        return data

    # ---- what the tests look at ---------------------------------------------------------------------
    def wait_for(self, condition: Callable[[FakeTelegram], T], timeout: float = 20.0) -> T:
        """Wait until ``condition(telegram)`` is truthy (checked under the lock after every call and
        update); return its value, or raise TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = condition(self.telegram)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self._cond.wait(min(remaining, 0.05))

    def chat(self, chat_id: int) -> list[Sent]:
        with self._cond:
            return copy.deepcopy(self.telegram.chat(chat_id))

    def texts(self, chat_id: int) -> list[str]:
        with self._cond:
            return self.telegram.texts(chat_id)

    def calls(self, method: str | None = None) -> list[tuple[str, dict]]:
        with self._cond:
            return [(m, dict(p)) for m, p in self.telegram.calls if method is None or m == method]

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def hold_next(self, method: str, chat_id: int | None = None, max_hold: float = 10.0) -> _Gate:
        """Hold the next ``method`` request (to ``chat_id``, if given) before it is answered, until
        ``gate.released`` is set (or ``max_hold`` s pass); ``gate.arrived`` is set when it comes in."""
        gate = _Gate(method, chat_id, max_hold)
        with self._cond:
            self._gates.append(gate)
        return gate

    # ---- serving ------------------------------------------------------------------------------------
    def _gate_for(self, method: str, params: dict[str, Any]) -> _Gate | None:
        with self._cond:
            gate = next((g for g in self._gates if g.method == method
                         and g.chat_id in (None, _int(params.get("chat_id"), None))), None)
            if gate is not None:
                self._gates.remove(gate)
            return gate

    def answer(self, token: str, method: str, params: dict[str, Any], files: dict[str, Any],
               connected: Callable[[], bool] = lambda: True) -> tuple[int, dict]:
        """One Bot API call over HTTP; NetworkError/TimedOut (scripted failures) propagate to the handler."""
        if token != self.token:
            return 401, UNAUTHORIZED
        if not method:
            return 404, NOT_FOUND
        gate = self._gate_for(method, params)
        if gate is not None:
            gate.arrived.set()
            gate.released.wait(gate.max_hold)
            gate.client_waited = connected()
        with self._cond:
            try:
                status, body = self.telegram.handle(method, params, files)
            finally:
                self._cond.notify_all()
        if method == "getUpdates" and status == 200:
            body = {"ok": True, "result": self._poll(params)}
        return status, body

    def _poll(self, params: dict[str, Any]) -> list[dict]:
        offset = _int(params.get("offset"), 0) or 0
        limit = min(max(_int(params.get("limit"), 100) or 100, 1), 100)
        hold = min(max(_float(params.get("timeout"), 0.0), 0.0), self.max_hold)
        deadline = time.monotonic() + hold
        with self._cond:
            if offset > 0:      # confirms every update before it
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:    # the last -offset updates; earlier ones are forgotten
                self._updates = self._updates[offset:]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return copy.deepcopy(self._updates[:limit])


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeBotServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the URL holds the token
        return

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        segments = parts.path.strip("/").split("/")
        if len(segments) != 2 or not segments[0].startswith("bot"):
            self._reply(404, NOT_FOUND)
            return
        token, method = segments[0][len("bot"):], segments[1]
        try:
            params, files = _parse(self.headers.get("Content-Type", ""), body)
            params.update({k: _field(k, v) for k, v in parse_qsl(parts.query)})
        except ValueError as exc:
            self._reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        try:
            status, answer = self.server_state.answer(token, method, params, files, self._connected)
        except (NetworkError, TimedOut):
            self.close_connection = True  # a scripted network failure: drop the connection unanswered
            return
        self._reply(status, answer)

    def _connected(self) -> bool:
        """Is the client still waiting on this connection? (It sends nothing more while it waits, so a
        readable socket means it was closed.)"""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return not readable or self.connection.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def _reply(self, status: int, answer: dict) -> None:
        data = json.dumps(answer, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a cancelled long poll)
            self.close_connection = True


def _field(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameters and uploaded files of a request body (JSON, form-urlencoded or multipart)."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        return data, {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
        if not message.is_multipart():
            raise ValueError("malformed multipart body")
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload, part.get_content_type())
            else:
                params[name] = _field(name, payload.decode(part.get_content_charset() or "utf-8"))
        return params, files
    # application/x-www-form-urlencoded (what python-telegram-bot's HTTPXRequest sends without files)
    return {k: _field(k, v) for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True)}, {}


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default

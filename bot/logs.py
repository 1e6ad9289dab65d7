"""Logging for a service: one JSON object per line, fixed event names, ids only, never a token.

Log an event with :func:`log_event` (``log_event(log, SENT, chat_id=..., delivery_ids=[...])``): the
fields must be ids, counts and codes; a string field that is not a short code is replaced by
``"<redacted>"``, so a patient's words cannot reach the log by accident. Every line, JSON or text,
passes through :func:`redact` (anything shaped like a bot token becomes ``<token>``, and the secrets
registered at start-up, the token and the data key among them, become ``<secret>``) as defence in
depth, because httpx, PTB or an exception message may carry a Bot API URL. Uncaught exceptions of any
thread are printed through the same redaction (:func:`install_excepthooks`).

Logs outlive erasure, so they never name a patient by their Telegram id: ``chat_id=`` and ``user_id=``
fields are written as ``chat=``/``user=`` pseudonyms (:func:`pseudonym`, a keyed hash; the key is
derived from the data key, so the same patient has the same reference across restarts, and without
the data key a reference cannot be tied back to an id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import sys
import threading
import traceback
from urllib.parse import quote
from datetime import datetime, timezone
from typing import Any, Mapping, TextIO

from bot.config import ConfigError


# ---- event names (the "event" field) ------------------------------------------------------------
SENT = "sent"                    # a delivery left: chat_id, delivery_ids, message_id
SKIPPED = "skipped"              # a delivery dropped by policy: chat_id, delivery_id, reason (below)
BLOCKED = "blocked"              # Telegram answered Forbidden: the patient blocked the bot; chat_id
THROTTLED = "throttled"          # Telegram answered 429: chat_id, retry_after (seconds)
NETWORK_RETRY = "network_retry"  # a send failed on the network and will be retried: chat_id, attempt
FAILED = "failed"                # a delivery failed for good: chat_id, delivery_ids, error (exception class)
TRIAGE = "triage"                # a check-in was judged: chat_id, level (below), rules_version
ERASED = "erased"                # a patient's data was erased: chat_id, reason (request / retention)
STARTING = "starting"            # the process starts: mode (polling / webhook)
RUNNING = "running"              # Telegram accepted the token: the bot's @name, clinic, patient link, readiness (msg)
NOT_READY = "not_ready"          # at start-up: a go-live warning (bot/readiness.py) in the msg field
STOPPED = "stopped"              # the application stopped and the database is closed
WATCHDOG_EXIT = "watchdog_exit"  # the dispatcher looked stuck; the bot stops so its supervisor restarts it
LOG = "log"                      # a library's own record (python-telegram-bot, APScheduler): msg field

# ---- reason codes (the "reason" field of SKIPPED and ERASED) ---------------------------------------
SKIPPED_LATE = "skipped_late"    # found too late to be worth sending (the planner's lateness policy)
REASON_MUTED = "muted"           # the patient paused or stopped this kind of message
REASON_UNREACHABLE = "unreachable"
REASON_REQUEST = "request"       # /delete
REASON_RETENTION = "retention"   # the clinic profile's retention period ended

# The "triage_level" field of TRIAGE is one of messages.triage.LEVELS (normal ... emergency).

TOKEN_PATTERN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
_CODE = re.compile(r"[A-Za-z0-9_.:/+-]{0,64}")
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "event", "fields"}
QUIET_ERRORS = frozenset({"InvalidToken", "NetworkError", "TimedOut"})  # logged by PTB without traceback
UNDECODED = "Received data was"  # PTB's webhook handler, before it logs an undecodable update's body
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")  # httpx logs each request URL, token included, at INFO


_SECRETS: list[str] = []  # longest first, so a token is replaced whole before its secret part
_PSEUDONYM_KEY = [os.urandom(32)]  # replaced by a key derived from the data key at start-up
PSEUDONYMOUS_FIELDS = {"chat_id": "chat", "user_id": "user"}


def register_secrets(*values: str | None) -> None:
    """Never print these (the bot token and its secret part, the data key, the webhook secret)."""
    for value in values:
        if not value or len(value) < 8:
            continue
        forms = {value, quote(value, safe=""), *(value.split(":", 1)[1:] if ":" in value else [])}
        _SECRETS.extend(form for form in forms if len(form) >= 8 and form not in _SECRETS)
    _SECRETS.sort(key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with anything shaped like a bot token replaced by ``<token>`` and every registered secret
    by ``<secret>``."""
    text = TOKEN_PATTERN.sub("<token>", text)
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "<secret>")
    return text


def use_pseudonym_key(data_key: str) -> None:
    """Derive the log pseudonyms' key from the data key (a separate key: the data key itself is never used)."""
    _PSEUDONYM_KEY[0] = hmac.new(data_key.encode("utf-8"), b"aftercare log pseudonyms", hashlib.sha256).digest()


def pseudonym(chat_or_user_id: int | None) -> str | None:
    """The reference the logs use for a Telegram chat or user id: ``p-`` and 12 hex digits of a keyed hash."""
    if chat_or_user_id is None or isinstance(chat_or_user_id, bool) or not isinstance(chat_or_user_id, int):
        return None if chat_or_user_id is None else "<redacted>"
    digest = hmac.new(_PSEUDONYM_KEY[0], str(int(chat_or_user_id)).encode("ascii"), hashlib.sha256).hexdigest()
    return "p-" + digest[:12]


def install_excepthooks(stream: TextIO | None = None) -> None:
    """Print uncaught exceptions (main thread and others) through :func:`redact`, never raw."""
    def write(kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        (stream or sys.stderr).write(redact(text))

    sys.excepthook = write
    threading.excepthook = lambda args: write(args.exc_type, args.exc_value, args.exc_traceback)


def _safe(value: Any) -> Any:
    """Keep ids, counts, codes and lists of them; anything else becomes ``"<redacted>"``."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value) if _CODE.fullmatch(value) else "<redacted>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return "<redacted>"


def log_event(logger: logging.Logger, event: str, severity: int = logging.INFO, **fields: Any) -> None:
    """Log one event with id/code fields (``chat_id=``, ``reason=``, ``retry_after=`` ...)."""
    clean = {PSEUDONYMOUS_FIELDS.get(key, key): pseudonym(value) if key in PSEUDONYMOUS_FIELDS else _safe(value)
             for key, value in fields.items() if key not in _RESERVED}
    text = " ".join([event, *(f"{key}={value}" for key, value in clean.items())])
    logger.log(severity, "%s", text, extra={"event": event, "fields": clean})


class RedactTokenFilter(logging.Filter):
    """Rewrites every record's message with tokens redacted (installed on our handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record must not take logging down
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        kind = record.exc_info[0] if record.exc_info else None
        if record.name.startswith("telegram") and UNDECODED in message:
            # PTB's webhook logs the whole body of an update it cannot decode (a patient's words and ids), and
            # a traceback whose message may quote it: one line with the error class instead.
            record.msg = f"an update from Telegram could not be decoded and was not processed (its body is not" \
                         f" logged){f' ({kind.__name__})' if kind else ''}"
            record.exc_info, record.exc_text = None, None
            return True
        if kind is not None and record.name.startswith("telegram") and kind.__name__ in QUIET_ERRORS:
            # PTB logs a rejected token or an unreachable API with a traceback, then raises it to bot.serve,
            # which prints one clear line: the traceback adds nothing (and quotes the token, redacted or not).
            record.exc_info, record.exc_text = None, None
            record.msg = f"{record.msg} ({kind.__name__})"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the event's fields (or msg)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", LOG),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):  # an event's field never hides the record's own ts, level, logger or event
            entry.update({key: value for key, value in fields.items() if key not in entry})
        else:
            entry["msg"] = record.getMessage()
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["traceback"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """The human format, for a terminal; redacted like the JSON one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def json_wanted(environ: Mapping[str, str], stream: TextIO | None = None) -> bool:
    """AFTERCARE_LOG_FORMAT=json|text decides; unset means JSON unless the log goes to a terminal."""
    choice = environ.get("AFTERCARE_LOG_FORMAT", "").strip().lower()
    if choice in ("json", "text"):
        return choice == "json"
    if choice:
        raise ConfigError("AFTERCARE_LOG_FORMAT must be json or text")
    stream = stream or sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(json_mode: bool, level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Install our one handler on the root logger (replacing any previous one of ours); returns it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_aftercare", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_mode else TextFormatter())
    handler.addFilter(RedactTokenFilter())
    handler._aftercare = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler

"""Logs: one JSON object per line, fixed event names with ids only, and never a bot token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.config import ConfigError
from bot.logs import (SENT, SKIPPED, SKIPPED_LATE, THROTTLED, TRIAGE, configure_logging, json_wanted, log_event,
                      redact)
from tests.conftest import TOKEN


@pytest.fixture
def captured():
    """Our handler on the root logger, writing to a buffer; the previous logging state is restored after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    buffer = io.StringIO()
    handler = configure_logging(True, stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    assert root.handlers == handlers
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_events_are_json_lines_with_ids(captured):
    """Each event is one JSON object with ts, level, logger, event and its id fields."""
    log = logging.getLogger("bot.delivery.dispatch")
    log_event(log, SENT, chat_id=1001, delivery_ids=[4, 5], message_id=77)
    log_event(log, SKIPPED, chat_id=1001, delivery_id=6, reason=SKIPPED_LATE)
    log_event(log, THROTTLED, logging.WARNING, chat_id=1001, retry_after=35)
    log_event(log, TRIAGE, chat_id=1001, triage_level="contact_provider")
    records = lines(captured)
    assert [r["event"] for r in records] == ["sent", "skipped", "throttled", "triage"]
    assert records[0]["delivery_ids"] == [4, 5] and records[0]["logger"] == "bot.delivery.dispatch"
    assert records[1]["reason"] == "skipped_late" and records[2]["retry_after"] == 35
    assert records[2]["level"] == "WARNING" and records[0]["ts"].endswith("+00:00")
    assert records[3]["level"] == "INFO" and records[3]["triage_level"] == "contact_provider"


def test_an_event_field_never_hides_the_records_own_level(captured):
    """A field named like a core key (level, logger) does not overwrite it: log shippers filter on level."""
    log_event(logging.getLogger("bot.care.verdicts"), TRIAGE, logging.WARNING, chat_id=1001, level="monitor")
    (record,) = lines(captured)
    assert record["level"] == "WARNING" and record["logger"] == "bot.care.verdicts"


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks(captured):
    """A token in a message, its arguments or an exception never reaches the output."""
    log = logging.getLogger("telegram.ext.Updater")
    log.info("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    log.warning(f"inline {TOKEN} in the message")
    try:
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    out = captured.getvalue()
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
    records = lines(captured)
    assert len(records) == 3 and "<token>" in records[0]["msg"] and records[2]["error"] == "RuntimeError"


def test_patient_text_in_an_event_field_is_redacted(captured):
    """A free-text value passed as an event field is replaced, so patient words cannot be logged by mistake."""
    log_event(logging.getLogger("bot"), SENT, chat_id=1, note="my cheek is very swollen and hot")
    record = lines(captured)[0]
    assert record["note"] == "<redacted>" and "swollen" not in captured.getvalue()


def test_http_client_request_logging_is_turned_down(captured):
    """httpx would log each request URL (token included) at INFO; it is at WARNING."""
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    assert captured.getvalue() == ""
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


def test_text_format_is_redacted_too():
    """The terminal format goes through the same redaction."""
    root = logging.getLogger()
    level, buffer = root.level, io.StringIO()
    handler = configure_logging(False, stream=buffer)
    try:
        logging.getLogger("bot").info("token %s", TOKEN)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert "<token>" in buffer.getvalue() and TOKEN not in buffer.getvalue()
    assert redact("12345678:" + "a" * 29) == "12345678:" + "a" * 29  # too short to be a token


@pytest.mark.parametrize("value, tty, expected", [
    ("json", True, True), ("text", False, False), ("", False, True), ("", True, False), (" JSON ", True, True),
])
def test_log_format_choice(value, tty, expected):
    """AFTERCARE_LOG_FORMAT decides; unset, JSON unless logging to a terminal."""
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    assert json_wanted({"AFTERCARE_LOG_FORMAT": value}, stream) is expected


def test_a_bad_log_format_names_the_variable():
    """An unknown format stops start-up naming AFTERCARE_LOG_FORMAT."""
    with pytest.raises(ConfigError, match="AFTERCARE_LOG_FORMAT"):
        json_wanted({"AFTERCARE_LOG_FORMAT": "xml"})


async def test_a_quiet_dispatcher_run_logs_nothing_at_info(captured, bot):
    """The dispatcher wakes at least every minute: with nothing due, a run writes nothing to the bot's log (its
    summary is a developer's line, at debug level)."""
    from tests.conftest import START
    report = await bot.run(START)
    assert report.claimed == 0
    assert [r for r in lines(captured) if r["logger"].startswith("bot.delivery")] == []

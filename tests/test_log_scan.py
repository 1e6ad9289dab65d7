"""Logs name patients only by the keyed pseudonym: a scan of everything logged during whole sessions.

The three demo scripts (demo/walkthrough.txt, demo/typed.txt, demo/clinic.txt) run the real Application over
the simulated Telegram: enrolment, reminders, check-ins, typed signs, alerts, staff replies, pauses, /mydata and
/delete. The log handler is the one the bot installs (``configure_logging``, JSON lines, our own loggers at
DEBUG); nothing it writes may carry a raw Telegram id, the patient's name, or a word the patient typed.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from bot.logs import configure_logging
from bot.tools.demo import run_demo
from bot.tools.demo_phone import CLINIC_CHAT, PATIENT_CHAT, PATIENT_NAME, STAFF_NAME
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ("walkthrough", "typed", "clinic")
OURS = ("bot", "messages", "schedules")


def typed_words(lines: list[str]) -> set[str]:
    """What the patient or staff typed in a script: its message lines, a photo's caption, each quick message."""
    said: set[str] = set()
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("/") or line.isdigit():
            continue
        if line.startswith(":"):
            command, _, rest = line.partition(" ")
            if command not in (":photo", ":quick", ":staff", ":reply", ":note", ":edit"):
                continue
            line = rest
        said |= {part.strip() for part in line.split("|") if len(part.strip()) >= 12}
    return said


@pytest.fixture
def session_log(tmp_path):
    stream = io.StringIO()
    handler = configure_logging(True, stream=stream)
    levels = {name: logging.getLogger(name).level for name in OURS}
    for name in OURS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    logging.getLogger().removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("script", SCRIPTS)
async def test_a_whole_session_logs_no_raw_id_no_name_and_no_patient_words(script, session_log, tmp_path):
    lines = (ROOT / "demo" / f"{script}.txt").read_text(encoding="utf-8").splitlines()
    code = await run_demo(lines, io.StringIO(), None, tmp_path / "files", START)
    logged = session_log.getvalue()
    assert code == 0 and len(logged.splitlines()) >= 10  # the session did run, and it logged
    ids = {PATIENT_CHAT, CLINIC_CHAT}
    raw = [line for line in logged.splitlines()
           if any(re.search(rf"(?<![\w.:-]){re.escape(str(i))}(?![\w.:])", line) for i in ids)]
    assert raw == []
    assert '"chat": "p-' in logged  # the pseudonym stands where the id would
    assert PATIENT_NAME not in logged and STAFF_NAME not in logged
    words = typed_words(lines)
    assert words  # the scan has something to look for
    assert [w for w in words if w.lower() in logged.lower()] == []


_PERSONAL = {"chat_id", "user_id", "staff_id"}
_PERSONAL_OWNERS = {"chat", "user", "from_user", "effective_chat", "effective_user", "sender_chat"}


def _raw_ids(node) -> list[str]:
    """Arguments of a log call that are a Telegram chat or user id, not passed through ``pseudonym``."""
    import ast

    found = []
    for arg in node.args[1:]:
        if isinstance(arg, ast.Name) and arg.id in _PERSONAL:
            found.append(arg.id)
        elif isinstance(arg, ast.Attribute) and (arg.attr in _PERSONAL or (
                arg.attr == "id" and isinstance(arg.value, (ast.Name, ast.Attribute))
                and getattr(arg.value, "id", getattr(arg.value, "attr", None)) in _PERSONAL_OWNERS)):
            found.append(ast.unparse(arg))
    return found


def test_no_log_call_in_the_code_passes_a_raw_chat_or_user_id():
    """Every ``log.<level>(...)`` in bot/ that names a chat or user passes it through ``pseudonym`` (the paths a
    demo session does not walk: a pause ending, a rating, the midday choice, ...)."""
    import ast

    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"debug", "info", "warning", "error", "exception", "critical"}
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in {"log", "logger"}):
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in _raw_ids(node)]
    assert offenders == []

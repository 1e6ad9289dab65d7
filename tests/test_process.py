"""The bot as a real process (`python -m bot`) against the fake Bot API served over local HTTP.

Every wait is bounded by a deadline on a condition (the fake's state, or the process ending); the
real clock is unavoidable here, so nothing asserts on wall-clock times.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.crypto import write_key_file
from tests.doubles.bot_api_server import FakeBotServer
from tests.texts import said, shows

pytestmark = pytest.mark.process  # every test here starts a process or a server

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "987654:PROCESS-token-never-logged_ZYXWVUTSRQPONM"
CHAT = 1001
NAME = "Zebulonia"                   # a first name that must never reach the log
SECRET = "my secret phrase xyzzy"    # typed text that must never reach the log
STARTUP = 20.0                       # seconds: deadline for start-up
ANSWER = 10.0                        # seconds: deadline for each answer
EXIT = 10.0                          # seconds: deadline for a process to end after SIGTERM


class BotProcess:
    """One `python -m bot` with its output captured to a file (never a pipe that could fill up)."""

    def __init__(self, folder: Path, env: dict[str, str], name: str = "bot") -> None:
        self.log_path = folder / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=folder,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def terminate(self, timeout: float = EXIT) -> int:
        """SIGTERM, then the exit code (TimeoutExpired if it does not end in time)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = EXIT) -> int:
        code = self.proc.wait(timeout)
        self._log.close()
        return code

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(EXIT)
        self._log.close()


@pytest.fixture
def server():
    with FakeBotServer(TOKEN) as fake:
        yield fake


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    write_key_file(tmp_path / "data.key")  # outside the data folder, as the bot requires
    return tmp_path


def bot_env(folder: Path, server: FakeBotServer, **overrides: str) -> dict[str, str]:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url,
           "AFTERCARE_DATA_DIR": str(folder / "data"), "AFTERCARE_DATA_KEY_FILE": str(folder / "data.key"),
           "PATH": os.environ.get("PATH", ""), "PTB_TIMEDELTA": "true", "AFTERCARE_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT)}  # the checkout, not an installed copy
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


@pytest.fixture
def processes():
    """Every process a test starts; any still running at the end is killed."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()


def start(processes, folder: Path, server: FakeBotServer, **overrides: str) -> BotProcess:
    process = BotProcess(folder, bot_env(folder, server, **overrides))
    processes.append(process)
    return process


def polling(server: FakeBotServer, process: BotProcess, after: int = 0) -> None:
    """Wait until the process long-polls (a getUpdates with a timeout, beyond the first ``after`` calls)."""
    def long_polls(tg):
        if process.proc.poll() is not None:
            raise AssertionError(f"the bot exited {process.proc.returncode}:\n{process.output()}")
        calls = [p for m, p in tg.calls if m == "getUpdates"][after:]
        return any(int(p.get("timeout", 0)) > 0 for p in calls)
    server.wait_for(long_polls, STARTUP)


def snapshot(server: FakeBotServer, chat_id: int = CHAT) -> dict[int, int]:
    """Each message id in the chat with its edit count, to tell what changes next."""
    return {m.message_id: m.edits for m in server.chat(chat_id)}


def answered(server: FakeBotServer, before: dict[int, int], text: str | None = None, chat_id: int = CHAT):
    """Wait for a message sent or edited since ``before`` (containing ``text``, case-insensitively, if
    given); returns the newest such message."""
    def arrived(tg):
        changed = [m for m in tg.chat(chat_id) if before.get(m.message_id) != m.edits]
        return next((m for m in reversed(changed) if text is None or text.lower() in m.text.lower()), None)
    try:
        return server.wait_for(arrived, ANSWER)
    except TimeoutError:
        raise AssertionError(f"no answer containing {text!r}; the chat shows {server.texts(chat_id)}") from None


def say(server: FakeBotServer, text: str, expect: str | None = None):
    before = snapshot(server)
    server.send(CHAT, text, first_name=NAME)
    return answered(server, before, expect)


def tap(server: FakeBotServer, label: str, expect: str | None = None):
    before = snapshot(server)
    server.tap(CHAT, label, first_name=NAME)
    return answered(server, before, expect)


def enrol(server: FakeBotServer, typed_zone: str | None = None) -> str:
    """Walk the enrolment with the buttons the bot sent (first typing ``typed_zone`` as the time zone,
    which the bot refuses and quotes back); returns the summary."""
    assert shows(say(server, "/start").text, "enrol.welcome")
    tap(server, "I agree", "Which time zone")
    if typed_zone is not None:
        assert typed_zone in say(server, typed_zone, "I don't know the time zone").text
    say(server, "Use Europe/London", "When was (or will be)")
    tap(server, "Today", "Reminders come in")
    tap(server, "Use 08:00", "Do you have a weakened immune system")
    tap(server, "No", "Have you ever had cold sores")
    tap(server, "No", "which skin type")
    return tap(server, "Skip", "You're all set").text


def stopped(server: FakeBotServer, since: int) -> None:
    """Wait until the Updater's last getUpdates (timeout 0: it confirms the offset on the way out)."""
    server.wait_for(lambda tg: any(int(p.get("timeout", -1)) == 0
                                   for m, p in tg.calls[since:] if m == "getUpdates"), EXIT)


def test_starts_registers_commands_and_long_polls(server, folder, processes):
    """With a token and a local Bot API URL the bot starts, registers its commands and long-polls."""
    bot = start(processes, folder, server)
    polling(server, bot)
    names = {c["command"] for c in server.wait_for(lambda tg: tg.commands, STARTUP)}
    assert {"start", "help", "settings", "checkin", "stop", "privacy", "delete"} <= names
    assert server.calls("getMe")
    assert bot.terminate() == 0


def test_long_polling_asks_only_for_the_update_types_the_bot_handles(server, folder, processes):
    """Every getUpdates of the running bot lists in allowed_updates only the types its handlers read (messages,
    edits, button taps, being blocked), never Telegram's every type."""
    bot = start(processes, folder, server)
    polling(server, bot)
    asked = [params.get("allowed_updates") for _, params in server.calls("getUpdates")]
    assert asked and all(set(types or ()) == {"message", "edited_message", "callback_query", "my_chat_member"}
                         for types in asked), asked
    assert bot.terminate() == 0


def test_enrolment_completes_and_sigterm_closes_the_database(server, folder, processes):
    """A patient enrols over the wire; SIGTERM then ends the process with 0 and a closed, private database."""
    bot = start(processes, folder, server)
    polling(server, bot)
    assert "You're all set" in enrol(server)
    assert bot.terminate() == 0
    database = folder / "data" / "aftercare.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    wal = database.with_name("aftercare.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the last connection checkpointed it on close
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT status, step, zone FROM patients WHERE chat_id = ?", (CHAT,)).fetchone()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert row == ("active", None, "Europe/London")


def test_sigterm_finishes_the_send_in_flight(server, folder, processes):
    """A reply that is on the wire when SIGTERM arrives is still delivered, and the exit code is 0."""
    bot = start(processes, folder, server)
    polling(server, bot)
    gate = server.hold_next("sendMessage", chat_id=CHAT)
    server.send(CHAT, SECRET, first_name=NAME)
    assert gate.arrived.wait(STARTUP), "the bot never answered"
    calls_before_signal = len(server.calls())
    bot.proc.send_signal(signal.SIGTERM)
    try:
        stopped(server, calls_before_signal)  # the bot is shutting down while its send is held
    finally:
        gate.released.set()
    assert bot.wait() == 0
    assert gate.client_waited, "the bot dropped its request instead of waiting for the answer"
    assert shows(server.texts(CHAT)[-1], "enrol.welcome")  # a stranger's text gets the welcome


def test_enrolment_survives_a_restart(server, folder, processes):
    """A new process on the same data folder finds the patient enrolled and does not replay old updates."""
    first = start(processes, folder, server)
    polling(server, first)
    enrol(server)
    assert first.terminate() == 0
    calls = len(server.calls("getUpdates"))
    second = start(processes, folder, server)
    polling(server, second, after=calls)
    assert shows(say(server, "/start", "already enrolled").text, "enrol.already_enrolled")
    assert sum(shows(text, "enrol.summary") for text in server.texts(CHAT)) == 1
    assert second.terminate() == 0


def test_second_instance_on_the_same_folder_exits_at_once(server, folder, processes):
    """While one bot runs, a second on the same data folder exits non-zero with the lock message,
    without contacting Telegram, and the first keeps working."""
    first = start(processes, folder, server)
    polling(server, first)
    get_me = len(server.calls("getMe"))
    second = start(processes, folder, server)
    assert second.wait() == 3
    assert "another aftercare process is already running" in second.output()
    assert len(server.calls("getMe")) == get_me
    assert first.proc.poll() is None
    assert say(server, "/help").text
    assert first.terminate() == 0


def test_logs_never_hold_the_token_or_what_the_patient_typed(server, folder, processes):
    """A whole run logs one JSON object per line, with neither the token nor the patient's words or name."""
    bot = start(processes, folder, server)
    polling(server, bot)
    enrol(server, typed_zone=SECRET)  # the patient's words go through the bot and back to the chat
    assert bot.terminate() == 0
    output = bot.output()
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(isinstance(json.loads(line), dict) for line in lines), output
    events = [json.loads(line)["event"] for line in lines]
    assert events[0] == "starting" and events[-1] == "stopped"
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, "xyzzy", NAME):
        assert secret not in output


def test_logs_hold_no_errors_in_a_clean_run(server, folder, processes):
    """Starting, enrolling and stopping logs nothing at level ERROR or above."""
    bot = start(processes, folder, server)
    polling(server, bot)
    enrol(server)
    assert bot.terminate() == 0
    problems = [line for line in bot.output().splitlines() if '"level": "ERROR"' in line
                or '"level": "CRITICAL"' in line]
    assert problems == []


def test_without_a_token_it_exits_2_and_says_how_to_get_one(folder, processes):
    """`python -m bot` with no token exits 2 and points to @BotFather."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "AFTERCARE_LOG_FORMAT": "json"}
    bot = BotProcess(folder, env)
    processes.append(bot)
    assert bot.wait() == 2
    assert "@BotFather" in bot.output() and "/newbot" in bot.output()


def test_without_a_data_key_it_exits_2_and_says_how_to_make_one(server, folder, processes):
    """A token but no data key: exit 2 with the keygen hint, before any call to Telegram."""
    bot = start(processes, folder, server, AFTERCARE_DATA_KEY_FILE=None)
    assert bot.wait() == 2
    assert "aftercare keygen" in bot.output()
    assert server.calls() == []


# ---- the fake server itself --------------------------------------------------------------------------
def _post(url: str, body: bytes = b"", content_type: str = "application/json", timeout: float = 5.0):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_fake_server_speaks_the_bot_api_over_http(server):
    """JSON, form and multipart bodies reach FakeTelegram; a wrong token gets Telegram's 401."""
    base = f"{server.url}{TOKEN}"
    assert server.url.startswith("http://127.0.0.1:")
    assert _post(f"{server.url}1:wrong/getMe") == (401, {"ok": False, "error_code": 401,
                                                        "description": "Unauthorized"})
    status, me = _post(f"{base}/getMe")
    assert status == 200 and me["result"]["is_bot"]
    markup = json.dumps({"inline_keyboard": [[{"text": "Go", "callback_data": "x:1"}]]})
    _post(f"{base}/sendMessage", json.dumps({"chat_id": 5, "text": "[json]"}).encode())
    form = urllib.parse.urlencode({"chat_id": "5", "text": "[form]", "reply_markup": markup}).encode()
    _post(f"{base}/sendMessage", form, "application/x-www-form-urlencoded")
    boundary = "b0undary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n5\r\n"
                 f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nyour data\r\n"
                 f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"d.json\"\r\n"
                 f"Content-Type: application/json\r\n\r\n{{\"a\": 1}}\r\n--{boundary}--\r\n").encode()
    status, sent = _post(f"{base}/sendDocument", multipart, f"multipart/form-data; boundary={boundary}")
    assert status == 200 and sent["result"]["document"]["file_id"]
    chat = server.chat(5)
    assert [m.text for m in chat] == ["[json]", "[form]", "your data"]
    assert chat[1].labels == ["Go"] and chat[2].file_bytes == b'{"a": 1}' and chat[2].file_name == "d.json"


def test_fake_server_long_polls_and_honours_offset(server):
    """getUpdates waits for a pushed update, returns at once when one is queued, and offset drops confirmed ones."""
    base = f"{server.url}{TOKEN}"
    first, second = server.message(CHAT, "one"), server.message(CHAT, "two")
    server.push(first)
    server.push(second)
    _, got = _post(f"{base}/getUpdates", json.dumps({"offset": 0, "timeout": 1}).encode())
    assert [u["update_id"] for u in got["result"]] == [first["update_id"], second["update_id"]]
    _, got = _post(f"{base}/getUpdates", json.dumps({"offset": second["update_id"], "limit": 5}).encode())
    assert [u["update_id"] for u in got["result"]] == [second["update_id"]]
    _, got = _post(f"{base}/getUpdates", json.dumps({"offset": second["update_id"] + 1}).encode())
    assert got["result"] == [] and server.pending_updates() == 0
    third = server.message(CHAT, "three")
    got = {}
    calls_before = len(server.calls("getUpdates"))
    poller = threading.Thread(target=lambda: got.update(result=_post(
        f"{base}/getUpdates", json.dumps({"offset": second["update_id"] + 1, "timeout": 30}).encode())[1]))
    poller.start()
    server.wait_for(lambda t: sum(1 for m, _ in t.calls if m == "getUpdates") > calls_before, timeout=10)
    server.push(third)  # only once the long poll is waiting: it must be woken by the push
    poller.join(timeout=10)
    assert not poller.is_alive() and [u["update_id"] for u in got["result"]["result"]] == [third["update_id"]]


def test_the_start_up_line_names_the_bot_the_clinic_the_link_and_readiness(server, folder, processes):
    """Once Telegram accepted the token the log says, in one line, which @bot runs for which clinic, the patient
    link and whether it is ready for patients; the dispatcher's every-minute summary stays at debug level."""
    bot = start(processes, folder, server)
    polling(server, bot)
    assert bot.terminate() == 0
    records = [json.loads(line) for line in bot.output().splitlines() if line.strip()]
    running = [r["msg"] for r in records if r["event"] == "running"]
    assert len(running) == 1, records
    assert running[0] == ("Running as @aftercare_test_bot for Example Skin Clinic · patient link "
                          "https://t.me/aftercare_test_bot?start=microneedling · NOT READY for patients "
                          "(3 warnings: `aftercare doctor --strict`)")
    assert not [r for r in records if "dispatch run" in r.get("msg", "")], "a developer's summary at INFO"

"""Secrets never printed: start-up failures are one clear line, and no traceback shows the token or data key.

Real processes (`python -m bot`) against the fake Bot API over local HTTP, as in test_process.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.doubles.bot_api_server import FakeBotServer
from tests.test_process import ROOT, TOKEN, BotProcess, bot_env, folder, processes  # noqa: F401 - fixtures

pytestmark = pytest.mark.process  # every test here starts a process or a server

DATA_KEY = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDA="  # a valid Fernet key, given in the environment
REVOKED = "555555:REVOKED-token-must-never-be-printed_QWERTYU"


def secrets_in(text: str) -> list[str]:
    return [s for s in (REVOKED, REVOKED.split(":")[1], TOKEN, TOKEN.split(":")[1], DATA_KEY) if s in text]


class _At:
    """Stands in for a server in bot_env: only its URL is read."""

    def __init__(self, url: str) -> None:
        self.url = url


def run_bot(folder, processes, server_url: str, token: str) -> tuple[int, str]:
    env = bot_env(folder, _At(server_url), TELEGRAM_BOT_TOKEN=token,
                  AFTERCARE_DATA_KEY_FILE=None, AFTERCARE_DATA_KEY=DATA_KEY)
    bot = BotProcess(folder, env)
    processes.append(bot)
    return bot.wait(timeout=60), bot.output()


def test_a_rejected_token_stops_start_up_with_one_line_and_no_secret(folder, processes):
    """Telegram answering 401 to getMe (a revoked token) ends the process non-zero with one clear line,
    no traceback, and neither the token nor the data key anywhere in its output."""
    with FakeBotServer(TOKEN) as server:  # knows only the other token: answers 401, like Telegram
        code, output = run_bot(folder, processes, server.url, REVOKED)
    assert code != 0
    assert "Telegram rejected the token: check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL" in output
    assert "Traceback" not in output and secrets_in(output) == []
    assert [line for line in output.splitlines() if line.startswith("error:")] == [
        "error: Telegram rejected the token: check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL"]


def test_an_unreachable_api_url_stops_start_up_with_one_line_and_no_secret(folder, processes):
    """A TELEGRAM_API_URL where nothing listens ends the process non-zero with one line naming the host
    (never the token, which PTB appends to that URL), and no traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the bot connects: nothing listens there
    code, output = run_bot(folder, processes, f"http://127.0.0.1:{port}/bot", TOKEN)
    assert code != 0
    assert f"error: cannot reach the Telegram Bot API at http://127.0.0.1:{port}" in output
    assert "TELEGRAM_API_URL" in output and "Traceback" not in output and secrets_in(output) == []


def test_an_uncaught_exception_in_any_thread_is_printed_redacted(tmp_path):
    """Once the bot's hooks are installed, a library exception quoting the token or the data key, uncaught
    in the main thread or another, prints its traceback with both replaced."""
    script = (
        "import threading\n"
        "from bot.logs import install_excepthooks, register_secrets\n"
        f"register_secrets({TOKEN!r}, {DATA_KEY!r})\n"
        "install_excepthooks()\n"
        f"t = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError('key ' + {DATA_KEY!r})))\n"
        "t.start(); t.join()\n"
        f"raise RuntimeError('The token `' + {TOKEN!r} + '` was rejected by the server.')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 1
    assert "RuntimeError: The token `<token>` was rejected" in done.stderr and "ValueError: key <secret>" in done.stderr
    assert secrets_in(done.stdout + done.stderr) == []

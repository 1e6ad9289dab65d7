"""Set-up refuses to run beside a running bot (R6): the instance lock of the data folder says so, in one line that
says to stop the bot first; nothing is asked or saved. While set-up runs, it holds the lock itself."""

from __future__ import annotations

import io

import pytest

from bot.runtime import AlreadyRunning, acquire_instance_lock
from bot.tools.setup import Console, setup_command
from tests.conftest import TOKEN


def never_asked(prompt: str) -> str:
    raise AssertionError(f"set-up asked {prompt!r} beside a running bot")


def test_setup_refuses_while_the_bot_holds_the_data_folder(tmp_path, monkeypatch, capsys):
    """With the bot running on ./data (its lock held), set-up exits 3 with the line telling to stop the bot
    first, asks nothing and leaves .env as it was."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir(mode=0o700)
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n")
    out = io.StringIO()
    with acquire_instance_lock(tmp_path / "data"):  # the running bot
        code = setup_command({"TELEGRAM_BOT_TOKEN": TOKEN}, [], Console(ask=never_asked, out=out), env_file=env)
    err = capsys.readouterr().err
    assert code == 3 and out.getvalue() == ""
    assert err.startswith("error: the bot is running with the data folder data: stop it first")
    assert "then run the set-up again" in err
    assert env.read_text() == f"TELEGRAM_BOT_TOKEN={TOKEN}\n"


def test_the_bot_cannot_start_while_setup_runs(tmp_path, monkeypatch):
    """Set-up holds the data folder's lock while it asks: a bot started half-way is refused (as a second bot is)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir(mode=0o700)
    refused = []

    def operator(prompt: str) -> str:
        with pytest.raises(AlreadyRunning):
            acquire_instance_lock(tmp_path / "data")
        refused.append(prompt)
        raise EOFError  # the operator walks away: set-up stops
    setup_command({}, [], Console(ask=operator, secret=operator, out=io.StringIO()), env_file=tmp_path / ".env")
    assert refused

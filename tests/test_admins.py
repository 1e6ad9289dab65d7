"""`aftercare admins list|add|remove`: admins edited in .env where set-up keeps them, checked first, every other
line kept, and a reminder to restart the bot."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from bot.config import load_settings, read_dotenv
from bot.tools.admins import admins_command
from tests.conftest import DATA_KEY, TOKEN

SET_UP = f"# written by aftercare setup\nTELEGRAM_BOT_TOKEN={TOKEN}\nAFTERCARE_ADMIN_IDS=4242\nAFTERCARE_ONCALL_IDS=4242\n"


def run(env: Path, *argv: str, process: dict | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = admins_command({}, list(argv), env_file=env, out=out, process_environ=process or {})
    return code, out.getvalue()


@pytest.fixture
def env(tmp_path) -> Path:
    path = tmp_path / ".env"
    path.write_text(SET_UP)
    return path


@pytest.mark.parametrize("argv,code,admins,oncall,says", [
    (["add", "777"], 0, "4242,777", "4242", "added 777"),
    (["add", "777", "777", "4242"], 0, "4242,777", "4242", "added 777"),
    (["add", "4242"], 0, "4242", "4242", "already admins"),
    (["add", "-1001234567890"], 2, "4242", "4242", "a group's id"),
    (["add", "alice"], 2, "4242", "4242", "not a Telegram user id"),
    (["add"], 2, "4242", "4242", "give the user ids"),
    (["remove", "999"], 1, "4242", "4242", "999 is not an admin"),
    (["remove", "4242"], 1, "4242", "4242", "would leave no admin"),
    (["remove", "4242", "--force"], 0, "", "", "removed 4242 (and from the on-call list)"),
])
def test_each_edit_and_each_refusal(env, argv, code, admins, oncall, says):
    """Adding (once each), refusing what is not a user id, removing only admins, never the last without --force,
    and an admin removed leaves the on-call list too; a refusal changes nothing."""
    done, text = run(env, *argv)
    assert done == code and says in text
    saved = read_dotenv(env)
    assert saved["AFTERCARE_ADMIN_IDS"] == admins and saved["AFTERCARE_ONCALL_IDS"] == oncall
    assert saved["TELEGRAM_BOT_TOKEN"] == TOKEN and "# written by aftercare setup" in env.read_text()
    if admins != "4242":  # written: owner-only, as set-up leaves it
        assert stat.S_IMODE(env.stat().st_mode) & 0o077 == 0


def test_an_added_admin_is_what_the_bot_reads_and_the_restart_is_said(env, tmp_path):
    """After `add`, the settings the bot starts with hold the new admin; the line says to restart it."""
    code, text = run(env, "add", "777")
    assert code == 0 and "Restart the bot" in text
    settings = load_settings({**read_dotenv(env), "AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY})
    assert settings.admin_ids == {4242, 777}


def test_list_names_each_admin_and_who_is_on_call(env):
    """`list` prints one admin a line, marking the on-call ones."""
    run(env, "add", "777")
    assert run(env, "list") == (0, "4242 (on call)\n777\n")


def test_list_without_admins_says_how_to_add_one(tmp_path):
    """No .env admins yet: how to add one."""
    code, text = run(tmp_path / ".env", "list")
    assert code == 0 and "aftercare admins add ID" in text and "/myid" in text


def test_an_environment_value_that_wins_is_pointed_out(env):
    """When AFTERCARE_ADMIN_IDS is set in the environment too, the operator is told it wins over .env."""
    code, text = run(env, "list", process={"AFTERCARE_ADMIN_IDS": "1"})
    assert code == 0 and text.startswith("note: AFTERCARE_ADMIN_IDS is also set in the environment")

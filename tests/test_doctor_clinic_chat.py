"""`aftercare doctor` checks the clinic chat for real (R13) through the fake Bot API: the bot can post there,
and it is an admin where topics are on; without a token it says it did not check."""

from __future__ import annotations

import io
import os

import pytest

from bot.tools.doctor import doctor_command
from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
from tests.conftest import DATA_KEY, TOKEN

CHAT = -1001234567890


def telegram_lines(tmp_path, telegram: FakeTelegram | None, **more: str) -> tuple[int, list[str]]:
    os.chmod(tmp_path, 0o700)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               "AFTERCARE_CLINIC_CHAT_ID": str(CHAT), **more}
    out = io.StringIO()
    code = doctor_command(environ, out=out, request=FakeRequest(telegram) if telegram else None)
    return code, [line for line in out.getvalue().splitlines() if "telegram" in line or "token" in line]


@pytest.mark.parametrize("group,verdict", [
    (dict(bot_status="member"), 'ok: telegram: the bot can post in the clinic chat "Clinic staff" (as a member)'),
    (dict(bot_status="administrator", forum=True),
     'ok: telegram: the bot can post in the clinic chat "Clinic staff" (an admin, topics on)'),
    (dict(bot_status="administrator", forum=True, can_manage_topics=False),
     'problem: telegram: topics are on in the clinic chat "Clinic staff", and the bot may not manage topics there'),
    (dict(bot_status="member", forum=True),
     'problem: telegram: topics are on in the clinic chat "Clinic staff", and the bot is not an admin there'),
    (dict(bot_status="restricted", can_send=False),
     'problem: telegram: the bot may not post in the clinic chat "Clinic staff"'),
    (dict(bot_status="member", can_send=False),
     'problem: telegram: the bot may not post in the clinic chat "Clinic staff"'),
    (dict(bot_status="left"), 'problem: telegram: the bot is not a member of the clinic chat "Clinic staff"'),
    (dict(exists=False), f"problem: telegram: the bot cannot see the clinic chat {CHAT} (AFTERCARE_CLINIC_CHAT_ID)"),
])
def test_the_clinic_chat_as_the_bot_sees_it(tmp_path, group, verdict):
    """Each way the staff group can be set up gives its one line, a problem where alerts would not arrive."""
    telegram = FakeTelegram()
    telegram.set_group(CHAT, **group)
    code, lines = telegram_lines(tmp_path, telegram, TELEGRAM_BOT_TOKEN=TOKEN)
    assert lines[0].startswith("ok: telegram: the token is accepted (@")
    assert lines[1].startswith(verdict), lines
    assert code == (1 if verdict.startswith("problem") else 0)
    asked = ["getMe", "getChat"] + ([] if group.get("exists") is False else ["getChatMember"])
    assert [m for m, _ in telegram.calls] == asked
    assert not any(TOKEN in line for line in lines)


def test_offline_the_doctor_says_the_clinic_chat_was_not_checked(tmp_path):
    """No token: nothing is asked of Telegram, and the line says the clinic chat was not checked."""
    code, lines = telegram_lines(tmp_path, None)
    assert lines == ["ok: no TELEGRAM_BOT_TOKEN set: token not checked; the clinic chat was not checked either"]


def test_an_unreachable_api_says_the_clinic_chat_was_not_checked(tmp_path):
    """The Bot API unreachable: one problem line, which says the clinic chat was not checked."""
    telegram = FakeTelegram()
    telegram.fail_next("getMe", "network", times=10)
    code, lines = telegram_lines(tmp_path, telegram, TELEGRAM_BOT_TOKEN=TOKEN)
    assert code == 1 and lines[-1].endswith("; the clinic chat was not checked")

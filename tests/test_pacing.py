"""Replies and the sender's messages share Telegram's limits (the real app over a fake Telegram enforcing them,
on virtual time: waiting only moves the clock)."""

from __future__ import annotations

from bot.tools.flood_limits import FloodLimits
from tests.conftest import open_phone


async def test_a_reply_waits_for_room_in_the_bots_second_instead_of_drawing_a_429(settings, store, clock):
    """Thirty-one people write at the same instant: the 31st reply waits for the bot's second to have room
    (about a second, inline) and Telegram refuses nothing; before, it drew a 429 and was retried."""
    box = []

    async def virtual_sleep(seconds: float) -> None:
        await box[0].sleep(seconds)
    phone = await open_phone(settings, store, clock, sleep=virtual_sleep)
    box.append(phone.time)
    phone.telegram.limits = limits = FloodLimits(monotonic=phone.time.monotonic)
    try:
        for chat in range(5001, 5032):
            assert await phone.send(chat, "/help"), f"chat {chat} got no answer"
        assert limits.refused == 0
        assert phone.time.monotonic() >= 1.0  # the 31st waited for the first to leave the second
    finally:
        await phone.app.shutdown()

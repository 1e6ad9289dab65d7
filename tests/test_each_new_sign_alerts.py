"""Rules v3 P9b in the chat: within one check-in every new urgent or emergency sign raises its own alert, even after
staff acknowledged an earlier one; a sign already alerted never raises another."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, enrol

CHAT = 1001


def alert_posts(phone) -> list[str]:
    """The alerts posted in the clinic chat, oldest first."""
    return [m.text for m in phone.telegram.chat(CLINIC) if m.text.startswith("⚠️")]


def why(post: str) -> str:
    return next(line for line in post.splitlines() if line.startswith("Why:"))


async def acknowledge(phone, post_index: int = -1) -> None:
    """A clinic admin taps Acknowledge on an alert posted in the clinic chat."""
    post = [m for m in phone.telegram.chat(CLINIC) if m.text.startswith("⚠️")][post_index]
    await phone.feed(phone.telegram.callback(CLINIC, post.data_for("Acknowledge"), message_id=post.message_id,
                                             user_id=ADMIN, first_name="Nurse"))


@pytest.mark.parametrize("first, second, named", [
    ("my lips are swelling", "temp 38.9 and shivering", "fever"),      # urgent, then another urgent sign
    ("I can't breathe", "I passed out", "faint"),                      # emergency, then another emergency sign
    ("my throat is swelling", "my eye hurts and it's red", "eye problem"),  # emergency, then an urgent sign
])
async def test_a_new_sign_alerts_after_an_earlier_alert_was_acknowledged(clinic_phone, first, second, named):
    """The second sign, typed in the same check-in after staff acknowledged the first alert, raises a second alert
    that names it; typing either sign again raises nothing more."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, first)
    checkin = phone.store.open_checkin(CHAT).id
    assert len(alert_posts(phone)) == 1
    await acknowledge(phone)
    assert phone.store.alerts(open_only=True) == []
    phone.clock.advance(timedelta(minutes=2))
    await phone.send(CHAT, second)
    assert phone.store.open_checkin(CHAT).id == checkin  # one check-in throughout
    posts = alert_posts(phone)
    assert len(posts) == 2, posts
    assert named in why(posts[1]) and named not in why(posts[0].split("\n\n✓")[0])
    assert len(phone.store.alerts(open_only=True)) == 1
    for again in (first, second):
        await phone.send(CHAT, again)
    assert len(alert_posts(phone)) == 2 and len(phone.store.alerts(open_only=False)) == 2


async def test_a_new_sign_alerts_even_before_the_first_alert_is_acknowledged(clinic_phone):
    """A second urgent sign a minute after the first (nobody has acknowledged yet) is not taken for a double-sent
    message: it raises its own alert naming it."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips are swelling")
    phone.clock.advance(timedelta(minutes=1))
    await phone.send(CHAT, "temp 38.9 and shivering")
    posts = alert_posts(phone)
    assert len(posts) == 2 and "fever" in why(posts[-1])
    assert "lip swelling" in why(posts[-1])  # the clinic sees the whole check-in so far, the earlier sign too


async def test_the_acknowledged_alert_still_names_its_own_sign(clinic_phone):
    """After a second sign, the first alert re-rendered on acknowledgement still names the sign that raised it."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips are swelling")
    await phone.send(CHAT, "temp 38.9 and shivering")
    await acknowledge(phone, 0)
    first = phone.telegram.chat(CLINIC)[0].text
    assert "lip swelling" in why(first) and first.endswith("✓ Acknowledged by Nurse")

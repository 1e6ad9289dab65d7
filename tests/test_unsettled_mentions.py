"""Rules v3 P4f: a red-flag function the reader cannot settle is asked about at once, with the Q1 safety screen."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said

CHAT = 1001


async def test_funny_feeling_lips_get_the_safety_screen_at_once(clinic_phone):
    """"my lips feel a bit funny" on day 1 shows the Q1 safety question in one tap; before, nothing was asked."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=1))
    replies = await phone.send(CHAT, "my lips feel a bit funny")
    assert any(said("checkin.q_safety") in r.text for r in replies)
    assert phone.store.open_checkin(CHAT) is not None


async def test_yes_at_the_safety_screen_after_an_unsettled_mention_is_an_emergency(clinic_phone):
    """Yes at the Q1 screen asked for "breathing feels weird" gives the emergency advice and alerts the clinic."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "breathing feels weird")
    replies = await phone.tap(CHAT, "Yes")
    assert replies[0].text.startswith(said("triage.level_emergency").split("\n")[0][:20])
    assert [m.text.splitlines()[0] for m in phone.telegram.chat(CLINIC)] == ["⚠️ EMERGENCY: Ana, patient no. 1 (day 0)"]
    assert not any("breathe or swallow right now" in r.text for r in replies)  # Q1 asked it: not again


async def test_a_passed_faint_is_asked_about_and_reaches_the_clinic(clinic_phone):
    """"I fainted in the shower this morning, feel ok now" is not dropped (P4i): the safety screen is asked."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "I fainted in the shower this morning, feel ok now")
    assert any(said("checkin.q_safety") in r.text for r in replies)

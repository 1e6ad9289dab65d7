"""End to end: input that could be misread is refused or confirmed, and /resume undoes only what was paused."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import enrol

CHAT = 1001


def pending_kinds(phone) -> set[str]:
    return {r.kind for r in phone.store.deliveries(CHAT) if r.state == "pending"}


async def test_resume_ends_a_pause_but_asks_before_undoing_a_stop(phone):
    """/resume brings back what was paused; what was stopped stays off until the patient says yes."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Sunscreen reminders")
    await phone.send(CHAT, "/pause 3")
    assert pending_kinds(phone) <= {"skincare", "checkin", "note", "reprompt"}
    replies = await phone.send(CHAT, "/resume")
    assert "pause is over" in replies[0].text
    assert "sunscreen reminders" in replies[1].text and replies[1].labels == ["Yes, turn them back on",
                                                                             "No, leave them off"]
    assert "sunscreen" not in pending_kinds(phone) and {"skincare", "checkin"} <= pending_kinds(phone)
    assert not phone.store.preferences(CHAT).paused(phone.clock.now())
    await phone.tap(CHAT, "No, leave them off")
    assert "stay off" in phone.last(CHAT).text and "sunscreen" not in pending_kinds(phone)


async def test_resume_after_stop_changes_nothing_until_confirmed(phone):
    """After /stop of check-ins, /resume only asks; the check-ins come back when the patient taps yes."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Check-ins")
    await phone.tap(CHAT, "Stop check-ins")
    reply = (await phone.send(CHAT, "/resume"))[0]
    assert "check-ins" in reply.text and "checkin" not in pending_kinds(phone)
    await phone.tap(CHAT, "Yes, turn them back on")
    assert "checkin" in pending_kinds(phone) and "on again" in phone.last(CHAT).text
    await phone.press(CHAT, "r1:undo:yes")  # a second tap: nothing is stopped any more
    assert "expired" in phone.telegram.callback_answers[-1].get("text", "")

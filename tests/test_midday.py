"""The midday sunscreen top-up: announced at enrolment, moved or stopped on its own."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from tests.conftest import enrol
from tests.texts import said, shows

CHAT = 1001


def midday_rows(phone):
    return [r for r in phone.store.deliveries(CHAT) if r.step.startswith("sunscreen-noon") and r.state == "pending"]


async def test_enrolment_announces_the_midday_sunscreen(phone):
    """The enrolment summary names the midday top-up, its time and its days."""
    await enrol(phone)
    summary = next(m.text for m in phone.telegram.chat(CHAT) if m.text.startswith("You're all set"))
    assert shows(summary, "enrol.summary", midday=said("midday.on", time="13:00", first=1, last=7))


async def test_settings_moves_the_midday_sunscreen(phone):
    """/settings → Midday sunscreen → 15:00 re-plans only the midday top-ups, at 15:00 local."""
    await enrol(phone)
    morning_before = {r.step: r.due_at for r in phone.store.deliveries(CHAT) if r.step.startswith("sunscreen-am")}
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Midday sunscreen")
    assert shows(phone.last(CHAT).text, "midday.ask", at_start=True, now=said("midday.on", time="13:00", first=1, last=7))
    await phone.tap(CHAT, "15:00")
    assert phone.last(CHAT).text == said("midday.saved", now=said("midday.on", time="15:00", first=1, last=7))
    rows = midday_rows(phone)
    local = {r.day: r.due_at.astimezone(ZoneInfo("Europe/London")).time() for r in rows}
    assert {local[d] for d in range(1, 8)} == {time(15)}  # week 1 (the top-up's days): at its own time
    assert set(local) == set(range(1, 8))
    assert {r.step: r.due_at for r in phone.store.deliveries(CHAT)
            if r.step.startswith("sunscreen-am")} == morning_before
    replies = await phone.send(CHAT, "/settings")
    assert shows(replies[0].text, "common.settings", midday=said("midday.on", time="15:00", first=1, last=7))


async def test_stop_the_midday_sunscreen_alone_and_turn_it_back_on(phone):
    """/stop → "Midday sunscreen only" stops the top-ups and nothing else; /settings turns them back on."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Midday sunscreen only")
    assert phone.last(CHAT).text == said("midday.saved", now=said("midday.off"))
    assert midday_rows(phone) == []
    assert any(r.step.startswith("sunscreen-am") and r.state == "pending" for r in phone.store.deliveries(CHAT))
    replies = await phone.send(CHAT, "/stop")
    assert said("midday.stop_only") not in replies[0].labels
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Midday sunscreen")
    await phone.tap(CHAT, "Turn it back on")
    assert phone.last(CHAT).text == said("midday.saved", now=said("midday.on", time="13:00", first=1, last=7))
    assert len(midday_rows(phone)) == 7

"""End to end: /mydata is a document by topic with a short summary, and /progress a chart of whole days."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import enrol

CHAT = 1001
SEVERE_DAY_4 = ["No", "Better", "Severe", "None", "Mild", "None", "None of these", "No"]


async def _checkin(phone, labels) -> None:
    await phone.send(CHAT, "/checkin")
    for label in labels:
        await phone.tap(CHAT, label)


async def test_mydata_is_a_document_by_topic_with_a_short_summary(phone):
    """/mydata sends profile, reminders, check-ins with results and clinic messages by topic, plus a summary."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=4))
    await _checkin(phone, SEVERE_DAY_4)
    document, summary = await phone.send(CHAT, "/mydata")
    data = json.loads(document.file_bytes)
    assert list(data)[:4] == ["about", "clinic", "exported", "profile"]
    assert {"reminders", "checkins", "messages_with_the_clinic", "alerts_to_the_clinic"} <= set(data)
    profile = data["profile"]
    assert profile["treatment_date"] == "2026-11-23" and profile["time_zone"] == "Europe/London"
    assert profile["morning_reminder"] == "08:00" and profile["cold_sores_before"] == "no"
    checkin = data["checkins"][-1]
    assert checkin["day"] == 4 and checkin["state"] == "answered" and checkin["result"] == "Contact clinic" and "severe redness" in checkin["answers"]
    assert any("Redness still this strong" in why for why in checkin["why"])
    assert data["reminders"][0] == "Mon 23 Nov 2026 21:00 · day 0 · check-in · planned"
    assert "_" not in json.dumps(data["checkins"]) + json.dumps(data["reminders"])
    assert summary.kind == "text" and len(summary.text.splitlines()) <= 10
    assert "Check-ins: 1" in summary.text and "Contact clinic" in summary.text and "2026-11-23" in summary.text

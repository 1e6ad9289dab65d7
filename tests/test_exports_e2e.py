"""End to end: /mydata is a document by topic with a short summary, and /progress a chart of whole days."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import SEVERE_DAY_4, enrol
from tests.texts import said, shows

CHAT = 1001


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
    assert shows(summary.text, "export.summary", date="2026-11-23", checkins=1, last=said(
        "export.last_checkin", day=4, result=said("checkin.level_label_contact_provider")))


async def test_progress_chart_uses_whole_days_and_keeps_every_line_visible(phone):
    """/progress sends a chart; its day axis has whole days only and lines with the same scores never overlap."""
    from bot.care.chart import ITEMS, ChartLabels, DayPoint, build_figure

    await enrol(phone)
    for day in (1, 2):
        phone.clock.advance(timedelta(days=1))
        await _checkin(phone, ["No", "Same", "None", "None", "None", "None", "None of these", "No"])
    replies = await phone.send(CHAT, "/progress")
    assert replies[0].kind == "photo" and replies[0].file_bytes.startswith(b"\x89PNG")
    labels = ChartLabels("t", {item: item for item in ITEMS}, ["0", "1", "2", "3", "4"], "day")
    same = {item: 0 for item in ITEMS}
    figure = build_figure([DayPoint(1, "normal", same), DayPoint(2, "normal", same),
                           DayPoint(2, "monitor", {**same, "pain": 1}), DayPoint(3, "normal", same)], labels)
    axes = figure.axes[0]
    assert all(float(tick).is_integer() for tick in axes.get_xticks())
    lines = [line for line in axes.get_lines() if line.get_label() in ITEMS]
    heights = [tuple(line.get_ydata()) for line in lines]
    assert len(lines) == 4 and len(set(heights)) == 4  # no two lines drawn on top of each other
    assert [list(line.get_xdata()) for line in lines] == [[1, 2, 3]] * 4  # one point per whole day

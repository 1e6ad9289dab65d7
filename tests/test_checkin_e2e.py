"""End-to-end check-ins: questions edited in place, triage, advice, clinic alerts and /flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import enrol, make_settings, open_phone
from tests.texts import said, shows

CHAT = 1001
CLINIC = -100777
ADMIN = 4242


@pytest.fixture
async def clinic_phone(tmp_path, clock):
    from bot.store import open_store
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC), AFTERCARE_ADMIN_IDS=str(ADMIN))
    store = open_store(settings.database_path, settings.sealer())  # alerts read sealed answers
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


async def answer_all(phone, labels):
    for label in labels:
        await phone.tap(CHAT, label)


NORMAL_DAY_2 = ["No", "Same", "Mild", "None", "Mild", "None", "None of these", "No"]
# The day after NORMAL_DAY_2: its mild redness and pain are asked again by name ("still there?") first.
STILL_THERE_DAY_2 = ["No", "Same", "Yes", "Mild", "Yes", "Mild", "None", "None", "None of these", "No"]


async def test_normal_checkin_in_few_taps(phone):
    """A normal day takes eight taps on one edited message and ends with reassurance and the timeline."""
    assert len(NORMAL_DAY_2) == 8
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    question = phone.last(CHAT)
    assert shows(question.text, "checkin.q_safety")
    await answer_all(phone, NORMAL_DAY_2)
    result = phone.last(CHAT)
    assert shows(result.text, "rhythm_truth.result_normal", day=2) and len(result.text.split("\n\n")) == 2
    assert "Day 2:" not in result.text  # the timeline line belongs to the day's first reminder
    assert "mild redness" in result.text  # the answers behind it
    assert question.edits == len(NORMAL_DAY_2) and "✓" in question.text
    verdict = phone.store.last_verdict(CHAT, phone.store.patient(CHAT).treatment.id)
    assert verdict.level == "normal" and verdict.day == 2 and verdict.rules_version
    assert "redness:mild" in verdict.tokens and "trend:same" in verdict.tokens


async def test_safety_screen_yes_stops_with_emergency(clinic_phone):
    """A Yes on the safety screen shows the emergency number at once, asks nothing more and alerts the clinic."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "Yes")
    advice, alerted = phone.telegram.chat(CHAT)[-2:]
    assert shows(advice.text, "triage.level_emergency", at_start=True) and shows(alerted.text, "clinic.alerted")
    assert advice.labels == [said("clinic.message_button")]  # no more questions; the way to a person
    assert phone.store.open_checkin(CHAT) is None
    alert = phone.telegram.last(CLINIC)
    assert said("checkin.level_label_emergency") in alert.text and "Ana" in alert.text and "E1" in alert.text


async def test_contact_provider_alert_and_acknowledgement(clinic_phone):
    """Severe redness on day 4 gives contact_provider with its reason, alerts the clinic, and staff can ack."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=4))
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Better", "Severe", "None", "Mild", "None", "None of these", "No"])
    advice = phone.telegram.chat(CHAT)[-2].text
    assert said("triage.level_contact_provider") in advice and said("triage.rule_C8", day=4) in advice
    assert said("checkin.because", answers=said(
        "answers.severity", level=said("answers.level_severe"), item=said("answers.item_redness"))) in advice
    alert = phone.telegram.last(CLINIC)
    assert said("checkin.level_label_contact_provider") in alert.text and "C8" in alert.text
    ack = alert.data_for("Acknowledge")
    await phone.feed(phone.telegram.callback(CLINIC, ack, message_id=alert.message_id,
                                             user_id=ADMIN, first_name="Nurse"))
    assert "Acknowledged by Nurse" in phone.telegram.last(CLINIC).text
    assert phone.store.alerts(open_only=True) == []
    await phone.feed(phone.telegram.callback(CLINIC, ack, message_id=alert.message_id, user_id=ADMIN))
    assert phone.telegram.callback_answers[-1]["text"] == said("checkin.alert_already")


async def test_flagged_lists_open_alerts_for_admins_only(clinic_phone):
    """/flagged shows open flags to admins and refuses anyone else."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "Not sure")
    replies = await phone.send(ADMIN, "/flagged", user_id=ADMIN)
    assert shows(replies[0].text, "checkin.flagged_heading", count=1) and said("checkin.level_label_emergency") in replies[0].text
    assert shows((await phone.send(CHAT, "/flagged"))[0].text, "checkin.admins_only")


async def test_free_text_red_flag_outside_checkin(clinic_phone):
    """Free text with a red-flag keyword gets safety advice at once, then the structured questions."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "my throat feels tight and weird")
    assert shows(replies[0].text, "checkin.safety_advice_emergency", at_start=True)
    assert shows(replies[-1].text, "checkin.q_safety")
    verdict = phone.store.last_verdict(CHAT, phone.store.patient(CHAT).treatment.id)
    assert verdict.level == "emergency" and verdict.reasons[0]["rule"] == "E4"
    assert "throat" not in str(verdict.tokens)  # the patient's words are not stored
    assert "E4" in phone.telegram.last(CLINIC).text


async def test_followups_asked_only_when_called_for(phone):
    """Rash, hives, dark spots and spreading redness each bring their own follow-up question."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=3))
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Worse", "Mild", "None", "Mild", "None"])
    for sign in ("Rash or bumps", "Hives", "Dark spots", "Redness spreading"):
        await phone.tap(CHAT, sign)
    await phone.tap(CHAT, "Done")
    asked = []
    for label in ("Mild", "Today", "Elsewhere too", "Not sure", "Not sure", "No"):
        asked.append(phone.last(CHAT).text.split("\n\n")[-1])
        await phone.tap(CHAT, label)
    assert [a.split()[0] for a in asked] == ["How", "When", "Are", "Are", "Is", "Do"]
    verdict = phone.store.last_verdict(CHAT, phone.store.patient(CHAT).treatment.id)
    assert verdict.level == "urgent"
    for token in ("rash:mild", "hives:widespread", "spots:darkening", "spreading_redness:unsure"):
        assert token in verdict.tokens


async def test_back_button_and_typed_answers(phone):
    """Back undoes the last answer, and typed answers work like taps."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=1))
    await phone.send(CHAT, "/checkin")
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "worse")
    await phone.tap(CHAT, "Back")
    await phone.send(CHAT, "better")
    row = phone.store.open_checkin(CHAT)
    assert row.answers == [("safety", "no"), ("trend", "improving")]


async def test_stale_and_double_taps_change_nothing(phone):
    """A tap on an already-answered question or a forged check-in id is refused politely."""
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    question = phone.last(CHAT)
    data = question.data_for("No")
    await phone.tap(CHAT, "No")
    await phone.press(CHAT, data)
    await phone.press(CHAT, "ci1:999:safety:no")
    assert [a.get("text") for a in phone.telegram.callback_answers[-2:]] == [said("common.expired")] * 2
    assert phone.store.open_checkin(CHAT).answers == [("safety", "no")]


async def test_monitor_plans_a_followup_next_morning(phone):
    """A monitor result plans an extra check-in prompt for the next morning."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Same", "Severe", "None", "Mild", "None", "None of these", "No"])
    assert shows(phone.last(CHAT).text, "checkin.followup_note")
    followups = [d for d in phone.store.deliveries(CHAT) if d.kind == "followup"]
    assert len(followups) == 1 and followups[0].due_at.isoformat() == "2026-11-26T08:00:00+00:00"


async def test_resume_or_restart_an_unfinished_checkin(phone):
    """An abandoned check-in can be resumed where it stopped."""
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "No")
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "Carry on")
    assert said("checkin.sign_redness") in phone.last(CHAT).text
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "Start again")
    assert phone.store.open_checkin(CHAT).answers == []


async def test_progress_sends_a_chart_and_summary(phone):
    """/progress returns a PNG chart and a text line per check-in."""
    await enrol(phone)
    for _ in range(2):
        phone.clock.advance(timedelta(days=1))
        await phone.send(CHAT, "/checkin")
        await answer_all(phone, NORMAL_DAY_2 if _ == 0 else STILL_THERE_DAY_2)
    replies = await phone.send(CHAT, "/progress")
    assert replies[0].kind == "photo" and replies[0].file_bytes.startswith(b"\x89PNG")
    assert "Day 1: Normal" in replies[1].text and "Day 2: Normal" in replies[1].text


async def test_schedule_lists_next_reminders_in_local_time(phone):
    """/schedule shows the next reminders in the patient's zone."""
    await enrol(phone)
    text = (await phone.send(CHAT, "/schedule"))[0].text
    lines = text.splitlines()
    assert lines[0] == said("progress.schedule_heading", zone="Europe/London")
    assert said("progress.schedule_line", when="Mon 23 Nov 21:00", what=said("progress.kind_checkin"), day=0) in lines
    assert lines[-1].startswith("Tue 24 Nov")  # nothing already past (the 08:00 reminders of day 0) is listed


async def test_none_of_these_after_ticks_clears_them_and_waits_for_done(phone):
    """'None of these' answers in one tap, but after ticks it only clears them until Done confirms."""
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Mild", "None", "Mild", "None", "Pimples"])
    await phone.tap(CHAT, "None of these")
    question = phone.last(CHAT)
    assert shows(question.text, "checkin.q_new") and "✓ " + said("checkin.sign_none") in question.labels
    assert "✓ " + said("checkin.sign_pimples") not in question.labels
    await phone.tap(CHAT, "Done")
    assert ("new", "none") in phone.store.open_checkin(CHAT).answers


async def test_after_day_seven_the_short_path_is_used(phone):
    """From day 8 a quiet day is four taps (safety, trend, nothing bothering, fever); 'show me' opens the full list."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=10))
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Better", "No", "No"])
    assert shows(phone.last(CHAT).text, "rhythm_truth.result_normal", day=10)
    verdict = phone.store.last_verdict(CHAT, phone.store.patient(CHAT).treatment.id)
    assert verdict.day == 10 and [r["rule"] for r in verdict.reasons] == ["N1"]
    await phone.send(CHAT, "/checkin")
    await answer_all(phone, ["No", "Same", "Yes, show me"])
    assert shows(phone.last(CHAT).text, "checkin.q_redness")

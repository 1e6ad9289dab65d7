"""End to end: input that could be misread is refused or confirmed, and /resume undoes only what was paused."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import enrol, enrol_typing
from tests.texts import said, shows

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
    assert shows(replies[0].text, "control.unpaused")
    assert said("control.kind_sunscreen") in replies[1].text and replies[1].labels == [said("control.undo_yes"),
                                                                             said("control.undo_no")]
    assert "sunscreen" not in pending_kinds(phone) and {"skincare", "checkin"} <= pending_kinds(phone)
    assert not phone.store.preferences(CHAT).paused(phone.clock.now())
    await phone.tap(CHAT, "No, leave them off")
    assert shows(phone.last(CHAT).text, "control.undo_declined") and "sunscreen" not in pending_kinds(phone)


async def test_resume_after_stop_changes_nothing_until_confirmed(phone):
    """After /stop of check-ins, /resume only asks; the check-ins come back when the patient taps yes."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Check-ins")
    await phone.tap(CHAT, "Stop check-ins")
    reply = (await phone.send(CHAT, "/resume"))[0]
    assert said("control.kind_checkin") in reply.text and "checkin" not in pending_kinds(phone)
    await phone.tap(CHAT, "Yes, turn them back on")
    assert "checkin" in pending_kinds(phone) and shows(phone.last(CHAT).text, "control.resumed")
    await phone.press(CHAT, "r1:undo:yes")  # a second tap: nothing is stopped any more
    assert shows(phone.telegram.callback_answers[-1].get("text", ""), "common.expired")


async def _at_question(phone, answers: tuple[str, ...]) -> None:
    await phone.send(CHAT, "/start")
    await phone.send(CHAT, "I agree")
    for answer in answers:
        await phone.send(CHAT, answer)


async def test_reminder_times_inside_quiet_hours_are_refused_naming_them(phone):
    """An evening reminder at 23:30 inside quiet hours 22:00-07:00 is refused with the quiet hours named."""
    await _at_question(phone, ("London", "today"))
    reply = (await phone.send(CHAT, "8:00 23:30"))[0].text
    assert "23:30" in reply and "22:00-07:00" in reply and phone.store.patient(CHAT).step == "enrol:times"
    await phone.send(CHAT, "8:00")
    reply = (await phone.send(CHAT, "23:30"))[0].text
    assert said("rhythm_truth.time_in_quiet_enrol", time="23:30", quiet="22:00-07:00") in reply \
        and phone.store.patient(CHAT).step == "enrol:evening"
    await phone.send(CHAT, "21:30")
    assert phone.store.patient(CHAT).step == "enrol:immune"


async def test_zone_abbreviations_ask_for_a_city(phone):
    """"EST", "CST" and "IST" are not taken as zones: the patient is asked for a city, and "New York" works."""
    await _at_question(phone, ())
    for typed in ("EST", "cst", "IST"):
        reply = (await phone.send(CHAT, typed))[0].text
        assert said("enrol.zone_abbreviation", text=typed) in reply and phone.store.patient(CHAT).zone is None
    await phone.send(CHAT, "New York")
    assert phone.store.patient(CHAT).zone == "America/New_York"


async def test_ambiguous_numeric_date_is_confirmed_with_the_month_by_name(phone):
    """"12/11" typed in a US zone is not read silently: both readings are offered with the month by name."""
    await _at_question(phone, ("New York",))
    reply = (await phone.send(CHAT, "12/11"))[0]
    assert reply.labels == ["12 November 2026", "11 December 2026"] and phone.store.patient(CHAT).draft_date is None
    await phone.tap(CHAT, "11 December 2026")
    patient = phone.store.patient(CHAT)
    assert str(patient.draft_date) == "2026-12-11" and patient.step == "enrol:times"
    assert "Treatment date: 11 Dec 2026" in phone.telegram.chat(CHAT)[-2].text


async def test_checkin_before_the_treatment_date_says_when_checkins_start(phone):
    """/checkin three days before the treatment names the day check-ins start and asks nothing about skin."""
    await enrol_typing(phone, treated="2026-11-26")
    reply = (await phone.send(CHAT, "/checkin"))[0]
    assert said("checkin.not_started", date="Thursday 26 November", days=said("enrol.days_ahead", days=3)) in reply.text
    assert not reply.buttons
    assert phone.store.open_checkin(CHAT) is None
    phone.clock.advance(timedelta(days=3))
    assert shows((await phone.send(CHAT, "/checkin"))[0].text, "checkin.q_safety")


async def test_checkin_mid_enrolment_asks_to_finish_setting_up(phone):
    """/checkin before enrolment is finished says to finish setting up, not "Please enrol first"."""
    await _at_question(phone, ("London",))
    reply = (await phone.send(CHAT, "/checkin"))[0].text
    assert said("checkin.finish_enrolment_first") in reply and not shows(reply, "checkin.not_enrolled")

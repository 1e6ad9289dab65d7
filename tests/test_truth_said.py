"""What the bot says about the patient's own messages is true (issue 24 "Truthful"): /resume by kind, and no
time offered at enrolment or in /settings that the bot would then refuse."""

from __future__ import annotations

import pytest

from schedules.kinds import ALL_KINDS
from schedules.switches import ORDER, switch_states
from tests.conftest import enrol
from tests.texts import said, shows

CHAT = 1001


def midday_pending(phone) -> int:
    return sum(1 for r in phone.store.deliveries(CHAT) if r.step.startswith("sunscreen-noon") and r.state == "pending")


async def test_resume_after_stopping_only_the_midday_top_up_says_it_is_stopped(phone):
    """After stopping only the midday reminder, /resume says the midday top-up is stopped (not "everything is on")
    and turns it back on with one tap."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Midday sunscreen only")
    reply = (await phone.send(CHAT, "/resume"))[-1]
    assert said("control.nothing_to_resume") not in reply.text
    assert said("rhythm_truth.resume_stopped", kinds=said("rhythm_truth.kind_midday")) in reply.text
    assert said("rhythm_truth.resume_on", kinds="sunscreen reminders, moisturiser reminders and check-ins") in reply.text
    await phone.tap(CHAT, said("midday.on_button"), reply)
    assert midday_pending(phone) == 7
    again = (await phone.send(CHAT, "/resume"))[-1].text
    assert again == said("rhythm_truth.resume_all_on", on="sunscreen reminders, the midday sunscreen top-up, "
                                                           "moisturiser reminders and check-ins")


async def test_resume_names_what_is_on_and_what_is_stopped(phone):
    """With moisturiser reminders and check-ins stopped, /resume names both as stopped, the rest as on, and asks."""
    await enrol(phone)
    for label in ("Moisturiser", "Check-ins"):
        await phone.send(CHAT, "/stop")
        await phone.tap(CHAT, label)
    await phone.tap(CHAT, "Stop check-ins")
    reply = (await phone.send(CHAT, "/resume"))[-1]
    assert reply.text.splitlines() == [
        said("rhythm_truth.resume_on", kinds="sunscreen reminders and the midday sunscreen top-up"),
        said("rhythm_truth.resume_stopped", kinds="moisturiser reminders and check-ins"),
        said("rhythm_truth.resume_ask_undo", what="moisturiser reminders and check-ins")]
    await phone.tap(CHAT, said("control.undo_yes"), reply)
    assert shows(phone.last(CHAT).text, "control.resumed")


async def test_resume_after_a_pause_says_what_stays_stopped(phone):
    """/resume during a pause ends it, then says that the sunscreen reminders the patient stopped stay stopped."""
    await enrol(phone)
    await phone.send(CHAT, "/stop")
    await phone.tap(CHAT, "Sunscreen")
    await phone.send(CHAT, "/pause 3")
    replies = await phone.send(CHAT, "/resume")
    assert shows(replies[0].text, "control.unpaused")
    assert said("rhythm_truth.resume_stopped", kinds="sunscreen reminders and the midday sunscreen top-up") \
        in replies[-1].text


@pytest.mark.parametrize("stopped, paused, midday_off, midday_ahead, expected", [
    (set(), False, False, True, "on on on on"),
    (set(), False, True, True, "on stopped on on"),
    (set(), False, False, False, "on - on on"),
    (set(), False, True, False, "on stopped on on"),
    ({"sunscreen"}, False, False, True, "stopped stopped on on"),
    ({"skincare"}, True, False, True, "paused paused stopped paused"),
    ({"checkin", "reprompt", "followup"}, False, False, True, "on on on stopped"),
    ({"checkin"}, False, False, True, "on on on on"),  # re-prompts still come: check-ins are not stopped
    (set(ALL_KINDS), True, True, True, "stopped stopped stopped stopped"),
])
def test_switch_states_by_kind(stopped, paused, midday_off, midday_ahead, expected):
    """Each kind the patient can name is on, paused or stopped as their choices say; "-" is a kind they no longer have."""
    states = dict(switch_states(frozenset(stopped), paused, midday_off, midday_ahead))
    assert " ".join(states.get(kind, "-") for kind in ORDER) == expected


async def test_a_time_refused_mid_enrolment_points_to_nothing_the_patient_cannot_open(phone):
    """A reminder time inside the quiet hours, typed while enrolling, is refused without pointing to /settings,
    which does not work until enrolment is done."""
    await phone.send(CHAT, "/start")
    for typed in ("I agree", "London", "today"):
        await phone.send(CHAT, typed)
    for typed in ("8:00 23:30", "8:00", "23:30"):
        reply = (await phone.send(CHAT, typed))[0].text
        assert "/settings" not in reply
    assert reply == said("rhythm_truth.time_in_quiet_enrol", time="23:30", quiet="22:00-07:00")
    await phone.send(CHAT, "21:30")
    assert phone.store.patient(CHAT).step == "enrol:immune"


async def test_settings_never_offers_the_clinic_times_inside_the_patients_own_quiet_hours(phone):
    """With their own quiet hours 20:00-07:00, the patient is not offered the clinic's 08:00 and 21:00 as one tap
    (the bot would refuse it): they are asked to type times outside their quiet hours, and a typed pair is taken."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Quiet hours")
    await phone.send(CHAT, "20:00-07:00")
    assert phone.store.patient(CHAT).quiet_start == "20:00"
    await phone.send(CHAT, "/settings")
    question = (await phone.tap(CHAT, "Reminder times"))[-1]
    assert not any("21:00" in label for label in question.labels)
    assert question.text == said("rhythm_truth.ask_times_own", quiet="20:00-07:00")
    await phone.send(CHAT, "8:00 19:30")
    assert phone.store.patient(CHAT).evening.strftime("%H:%M") == "19:30"


async def test_the_evening_question_never_offers_the_clinic_time_inside_the_patients_quiet_hours(phone):
    """After a single typed morning time, the evening question offers the clinic's 21:00 only outside the patient's
    own quiet hours."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Quiet hours")
    await phone.send(CHAT, "20:00-07:00")
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Reminder times")
    question = (await phone.send(CHAT, "8:30"))[-1]
    assert question.text == said("rhythm_truth.ask_evening_own", morning="08:30", quiet="20:00-07:00")
    assert not question.buttons

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

"""End to end: every typed message during enrolment and settings gets a reply that fits the question on screen."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.conftest import enrol, enrol_typing
from tests.texts import said, shows

CHAT = 1001


@pytest.mark.parametrize("typed", ["yes", "I agree", "ok", "Sure!", "Yes, I agree"])
async def test_consent_can_be_typed(phone, typed):
    """A typed yes at the consent question starts enrolment, so a typed walk ends in a working /checkin."""
    await phone.send(CHAT, "/start")
    replies = await phone.send(CHAT, typed)
    assert not shows(replies[0].text, "common.not_understood")
    assert shows(replies[-1].text, "enrol.ask_zone") and phone.store.patient(CHAT).step == "enrol:zone"
    for answer in ("London", "today", "8:00 21:00", "no", "no", "skip"):
        await phone.send(CHAT, answer)
    assert phone.store.patient(CHAT).enrolled
    assert not shows((await phone.send(CHAT, "/checkin"))[0].text, "checkin.not_enrolled")


async def test_no_thanks_at_consent_stores_nothing(phone):
    """A typed "no thanks" declines, and nothing is stored."""
    await phone.send(CHAT, "/start")
    replies = await phone.send(CHAT, "No thanks")
    assert shows(replies[0].text, "enrol.declined") and phone.store.patient(CHAT) is None


async def test_other_text_at_consent_names_the_consent_question(phone):
    """Anything else at the welcome repeats what is asked, not a generic /checkin hint."""
    await phone.send(CHAT, "/start")
    reply = (await phone.send(CHAT, "what is this?"))[0].text
    assert shows(reply, "enrol.consent_hint") and "/checkin" not in reply and phone.store.patient(CHAT) is None


async def test_text_from_a_stranger_gets_the_welcome(phone):
    """A first message without /start gets the welcome and its consent question, which a typed yes then answers."""
    replies = await phone.send(CHAT, "hello")
    assert shows(replies[0].text, "enrol.welcome") and replies[0].labels == [said("enrol.consent_yes"), said("enrol.consent_no")]
    await phone.send(CHAT, "yes")
    assert phone.store.patient(CHAT).step == "enrol:zone"


@pytest.mark.parametrize("question, typed, topic", [
    (0, "thanks!", "time zone"), (1, "can I wear makeup tomorrow?", "treatment date"),
    (2, "I am not sure what you mean by that", "reminder times"), (3, "hello", "weakened immune system"),
    (3, "purple", "weakened immune system"), (4, "hmm", "cold sores"), (5, "maybe later?", "skin type"),
])
async def test_mid_enrolment_hints_name_their_question(phone, question, typed, topic):
    """Typed text that is not an answer gets a hint naming the question on screen, never the /checkin hint."""
    await phone.send(CHAT, "/start")
    await phone.send(CHAT, "yes")
    for answer in ("London", "today", "8:00 21:00", "no", "no")[:question]:
        await phone.send(CHAT, answer)
    step = phone.store.patient(CHAT).step
    replies = await phone.send(CHAT, typed)
    assert topic in replies[0].text and all("/checkin" not in r.text for r in replies)
    assert phone.store.patient(CHAT).step == step


async def test_obvious_typed_forms_take_the_offered_choice(phone):
    """"ok" takes the zone and times offered with a tap, "no thanks" skips the skin type and quiet hours."""
    await phone.send(CHAT, "/start")
    for typed in ("I agree", "ok", "today", "sure", "nope", "no thanks", "no thanks"):
        await phone.send(CHAT, typed)
    patient = phone.store.patient(CHAT)
    assert patient.enrolled and (patient.zone, patient.morning, patient.evening) == ("Europe/London", time(8),
                                                                                     time(21))
    assert (patient.immunocompromised, patient.cold_sore_history, patient.skin_type) == ("no", "no", None)
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Quiet hours")
    assert said("enrol.quiet_set", quiet=said("enrol.quiet_none")) in (await phone.send(CHAT, "no thanks"))[0].text


MENU = ["Treatment date", "Time zone", "Reminder times", "Quiet hours", "Health questions", "Midday sunscreen", "Done"]
FALLBACK = "can't answer that here"
HINT = "Please tap the one you'd like to change"


@pytest.mark.parametrize("typed, fits, step, answer, stored", [
    ("7:30", "Reminders come in the morning and evening", "edit:times", "7:30 and 21:30", ("morning", time(7, 30))),
    ("change my reminder time", "Reminders come in the morning", "edit:times", "9:00 21:00", ("morning", time(9))),
    ("quiet hours", "Quiet hours: I send nothing", "edit:quiet", "23:00-07:00", ("quiet_start", "23:00")),
    ("Berlin", "Which time zone are you in", "edit:zone", "Berlin", ("zone", "Europe/Berlin")),
    ("hello", HINT, None, "7:30 and 21:30", ("morning", time(7, 30))),
])
async def test_text_typed_at_the_settings_menu_gets_a_fitting_reply(phone, typed, fits, step, answer, stored):
    """Typing at the open /settings menu asks the item the text names (or shows the menu again with a hint naming
    the items), never the generic "I can't answer that here"; the question then takes a typed answer as ever."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    replies = await phone.send(CHAT, typed)
    assert fits in replies[0].text and all(FALLBACK not in r.text for r in replies)
    assert phone.store.patient(CHAT).step == step
    if step is None:
        assert said("common.settings_times") in replies[0].text and replies[0].labels == MENU
        await phone.tap(CHAT, "Reminder times")  # the menu shown again works like the first
    await phone.send(CHAT, answer)
    patient = phone.store.patient(CHAT)
    assert getattr(patient, stored[0]) == stored[1] and patient.step is None


async def test_a_warning_sign_typed_at_the_settings_menu_gets_the_safety_advice(phone):
    """A red flag typed at the open menu gets the urgent safety advice first, not the menu's hint."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    assert HINT in (await phone.send(CHAT, "hello"))[0].text  # the menu, shown again, is open
    replies = await phone.send(CHAT, "my lips are swelling")
    assert shows(replies[0].text, "triage.rule_U4")
    assert all(HINT not in r.text and FALLBACK not in r.text for r in replies)


@pytest.mark.parametrize("closing", ["Done", "Midday sunscreen", "/checkin", "a quarter of an hour"])
async def test_a_closed_settings_menu_leaves_typed_text_to_the_other_flows(phone, closing):
    """Once the menu is closed (Done, another of its choices, a question asked since, or left for a quarter of an
    hour) typed text meets the ordinary handlers again."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    assert HINT in (await phone.send(CHAT, "hello"))[0].text
    if closing == "/checkin":
        await phone.send(CHAT, closing)
    elif closing.startswith("a quarter"):
        phone.clock.advance(timedelta(minutes=16))
    else:
        await phone.tap(CHAT, closing)
    replies = await phone.send(CHAT, "7:30")
    assert all(HINT not in r.text and not shows(r.text, "enrol.ask_times") for r in replies)
    assert phone.store.patient(CHAT).step is None

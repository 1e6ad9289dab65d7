"""End to end: what patients type during enrolment and in /settings gets a fitting answer, and nothing wrong is stored."""

from __future__ import annotations

from datetime import date, time

import pytest
from tests.texts import said, shows

CHAT = 1001


async def at_date_question(phone) -> None:
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "London")


@pytest.mark.parametrize("typed, stored, reply", [
    ("23.11.", date(2026, 11, 23), "Treatment date: 23 Nov 2026"),
    ("20th of November", date(2026, 11, 20), "Treatment date: 20 Nov 2026"),
    ("2 days ago", date(2026, 11, 21), "Treatment date: 21 Nov 2026"),
    ("30/02", None, "isn't a day in the calendar"),
    ("31 June", None, "isn't a day in the calendar"),
    ("next week", None, "Which day exactly?"),
    ("Tuesday", None, "could be 17 November 2026 or 24 November 2026"),
    ("I had my treatment yesterday", date(2026, 11, 22), "Treatment date: 22 Nov 2026"),
    ("on the 20th", None, "could be 20 November 2026 or 20 October 2026"),
])
async def test_typed_treatment_date_is_read_or_explained(phone, typed, stored, reply):
    """A date typed the way people write it is stored; an impossible or vague one is explained, nothing stored."""
    await at_date_question(phone)
    replies = await phone.send(CHAT, typed)
    assert reply in replies[0].text
    assert phone.store.patient(CHAT).draft_date == stored


async def at_times_question(phone) -> None:
    await at_date_question(phone)
    await phone.send(CHAT, "today")


@pytest.mark.parametrize("typed, stored, reply", [
    ("08:00-21:00", (time(8), time(21)), "Reminders at 08:00 and 21:00"),
    ("morning 7, evening 9pm", (time(7), time(21)), "Reminders at 07:00 and 21:00"),
    ("at 8 and at 9pm", (time(8), time(21)), "Reminders at 08:00 and 21:00"),
    ("8:00 and 8:00", (None, None), "two different times"),
    ("8 and 9", (None, None), "did you mean 21:00?"),
    ("7 in the morning and 9 in the evening", (None, None), "did you mean 21:00?"),
])
async def test_typed_reminder_times_are_read_or_asked(phone, typed, stored, reply):
    """Times typed with words or a dash are read; one time twice is refused; an evening before noon is asked."""
    await at_times_question(phone)
    replies = await phone.send(CHAT, typed)
    assert reply in replies[0].text
    patient = phone.store.patient(CHAT)
    assert (patient.morning, patient.evening) == stored


async def test_an_evening_time_before_noon_is_stored_only_as_tapped(phone):
    """ "8 and 9" asks whether the evening is 21:00; the tapped choice is stored, and the flow goes on."""
    await at_times_question(phone)
    await phone.send(CHAT, "8 and 9")
    await phone.tap(CHAT, "Use 08:00 and 21:00")
    patient = phone.store.patient(CHAT)
    assert (patient.morning, patient.evening, patient.step) == (time(8), time(21), "enrol:immune")
    await at_times_question_again(phone)
    await phone.send(CHAT, "7:30")
    replies = await phone.send(CHAT, "9")
    assert said("enrol.evening_is_morning", morning="07:30", evening="09:00", later="21:00") in replies[0].text
    await phone.tap(CHAT, "Use 07:30 and 09:00")
    assert (phone.store.patient(CHAT).morning, phone.store.patient(CHAT).evening) == (time(7, 30), time(9))


async def at_times_question_again(phone) -> None:
    """Back at the times question through /settings."""
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "skip")
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Reminder times")


async def test_quiet_hours_typed_as_a_sentence_are_read(phone):
    """ "from 11 pm until 7 am" at the quiet-hours question sets them, instead of "let's finish setting up first"."""
    await at_times_question(phone)
    await phone.tap(CHAT, "Use 08:00")
    await at_times_question_again(phone)
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Quiet hours")
    replies = await phone.send(CHAT, "from 11 pm until 7 am")
    assert said("enrol.quiet_set", quiet="23:00-07:00") in replies[0].text
    assert (phone.store.patient(CHAT).quiet_start, phone.store.patient(CHAT).quiet_end) == ("23:00", "07:00")


async def test_an_evening_time_before_the_morning_one_is_refused(phone):
    """An afternoon evening time earlier than the morning one is refused with the reason, not asked about."""
    await at_times_question(phone)
    await phone.send(CHAT, "13:00")
    assert said("enrol.evening_before_morning", morning="13:00") in (await phone.send(CHAT, "12:30"))[0].text
    assert phone.store.patient(CHAT).evening is None


@pytest.mark.parametrize("typed, stored, reply", [
    ("I live in Sydney", "Australia/Sydney", "Time zone: Australia/Sydney"),
    ("Paris, France", "Europe/Paris", "Time zone: Europe/Paris"),
    ("UK", "Europe/London", "Time zone: Europe/London"),
    ("GMT+2", None, "fixed offset"),
    ("here", None, "Share my location"),
    ("USA", None, "more than one time zone"),
    ("Europe/Londn", None, "Did you mean Europe/London?"),
])
async def test_typed_zone_is_read_or_explained(phone, typed, stored, reply):
    """A zone typed as a sentence, a country or a near miss is read, explained or asked; nothing wrong is stored."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    replies = await phone.send(CHAT, typed)
    assert reply in replies[0].text
    assert phone.store.patient(CHAT).zone == stored


async def test_a_zone_suggested_for_a_typo_is_stored_when_tapped(phone):
    """ "Europe/Londn" offers Europe/London as a button; the tap stores it, confirms it and goes on to the date."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "Europe/Londn")
    replies = await phone.tap(CHAT, "Europe/London")
    assert phone.store.patient(CHAT).zone == "Europe/London"
    assert any(m.text == "Time zone: Europe/London ✓" for m in replies)
    assert phone.store.patient(CHAT).step == "enrol:date"


async def at_health_questions(phone) -> None:
    await at_times_question(phone)
    await phone.tap(CHAT, "Use 08:00")


@pytest.mark.parametrize("immune, cold_sores, stored", [
    ("not that I know of", "I had one years ago", ("no", "yes")),
    ("diabetes type 2", "not that I know of", ("yes", "no")),
    ("no i don't", "once", ("no", "yes")),
    ("idk", "idk", ("unsure", "unsure")),
])
async def test_typed_health_answers_are_read(phone, immune, cold_sores, stored):
    """Health answers typed in everyday words are stored as yes, no or not sure, not met with "finish first"."""
    await at_health_questions(phone)
    for answer in (immune, cold_sores):
        assert "✓" in (await phone.send(CHAT, answer))[0].text
    patient = phone.store.patient(CHAT)
    assert (patient.immunocompromised, patient.cold_sore_history) == stored


@pytest.mark.parametrize("typed, stored, reply", [
    ("type IV", "IV", "Skin type: IV"), ("I tan easily", "IV", "Skin type: IV"), ("dont know", None, "not given"),
    ("fair", None, "fits type I or II"), ("purple", None, "couldn't match that to a skin type"),
])
async def test_typed_skin_type_is_read_or_asked(phone, typed, stored, reply):
    """A skin type typed in words is stored; "fair" asks between I and II; nothing unread is stored."""
    await at_health_questions(phone)
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "no")
    assert reply in (await phone.send(CHAT, typed))[0].text
    assert phone.store.patient(CHAT).skin_type == stored


async def test_fair_skin_is_stored_as_the_type_tapped(phone):
    """After "fair", tapping II stores type II and finishes the enrolment."""
    await at_health_questions(phone)
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "no")
    await phone.send(CHAT, "fair")
    replies = await phone.tap(CHAT, "II")
    assert phone.store.patient(CHAT).skin_type == "II" and shows(replies[-1].text, "enrol.summary")


@pytest.mark.parametrize("typed, tap, stored", [
    ("10-7", "22:00-07:00", ("22:00", "07:00")),
    ("from half past ten until seven", "10:30-07:00", ("10:30", "07:00")),
])
async def test_quiet_hours_from_the_morning_are_asked(phone, typed, tap, stored):
    """Quiet hours that would start in the morning ("10-7") are asked about; only the tapped reading is stored."""
    await at_health_questions(phone)
    for answer in ("no", "no", "skip", "/settings"):
        await phone.send(CHAT, answer)
    await phone.tap(CHAT, "Quiet hours")
    replies = await phone.send(CHAT, typed)
    assert shows(replies[0].text, "enrol.quiet_which") and phone.store.patient(CHAT).quiet_start is None
    await phone.tap(CHAT, tap)
    assert (phone.store.patient(CHAT).quiet_start, phone.store.patient(CHAT).quiet_end) == stored


async def test_a_reminder_time_in_words_is_read(phone):
    """ "half past seven" at the times question is the morning time 07:30, then the evening is asked."""
    await at_times_question(phone)
    replies = await phone.send(CHAT, "half past seven")
    assert said("enrol.ask_evening", morning="07:30", evening="21:00") in replies[0].text and phone.store.patient(CHAT).morning == time(7, 30)

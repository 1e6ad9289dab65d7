"""End-to-end enrolment through the real Application and the fake Bot API."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.conftest import enrol, enrol_typing, open_phone
from tests.texts import said, shows

CHAT = 1001


async def test_welcome_stores_nothing_before_consent(phone):
    """/start explains the bot and asks for consent without storing anything."""
    replies = await phone.send(CHAT, "/start")
    assert shows(replies[0].text, "enrol.welcome") and shows(replies[0].text, "enrol.welcome")
    assert replies[0].labels == [said("enrol.consent_yes"), said("enrol.consent_no")]
    assert phone.store.patient(CHAT) is None


async def test_declining_consent_stores_nothing(phone):
    """Saying no leaves no row behind and says so."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "No, thanks")
    assert shows(phone.last(CHAT).text, "enrol.declined")
    assert phone.store.patient(CHAT) is None


async def test_enrolment_with_buttons(phone):
    """Tapping through every question enrols the patient with the clinic defaults."""
    await enrol(phone)
    patient = phone.store.patient(CHAT)
    assert patient.enrolled and patient.step is None
    assert patient.treatment.treatment_date == date(2026, 11, 23)
    assert (patient.zone, patient.morning, patient.evening) == ("Europe/London", time(8), time(21))
    assert (patient.immunocompromised, patient.cold_sore_history, patient.skin_type) == ("no", "no", None)
    summary = phone.last(CHAT).text
    assert shows(summary, "enrol.summary") and "23 Nov 2026 (day 0" in summary and "08:00 and 21:00" in summary


async def test_enrolment_with_typed_answers(phone):
    """Every question also accepts the obvious typed answer."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "berlin")
    await phone.send(CHAT, "20.11.2026")
    await phone.send(CHAT, "7:30 and 19:00")
    await phone.send(CHAT, "yes")
    await phone.send(CHAT, "not sure")
    await phone.send(CHAT, "iv")
    patient = phone.store.patient(CHAT)
    assert patient.treatment.treatment_date == date(2026, 11, 20)
    assert (patient.zone, patient.morning, patient.evening) == ("Europe/Berlin", time(7, 30), time(19))
    assert (patient.immunocompromised, patient.cold_sore_history, patient.skin_type) == ("yes", "unsure", "IV")
    assert "day 3" in phone.last(CHAT).text


async def test_bad_inputs_get_hints_and_change_nothing(phone):
    """Impossible dates, unknown zones and bad times are refused with the reason; the question stays."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    assert shows((await phone.send(CHAT, "Atlantis/Lost"))[0].text, "enrol.bad_zone")
    await phone.send(CHAT, "Europe/Paris")
    assert shows((await phone.send(CHAT, "31.02.2026"))[0].text, "enrol.date_impossible")
    assert "more than 90 days ago" in (await phone.send(CHAT, "2025-01-01"))[0].text
    assert shows((await phone.send(CHAT, "2027-06-01"))[0].text, "enrol.date_too_far")
    assert phone.store.patient(CHAT).step == "enrol:date"
    await phone.send(CHAT, "yesterday")
    assert shows((await phone.send(CHAT, "25:99"))[0].text, "enrol.bad_time")
    await phone.send(CHAT, "7:00")
    assert said("enrol.evening_is_morning", morning="07:00", evening="06:00", later="18:00") in (
        await phone.send(CHAT, "6:00"))[0].text  # an evening before noon is asked
    await phone.send(CHAT, "20:30")
    assert shows((await phone.send(CHAT, "purple"))[0].text, "enrol.bad_yes_no")
    patient = phone.store.patient(CHAT)
    assert (patient.morning, patient.evening, patient.step) == (time(7), time(20, 30), "enrol:immune")


async def test_another_date_picker(phone):
    """'Another date' offers the past week as buttons."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "Use Europe/London")
    await phone.tap(CHAT, "Another date")
    await phone.tap(CHAT, "Thu 19 Nov")
    assert phone.store.patient(CHAT).draft_date == date(2026, 11, 19)


async def test_shared_location_sets_zone(phone):
    """A shared location is resolved offline to the zone at that place."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.feed(phone.telegram.message(CHAT, None, location={"latitude": 40.7128, "longitude": -74.006}))
    assert phone.store.patient(CHAT).zone == "America/New_York"


async def test_stale_and_forged_buttons_change_nothing(phone):
    """An old consent button, a tap on a past question and forged data get 'expired' and no change."""
    await enrol(phone)
    before = phone.store.patient(CHAT)
    for data in ("e1:consent:yes", "e1:date:today", "e1:skin:VI", "zz:1", "e1:date:20261301", "e1:x"):
        await phone.press(CHAT, data)
        assert shows(phone.telegram.callback_answers[-1].get("text", ""), "common.expired")
    assert phone.store.patient(CHAT) == before


async def test_restart_keeps_enrolment(settings, store, clock):
    """A new Application on the same database finds the patient enrolled."""
    first = await open_phone(settings, store, clock)
    await enrol(first)
    await first.app.shutdown()
    store.close()
    from bot.store import open_store
    reopened = open_store(settings.database_path)
    second = await open_phone(settings, reopened, clock, first.telegram)  # the same Telegram: new update ids
    replies = await second.send(CHAT, "/start")
    assert shows(replies[0].text, "enrol.already_enrolled")
    reopened.close()
    await second.app.shutdown()


async def test_new_treatment_session(phone):
    """/start when enrolled can register a new session, which becomes current."""
    await enrol(phone)
    old = phone.store.patient(CHAT).treatment
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "new treatment")
    await phone.send(CHAT, "2026-11-25")
    patient = phone.store.patient(CHAT)
    assert patient.treatment.id != old.id and patient.treatment.treatment_date == date(2026, 11, 25)
    assert shows(phone.last(CHAT).text, "enrol.new_session_started")


async def test_keep_current_session(phone):
    """Choosing to keep the session changes nothing."""
    await enrol(phone)
    before = phone.store.patient(CHAT)
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "Keep")
    assert phone.store.patient(CHAT) == before


async def test_settings_change_zone(phone):
    """/settings can change the time zone and shows the new summary."""
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    await phone.tap(CHAT, "Time zone")
    await phone.send(CHAT, "Tokyo")
    assert phone.store.patient(CHAT).zone == "Asia/Tokyo"
    assert shows(phone.last(CHAT).text, "enrol.summary_updated") and "Asia/Tokyo" in phone.last(CHAT).text


async def test_group_chats_are_refused(phone):
    """A command in a group gets a polite refusal and nothing is stored."""
    replies = await phone.send(-500, "/start", chat_type="group")
    assert said("common.group_refusal") in replies[0].text
    assert phone.store.patient(-500) is None


async def test_unknown_text_and_commands_get_a_hint(phone):
    """Text the bot cannot place and unknown commands get a short hint, never silence."""
    assert shows((await phone.send(CHAT, "hello?"))[0].text, "enrol.welcome")  # a stranger: the welcome
    assert shows((await phone.send(CHAT, "/frobnicate"))[0].text, "common.unknown_command")


async def test_resume_unfinished_enrolment(phone):
    """/start in the middle of enrolment asks the pending question again."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "Use Europe/London")
    replies = await phone.send(CHAT, "/start")
    assert said("enrol.resume_enrolment") in replies[0].text and shows(replies[1].text, "enrol.ask_date")


async def test_polling_network_blips_are_a_warning_not_an_error(phone, caplog):
    """A network error while polling (no update) is logged as one network_retry warning, without a traceback."""
    from telegram.error import NetworkError

    await phone.app.process_error(update=None, error=NetworkError("connection reset"))
    records = [r for r in caplog.records if r.name == "bot.handlers.common"]
    assert [(r.levelname, r.getMessage().split()[0]) for r in records] == [("WARNING", "network_retry")]
    assert "Traceback" not in caplog.text and "connection reset" not in caplog.text


async def test_yesterday_means_the_patients_yesterday(phone):
    """'Yesterday' is read in the patient's zone: at 07:00 Saturday in Sydney it is Friday, not London's Thursday."""
    from datetime import datetime, timezone
    phone.clock.set(datetime(2026, 10, 2, 21, 0, tzinfo=timezone.utc))  # Sat 3 Oct 07:00 Sydney, Fri 22:00 London
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "Sydney")
    await phone.send(CHAT, "yesterday")
    assert phone.store.patient(CHAT).draft_date == date(2026, 10, 2)


@pytest.mark.parametrize("typed, stored", [("iv", "IV"), ("4", "IV"), ("VI", "VI"), ("skip", None)])
async def test_skin_type_accepts_roman_numerals_digits_and_skip(phone, typed, stored):
    """The optional skin type takes I-VI, 1-6 or skip, typed."""
    await enrol_typing(phone, CHAT, skin=typed)
    patient = phone.store.patient(CHAT)
    assert patient.enrolled and patient.skin_type == stored


async def test_a_date_in_the_near_future_says_when_aftercare_starts(phone):
    """Enrolling before the treatment is allowed; the summary says when the plan starts, not a negative day."""
    await enrol_typing(phone, CHAT, treated="2026-11-26")
    summary = phone.last(CHAT).text
    assert shows(summary, "enrol.summary", date="26 Nov 2026", day=said("enrol.days_ahead", days=3)) and "day -" not in summary

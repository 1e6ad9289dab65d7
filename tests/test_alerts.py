"""Clinic alerts through the alert outbox: delivered across failures and restarts, raised again, erased, on the real
app."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr
from datetime import datetime, timedelta, timezone

import pytest

from bot.store import open_store
from bot.tools.health import healthcheck_command
from tests.conftest import START, bot_of, enrol, make_settings, start
from tests.test_doctor import run as run_doctor
from tests.texts import said, shows

A = 1001
CLINIC, ADMIN, ONCALL = -100777, 4242, 5151
UTC = timezone.utc
THROAT = "My throat is swelling and I can't breathe"
FEVER = "I have a fever and the area is hot"


def clinic_settings(tmp_path, **extra):
    return make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC), AFTERCARE_ADMIN_IDS=str(ADMIN), **extra)


@pytest.fixture
async def clinic(tmp_path, clock):
    """A bot with a clinic chat, one admin and one on-call admin, its dispatcher on virtual time."""
    settings = clinic_settings(tmp_path, AFTERCARE_ONCALL_IDS=str(ONCALL))
    async with bot_of(settings, clock) as bot:
        yield bot


async def red_flag(bot, text: str = THROAT, username: str | None = "ana_k") -> None:
    """The patient types a warning sign (from an account with ``username``)."""
    data = bot.telegram.message(A, text)
    if username:
        data["message"]["from"]["username"] = username
    await bot.phone.feed(data)


async def staff_tap(bot, chat_id: int, data: str, user_id: int = ADMIN, message_id: int | None = None) -> dict:
    """A tap from staff in ``chat_id`` (the clinic group, or an admin's private chat); returns the answer."""
    update = bot.telegram.callback(chat_id, data, user_id=user_id, first_name="Dr Lee", message_id=message_id)
    if chat_id < 0:
        update["callback_query"]["message"]["chat"]["type"] = "supergroup"
    before = len(bot.telegram.callback_answers)
    await bot.phone.feed(update)
    assert len(bot.telegram.callback_answers) == before + 1, "the tap was not answered exactly once"
    return bot.telegram.callback_answers[-1]


async def test_an_alert_that_cannot_be_sent_survives_a_restart_and_arrives_once(tmp_path, clock):
    """An alert whose sends fail is kept in the alert outbox; after the process dies and restarts it arrives, once."""
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    await enrol(bot.phone, A)
    bot.telegram.fail_next("sendMessage", "network", chat_id=CLINIC, times=20)
    await red_flag(bot)
    assert any(shows(m.text, "checkin.safety_advice_emergency", at_start=True) for m in bot.telegram.chat(A))
    assert bot.telegram.chat(CLINIC) == []
    store.close()  # killed: no shutdown, nothing flushed

    telegram = bot.telegram
    telegram.clear_failures()
    store = open_store(settings.database_path, settings.sealer())
    from tests.conftest import open_phone
    phone = await open_phone(settings, store, clock, telegram)
    try:
        await phone.run_jobs(clock.advance(timedelta(minutes=1)))
        await phone.run_jobs(clock.advance(timedelta(minutes=10)))
        posted = telegram.chat(CLINIC)
        assert len(posted) == 1, [m.text for m in posted]
        assert posted[0].text.startswith("⚠️ EMERGENCY: Ana (@ana_k), patient no. 1 (day 0)")
        assert posted[0].buttons == [[("Acknowledge", "al1:1")]]
        assert store.alerts(open_only=False)[0].number == 1
    finally:
        await phone.app.shutdown()
        store.close()


async def test_a_failing_alert_is_retried_until_delivered(clinic):
    """Rejected for a while (the bot removed from the group, say), the alert is retried until it goes out."""
    await enrol(clinic.phone, A)
    clinic.telegram.fail_next("sendMessage", "bad_request", chat_id=CLINIC, times=4)
    await red_flag(clinic)
    now = clinic.phone.clock.now()
    for minutes in (1, 2, 4, 8, 16):
        await clinic.run(now + timedelta(minutes=minutes))
    assert [m.text[:12] for m in clinic.telegram.chat(CLINIC)] == ["⚠️ EMERGENCY"]


async def test_flagged_and_the_export_show_the_patient_number(clinic):
    """/flagged lists the alert by the patient's number only (never a name erasure would leave behind); /mydata
    carries the number."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    await clinic.phone.feed(clinic.telegram.message(CLINIC, "/flagged", user_id=ADMIN, chat_type="supergroup"))
    listing = clinic.telegram.last(CLINIC).text
    assert "patient no. 1 · day 0" in listing and "Ana" not in listing and "ana_k" not in listing
    await red_flag(clinic, "/mydata")
    document = next(m for m in reversed(clinic.telegram.chat(A)) if m.kind == "document")
    export = json.loads(document.file_bytes)
    assert export["profile"]["patient_number"] == 1
    assert export["stored_rows"]["patient_refs"][0]["number"] == 1
    assert export["stored_rows"]["patient_refs"][0]["username"] == "ana_k"


async def test_acknowledging_keeps_the_alert_text(clinic):
    """An acknowledged alert keeps all of its text and says who acknowledged it, even when Telegram sends the
    tap without the message's text (an old message)."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    posted = clinic.telegram.last(CLINIC)
    original = posted.text
    assert (await staff_tap(clinic, CLINIC, "al1:1", message_id=posted.message_id)).get("text") is None
    assert posted.text == original + "\n\n✓ Acknowledged by Dr Lee"
    assert posted.buttons[0] == [("📞 Reached", "al1:1:reach"), ("📵 No answer", "al1:1:noans"),
                                 ("✅ Resolved", "al1:1:done")]  # the next steps of its life (test_alert_life.py)
    clinic.phone.clock.advance(timedelta(minutes=15))
    await red_flag(clinic, FEVER)
    assert len(clinic.store.alerts(open_only=True)) == 1
    edits = [params for method, params in clinic.telegram.calls if method == "editMessageText"]
    await staff_tap(clinic, CLINIC, "al1:2", message_id=10_000)  # Telegram gave us no text for it
    edit = [params for method, params in clinic.telegram.calls if method == "editMessageText"][len(edits)]
    assert edit["text"].startswith("⚠️ EMERGENCY: Ana (@ana_k), patient no. 1 (day 0)")
    assert said("checkin.alert_wrote", text="I have a fever and the area is hot") in edit["text"]
    assert edit["text"].endswith("✓ Acknowledged by Dr Lee")


async def test_an_unacknowledged_urgent_alert_is_raised_again_then_goes_on_call(clinic):
    """Not acknowledged after 30 minutes, an alert is posted again; 30 minutes later the on-call admin gets it."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    alerted = clinic.phone.clock.now()
    await clinic.run(alerted + timedelta(minutes=29))
    assert len(clinic.telegram.chat(CLINIC)) == 1
    await clinic.run(alerted + timedelta(minutes=31))
    again = clinic.telegram.last(CLINIC)
    assert again.text.startswith(said("alerts.reraise", minutes=30, alert=f"⚠️ {said('checkin.level_label_emergency')}: Ana"))
    assert again.buttons == [[("Acknowledge", "al1:1")]]
    assert clinic.telegram.chat(ONCALL) == []
    await clinic.run(alerted + timedelta(minutes=62))
    assert shows(clinic.telegram.last(ONCALL).text, "alerts.oncall", at_start=True)
    await staff_tap(clinic, ONCALL, "al1:1", user_id=ONCALL)
    assert clinic.store.alerts(open_only=True) == []
    await clinic.run(alerted + timedelta(hours=3))
    assert len(clinic.telegram.chat(CLINIC)) == 2 and len(clinic.telegram.chat(ONCALL)) == 1


async def test_an_acknowledged_alert_is_not_raised_again(clinic):
    """Acknowledged in time, an alert is never posted again."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    await staff_tap(clinic, CLINIC, "al1:1")
    await clinic.run(clinic.phone.clock.now() + timedelta(hours=2))
    assert len(clinic.telegram.chat(CLINIC)) == 1 and clinic.telegram.chat(ONCALL) == []


async def test_after_hours_an_alert_goes_to_on_call_instead_of_the_closed_clinic(clinic):
    """Outside the clinic's opening hours, an alert due to be raised again goes to the on-call admin."""
    clinic.phone.clock.set(START.replace(hour=19))  # London: the clinic closes at 18:00
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    await clinic.run(START.replace(hour=19, minute=31))
    assert len(clinic.telegram.chat(CLINIC)) == 1
    assert shows(clinic.telegram.last(ONCALL).text, "alerts.oncall", at_start=True)


async def test_delete_after_an_alert_erases_it_in_the_clinic_chat(clinic):
    """After /delete, the clinic's alert message says the patient erased their data, and nothing of theirs."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    posted = clinic.telegram.last(CLINIC)
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=31))  # raised again: two messages
    await clinic.phone.send(A, "/clinic")
    await clinic.phone.send(A, "Is the swelling normal?")  # relayed to the clinic chat: a third message
    assert len(clinic.telegram.chat(CLINIC)) == 3
    await clinic.phone.send(A, "/delete")
    await clinic.phone.tap(A, "Yes, erase everything")
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=32))
    erased = "🗑 Alert no. 1: the patient erased their data, so the details of this alert were removed."
    assert [m.text for m in clinic.telegram.chat(CLINIC)] == [
        erased, erased, said("alerts.erased_message")]
    assert posted.buttons == []
    assert clinic.telegram.chat(ONCALL) == []  # nothing left to raise again
    assert all(row.about is None and not row.body for row in clinic.store.outbox())


async def test_retention_erases_the_alert_in_the_clinic_chat(clinic):
    """Erasure after the retention period edits the patient's alert in the clinic chat too."""
    await enrol(clinic.phone, A)
    await red_flag(clinic)
    await staff_tap(clinic, CLINIC, "al1:1")
    clinic.phone.clock.advance(timedelta(days=200))  # past the 90-day plan and the 90-day retention period
    await clinic.phone.app.job_queue.get_jobs_by_name("retention")[0].run(clinic.phone.app)
    assert clinic.store.patient(A) is None
    await clinic.run(clinic.phone.clock.now())
    assert clinic.telegram.texts(CLINIC) == [said("alerts.erased", id=1)]


async def test_privacy_says_what_stays_in_the_clinic_chat(phone):
    """/privacy says what the clinic chat sees and what is left of it after erasure."""
    text = (await phone.send(A, "/privacy"))[0].text
    assert shows(text, "control.privacy") and shows(text, "control.privacy")


async def test_forged_buttons_and_commands_in_the_clinic_chat_change_nothing(clinic):
    """From the clinic chat, a forged enrolment button or a patient command is refused; no patient is created."""
    for data in ("e1:consent:yes", "ci1:go:0", "p1:del:yes", "s1:stop:all"):
        assert (await staff_tap(clinic, CLINIC, data))["text"] == said("common.expired")
    await clinic.phone.feed(clinic.telegram.message(CLINIC, "/start", user_id=ADMIN, chat_type="supergroup"))
    await clinic.phone.feed(clinic.telegram.message(CLINIC, "Europe/London", user_id=ADMIN, chat_type="supergroup"))
    assert clinic.store.patient(CLINIC) is None
    assert clinic.telegram.texts(CLINIC) == [
        said("alerts.clinic_only")]


@pytest.mark.parametrize("data", ["e1::", "e1:::", "al1:" + "9" * 60, "al1:", "al1:-1", "al1:1:2", "ci1::::",
                                  "ci1:go:", "ci1:go:" + "9" * 60, "p1:", "p1:del:", "ci1:1:safety:" + "x" * 40])
@pytest.mark.parametrize("chat_id", [A, CLINIC])
async def test_malformed_callback_data_is_expired_and_never_raises(clinic, caplog, data, chat_id):
    """Forged or malformed button data, from a patient or the clinic chat, is answered 'expired' and never raises."""
    await enrol(clinic.phone, A)
    answer = await staff_tap(clinic, chat_id, data, user_id=ADMIN if chat_id == CLINIC else A)
    assert answer.get("text") == said("common.expired")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_no_clinic_chat_is_a_loud_warning_in_doctor_and_healthcheck(tmp_path):
    """Without a clinic chat, `aftercare doctor` and `aftercare healthcheck` say alerts reach nobody."""
    code, lines = run_doctor({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert any("no clinic chat is set" in line and "reach nobody" in line for line in lines)
    err = io.StringIO()
    with redirect_stderr(err):
        healthcheck_command({"AFTERCARE_DATA_DIR": str(tmp_path)}, [], now=datetime(2026, 11, 23, tzinfo=UTC))
    assert "WARNING: no clinic chat is set (AFTERCARE_CLINIC_CHAT_ID): alerts about worrying check-ins reach " \
           "nobody" in err.getvalue()


def test_the_alerts_section_of_the_profile_is_read_and_written_back(tmp_path):
    """[alerts] and [hours] (re-raise minutes, opening hours per weekday) are read and kept when setup rewrites them."""
    from dataclasses import replace
    from datetime import time as wall

    from bot.clinic_profile import default_clinic_file, load_clinic, render_clinic
    from schedules.opening import OpeningHours
    profile = replace(load_clinic(default_clinic_file()), reraise_minutes=45,
                      hours=OpeningHours(((wall(8), wall(17, 30)),) * 5 + (None, None), "GB", "ENG"))
    path = tmp_path / "clinic.toml"
    path.write_text(render_clinic(profile), encoding="utf-8")
    again = load_clinic(path)
    assert again == profile
    assert again.is_open(datetime(2026, 11, 23, 17, 29, tzinfo=UTC)) and not again.is_open(
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # a Monday afternoon, a Saturday

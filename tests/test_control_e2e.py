"""End-to-end patient control, privacy and odd input through the real Application and the fake Bot API."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from bot.logs import pseudonym
from bot.handlers import control
from bot.services import SERVICES_KEY
from tests.conftest import TOKEN, enrol
from tests.texts import said, shows

CHAT = 1001


def pending(phone, chat_id=CHAT):
    return [d for d in phone.store.deliveries(chat_id) if d.state == "pending"]


def pending_kinds(phone, chat_id=CHAT):
    return {d.kind for d in pending(phone, chat_id)}


def expired(phone) -> bool:
    return "expired" in phone.telegram.callback_answers[-1].get("text", "")


@pytest.fixture
async def enrolled(phone):
    await enrol(phone)
    assert {"sunscreen", "skincare", "checkin"} <= pending_kinds(phone)
    return phone


# ---- /stop -------------------------------------------------------------------------------------

async def test_stop_offers_each_choice(enrolled):
    """/stop offers everything, sunscreen, moisturiser, check-ins, the midday sunscreen alone and a way out."""
    replies = await enrolled.send(CHAT, "/stop")
    assert replies[0].labels == ["Everything", said("control.stop_sunscreen"), said("control.stop_skincare"), said("control.stop_checkin"),
                                 said("midday.stop_only"), said("clinic.cancel_button")]


async def test_stop_sunscreen_only(enrolled):
    """Stopping sunscreen cancels those reminders only and says how to undo it."""
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Sunscreen")
    assert said("control.stopped_kind", what=said("control.kind_sunscreen")) in enrolled.last(CHAT).text
    assert "sunscreen" not in pending_kinds(enrolled) and {"skincare", "checkin"} <= pending_kinds(enrolled)
    replies = await enrolled.send(CHAT, "/stop")
    assert said("control.stop_sunscreen") not in replies[0].labels


async def test_stop_moisturiser_only(enrolled):
    """Stopping moisturiser reminders cancels the skincare kind."""
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Moisturiser")
    assert "skincare" not in pending_kinds(enrolled) and "sunscreen" in pending_kinds(enrolled)


async def test_stopping_checkins_warns_once(enrolled):
    """The first time, stopping check-ins warns that red-flag screening stops; later it just stops."""
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Check-ins")
    assert shows(enrolled.last(CHAT).text, "control.checkin_warning") and "checkin" in pending_kinds(enrolled)
    await enrolled.tap(CHAT, "Stop check-ins")
    assert said("control.stopped_kind", what=said("control.kind_checkin")) in enrolled.last(CHAT).text
    assert "checkin" not in pending_kinds(enrolled)
    await enrolled.send(CHAT, "/resume")
    await enrolled.tap(CHAT, "Yes, turn them back on")
    assert "checkin" in pending_kinds(enrolled)
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Check-ins")
    assert enrolled.last(CHAT).text == said("control.stopped_kind", what=said("control.kind_checkin"))


async def test_keep_checkins_after_warning(enrolled):
    """Choosing to keep check-ins after the warning changes nothing."""
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Check-ins")
    await enrolled.tap(CHAT, "Keep")
    assert shows(enrolled.last(CHAT).text, "control.checkin_kept") and "checkin" in pending_kinds(enrolled)


async def test_stop_everything_button(enrolled):
    """'Everything' cancels every pending delivery and mentions red-flag screening once."""
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Everything")
    assert pending(enrolled) == [] and shows(enrolled.last(CHAT).text, "control.checkin_note")
    assert shows((await enrolled.send(CHAT, "/stop"))[0].text, "control.all_already_off")


async def test_never_mind_changes_nothing(enrolled):
    """'Never mind' leaves everything on."""
    before = len(pending(enrolled))
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Never mind")
    assert enrolled.last(CHAT).text == said("control.stop_cancelled") and len(pending(enrolled)) == before


@pytest.mark.parametrize("typed", ["STOP", "stop", "  Stop  ", "unsubscribe", "Stop all", "STOP ALL!"])
async def test_typed_stop_stops_everything_without_questions(enrolled, typed):
    """A typed STOP, stop, unsubscribe or 'stop all' stops everything at once, no buttons."""
    replies = await enrolled.send(CHAT, typed)
    assert len(replies) == 1 and not replies[0].buttons
    assert shows(replies[0].text, "control.stopped_all") and pending(enrolled) == []


async def test_typed_stop_when_not_enrolled(phone):
    """A typed STOP from a stranger stores nothing and says nothing will be sent."""
    replies = await phone.send(CHAT, "STOP")
    assert shows(replies[0].text, "control.nothing_to_stop") and phone.store.patient(CHAT) is None


async def test_typed_stop_abandons_enrolment(phone):
    """A typed STOP in the middle of enrolment ends it instead of being read as an answer."""
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    await phone.send(CHAT, "stop")
    assert phone.store.patient(CHAT).step is None


async def test_double_tap_and_forged_buttons_change_nothing(enrolled):
    """A second tap on a used stop button and forged c1 data get 'expired' and no change."""
    await enrolled.send(CHAT, "/stop")
    message = enrolled.last(CHAT)
    data = message.data_for("Sunscreen")
    await enrolled.tap(CHAT, "Sunscreen")
    before = enrolled.store.export_patient(CHAT)
    await enrolled.feed(enrolled.telegram.callback(CHAT, data, message_id=message.message_id))
    assert expired(enrolled)
    for forged in ("c1:stop:everything", "c1:pause:2", "c1:pause:-1", "p1:del:maybe", "c1", "c1:stop",
                   "c2:stop:all", "c1:stop:all:x", "c1:resume:yes", "c1:stopck:yes:1"):
        await enrolled.press(CHAT, forged)
        assert expired(enrolled), forged
    assert enrolled.store.export_patient(CHAT) == before


# ---- /pause and /resume ----------------------------------------------------------------------------

async def test_pause_with_days_and_resume_without_flood(enrolled):
    """/pause 3 holds everything for three days; /resume re-plans from now and never sends what was missed."""
    reply = (await enrolled.send(CHAT, "/pause 3"))[0].text
    assert "Paused until Thu 26 Nov, 09:00" in reply
    until = enrolled.clock.now() + timedelta(days=3)
    assert pending(enrolled) and all(d.due_at >= until for d in pending(enrolled))
    assert shows((await enrolled.send(CHAT, "/pause"))[0].text, "control.already_paused")
    enrolled.clock.advance(timedelta(days=1, hours=3))
    assert shows((await enrolled.send(CHAT, "/resume"))[0].text, "control.unpaused")
    now = enrolled.clock.now()
    rows = pending(enrolled)
    assert rows and all(d.due_at > now for d in rows)
    assert any(d.due_at < until for d in rows)  # the rest of the pause window is planned again
    assert shows((await enrolled.send(CHAT, "/resume"))[0].text, "rhythm_truth.resume_all_on")


async def test_pause_buttons(enrolled):
    """/pause without a number offers 1, 3 and 7 days; a second tap is expired."""
    replies = await enrolled.send(CHAT, "/pause")
    assert replies[0].labels == ["1 day", "3 days", "7 days"]
    await enrolled.tap(CHAT, "7 days")
    assert "Paused until Mon 30 Nov" in enrolled.last(CHAT).text
    await enrolled.press(CHAT, "c1:pause:1")
    assert expired(enrolled)
    assert enrolled.store.preferences(CHAT).paused_until == enrolled.clock.now() + timedelta(days=7)


@pytest.mark.parametrize("args", ["0", "31", "three", "-2", "3 4", "٣"])
async def test_pause_rejects_bad_days(enrolled, args):
    """A /pause argument that is not 1 to 30 days is refused with an example."""
    replies = await enrolled.send(CHAT, f"/pause {args}")
    assert "from 1 to 30" in replies[0].text and enrolled.store.preferences(CHAT).paused_until is None


async def test_a_new_pause_replaces_the_old_one(enrolled):
    """/pause 1 during a 7-day pause shortens it, and what it no longer covers is planned again."""
    await enrolled.send(CHAT, "/pause 7")
    await enrolled.send(CHAT, "/pause 1")
    until = enrolled.clock.now() + timedelta(days=1)
    assert enrolled.store.preferences(CHAT).paused_until == until
    assert min(d.due_at for d in pending(enrolled)) < until + timedelta(days=1)


async def test_pause_ends_by_itself(enrolled):
    """After a pause ends, later reminders are still pending: nothing has to wake it up."""
    await enrolled.send(CHAT, "/pause 1")
    later = enrolled.clock.now() + timedelta(days=2)
    assert any(d.due_at > later for d in pending(enrolled))
    assert enrolled.store.muted_kinds(CHAT, later) == set()


async def test_control_commands_when_not_enrolled(phone):
    """/stop, /pause and /resume from a stranger explain and store nothing."""
    assert shows((await phone.send(CHAT, "/stop"))[0].text, "control.nothing_to_stop")
    assert shows((await phone.send(CHAT, "/pause 3"))[0].text, "common.not_enrolled")
    assert shows((await phone.send(CHAT, "/resume"))[0].text, "common.not_enrolled")
    assert phone.store.patient(CHAT) is None


async def test_settings_summary_shows_on_and_off(enrolled):
    """control_summary lists each kind on or off, and a pause."""
    svc = enrolled.app.bot_data[SERVICES_KEY]
    await enrolled.send(CHAT, "/stop")
    await enrolled.tap(CHAT, "Sunscreen")
    await enrolled.send(CHAT, "/pause 2")
    summary = control.control_summary(svc, CHAT, enrolled.clock.now())
    assert summary == said("control.summary", sunscreen=said("control.summary_off"), skincare=said("control.summary_on"),
                           checkin=said("control.summary_on"),  # and the pause on a line of its own
                           pause_line="\n" + said("control.summary_paused", until="Wed 25 Nov, 09:00"))
    assert control.control_summary(svc, 777, enrolled.clock.now()) == ""


# ---- privacy ---------------------------------------------------------------------------------

async def test_privacy_explains_storage(phone):
    """/privacy says what, why, how long, who sees it and how to delete it."""
    text = (await phone.send(CHAT, "/privacy"))[0].text
    for part in ("What I keep", "90 days", "sees an alert only", "/delete", "/mydata"):
        assert part in text


async def test_mydata_sends_json_document(enrolled, tmp_path):
    """/mydata sends a JSON document that also holds every stored row, and writes no file."""
    files_before = set(tmp_path.rglob("*"))
    sent = (await enrolled.send(CHAT, "/mydata"))[0]
    assert sent.kind == "document" and sent.file_name == "aftercare-data.json"
    data = json.loads(sent.file_bytes)
    assert data["stored_rows"]["patients"][0]["chat_id"] == CHAT
    assert data["stored_rows"]["deliveries"] and "treatments" in data["stored_rows"]
    assert set(tmp_path.rglob("*")) == files_before


async def test_mydata_with_nothing_stored(phone):
    """/mydata from a stranger says nothing is stored."""
    assert shows((await phone.send(CHAT, "/mydata"))[0].text, "control.mydata_none")


async def test_delete_after_confirmation(enrolled):
    """/delete asks first, then erases every row, says so, and /start begins from scratch."""
    replies = await enrolled.send(CHAT, "/delete")
    assert shows(replies[0].text, "control.ask_delete")
    await enrolled.tap(CHAT, "Yes, erase")
    assert enrolled.last(CHAT).text == said("control.deleted")
    assert all(rows == [] for rows in enrolled.store.export_patient(CHAT).values())
    await enrolled.press(CHAT, "p1:del:yes")
    assert expired(enrolled)
    replies = await enrolled.send(CHAT, "/start")
    assert shows(replies[0].text, "enrol.welcome")


async def test_delete_declined_keeps_everything(enrolled):
    """Saying no to /delete keeps every row."""
    before = enrolled.store.export_patient(CHAT)
    await enrolled.send(CHAT, "/delete")
    await enrolled.tap(CHAT, "No, keep")
    assert shows(enrolled.last(CHAT).text, "control.delete_kept")
    assert enrolled.store.export_patient(CHAT) == before


async def test_delete_with_nothing_stored(phone):
    """/delete from a stranger says there's nothing to erase."""
    assert shows((await phone.send(CHAT, "/delete"))[0].text, "control.delete_none")


async def test_retention_job_erases_finished_plans(enrolled, caplog):
    """The daily job erases a plan's data after the retention period and logs the chat id only."""
    await enrol(enrolled, chat_id=2002)
    jobs = enrolled.app.job_queue.get_jobs_by_name("retention")
    assert len(jobs) == 1
    enrolled.clock.advance(timedelta(days=100))
    await jobs[0].run(enrolled.app)
    assert enrolled.store.patient(CHAT) is not None
    enrolled.clock.advance(timedelta(days=90))  # past the 90-day plan and the retention period
    with caplog.at_level(logging.INFO):
        await jobs[0].run(enrolled.app)
    assert enrolled.store.patient(CHAT) is None and enrolled.store.patient(2002) is None
    assert f"erased chat={pseudonym(CHAT)} reason=retention" in caplog.text and "Ana" not in caplog.text


# ---- Telegram's realities --------------------------------------------------------------------

async def test_block_cancels_and_start_offers_resume(enrolled):
    """Blocking cancels everything pending; unblocking waits for /start, which offers to resume."""
    await enrolled.feed(enrolled.telegram.member_status(CHAT, "kicked"))
    assert not enrolled.store.patient(CHAT).reachable and pending(enrolled) == []
    sent_before = enrolled.telegram.sent_count()
    await enrolled.feed(enrolled.telegram.member_status(CHAT, "member"))
    assert enrolled.telegram.sent_count() == sent_before and not enrolled.store.patient(CHAT).reachable
    enrolled.clock.advance(timedelta(days=2))
    replies = await enrolled.send(CHAT, "/start")
    assert shows(replies[0].text, "control.welcome_back") and replies[0].labels == [said("control.welcome_back_yes"), said("control.welcome_back_no")]
    await enrolled.tap(CHAT, "Yes, resume")
    rows = pending(enrolled)
    assert enrolled.store.patient(CHAT).reachable and rows
    assert all(d.due_at > enrolled.clock.now() for d in rows)
    await enrolled.press(CHAT, "c1:resume:yes")
    assert expired(enrolled)


async def test_declining_resume_keeps_quiet(enrolled):
    """'Not now' after unblocking keeps everything off until /resume."""
    await enrolled.feed(enrolled.telegram.member_status(CHAT, "kicked"))
    await enrolled.send(CHAT, "/start")
    await enrolled.tap(CHAT, "Not now")
    assert shows(enrolled.last(CHAT).text, "control.resume_declined")
    assert enrolled.store.patient(CHAT).reachable and pending(enrolled) == []
    await enrolled.send(CHAT, "/resume")
    await enrolled.tap(CHAT, "Yes, turn them back on")
    assert pending(enrolled)


async def test_block_by_a_stranger_stores_nothing(phone):
    """A block from a chat with no patient stores nothing."""
    await phone.feed(phone.telegram.member_status(CHAT, "kicked"))
    assert phone.store.patient(CHAT) is None


async def test_edited_message_changes_nothing(enrolled):
    """An edited message gets a short note and is not read as a new answer."""
    before = enrolled.store.export_patient(CHAT)
    update = enrolled.telegram.message(CHAT, "STOP")
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = 1
    await enrolled.feed(update)
    assert shows(enrolled.last(CHAT).text, "control.edited")
    assert enrolled.store.export_patient(CHAT) == before


@pytest.mark.parametrize("extra, expected", [
    ({"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                  "is_video": False, "type": "regular"}}, "only read text"),
    ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}, "can't look at photos"),
    ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}}, "only read text"),
    ({"document": {"file_id": "d", "file_unique_id": "d"}}, "only read text"),
])
async def test_media_gets_a_short_kind_answer(enrolled, extra, expected):
    """Stickers, photos, voice notes and documents get a short answer and nothing is stored."""
    before = enrolled.store.export_patient(CHAT)
    replies = await enrolled.send(CHAT, None, **extra)
    assert len(replies) == 1 and expected in replies[0].text
    assert enrolled.store.export_patient(CHAT) == before


async def test_location_outside_enrolment_is_ignored(enrolled):
    """A location sent outside the zone question is ignored on purpose and not stored."""
    before = enrolled.store.export_patient(CHAT)
    replies = await enrolled.send(CHAT, None, location={"latitude": 51.5, "longitude": -0.1})
    assert replies == [] and enrolled.store.export_patient(CHAT) == before


async def test_very_long_text_gets_a_kind_answer(enrolled):
    """A very long message gets a short note, not an error or a parse attempt."""
    replies = await enrolled.send(CHAT, "my skin " * 500)
    assert len(replies) == 1 and shows(replies[0].text, "control.too_long")


# ---- security --------------------------------------------------------------------------------

async def test_token_never_logged_after_a_failure(enrolled, caplog):
    """After failing sends, no captured log line contains the bot token."""
    caplog.set_level(logging.DEBUG)
    for kind in ("network", "bad_request", "forbidden", "timeout"):
        enrolled.telegram.fail_next("sendMessage", kind, chat_id=CHAT)
        await enrolled.send(CHAT, "/privacy")
    assert "failed" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


async def test_patient_words_never_logged(enrolled, caplog):
    """When handling a patient's message fails, the log holds ids and the error type, not their words."""
    caplog.set_level(logging.DEBUG)
    phrase = "purple zebra rash behind my left ear"
    enrolled.telegram.fail_next("sendMessage", "bad_request", chat_id=CHAT)
    await enrolled.send(CHAT, phrase)
    enrolled.telegram.fail_next("sendMessage", "network", chat_id=CHAT)
    await enrolled.send(CHAT, "STOP " + phrase)
    assert "failed" in caplog.text and "BadRequest" in caplog.text
    assert "purple zebra" not in caplog.text

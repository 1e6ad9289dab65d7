"""The clinic staff's side as a nurse in the staff group meets it: every action gets a clear answer, and staff
never think a reply reached a patient when it did not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conftest import bot_of, clinic_settings, enrol, make_settings
from tests.texts import said, shows

A, B = 1001, 1002
CLINIC, ADMIN, NURSE, ONCALL = -100777, 4242, 7, 5151  # the nurse is on the profile's staff list
STRANGER = 6060  # a member of the clinic group on neither list
THROAT = "My throat is swelling and I can't breathe"


@pytest.fixture
async def clinic(tmp_path, clock):
    """A bot with a clinic chat, one admin, one nurse on the staff list and one on-call admin, its dispatcher on
    virtual time."""
    settings = clinic_settings(tmp_path, AFTERCARE_ONCALL_IDS=str(ONCALL))
    async with bot_of(settings, clock) as bot:
        yield bot


def posted(bot, start: str):
    """The newest message in the clinic chat that starts with ``start``."""
    return next(m for m in reversed(bot.telegram.chat(CLINIC)) if m.text.startswith(start))


async def staff_reply(bot, to, text: str | None = "ok", **media) -> list:
    """A nurse replies in the clinic chat to the bot's message ``to`` (text, or media fields); returns what the
    bot then posted in the clinic chat."""
    update = bot.telegram.reply(CLINIC, text or "", to, user_id=NURSE)
    if text is None:
        update["message"].pop("text")
        update["message"].update(media)
    before = len(bot.telegram.chat(CLINIC))
    await bot.phone.feed(update)
    return bot.telegram.chat(CLINIC)[before:]


async def relayed(bot, text: str = "Is peeling normal?"):
    await bot.phone.send(A, "/clinic")
    await bot.phone.send(A, text)
    return posted(bot, "✉️ Message from")


PHOTO = {"photo": [{"file_id": "AgADstaff", "file_unique_id": "u1", "width": 90, "height": 90}],
         "caption": "Like this?"}
STICKER = {"sticker": {"file_id": "CAADsticker", "file_unique_id": "s1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}


@pytest.mark.parametrize("media", [PHOTO, STICKER], ids=["photo", "sticker"])
async def test_a_reply_that_is_not_text_is_answered_not_sent(clinic, media):
    """A photo or a sticker as the reply to a patient's message reaches nobody, and staff are told so."""
    await enrol(clinic.phone, A)
    message = await relayed(clinic)
    before = len(clinic.telegram.chat(A))
    answer = await staff_reply(clinic, message, None, **media)
    assert [m.text for m in answer] == [said("clinic.reply_not_text", reference=said("alerts.who", name="Ana", number=1))]
    assert clinic.telegram.chat(A)[before:] == []


async def test_a_reply_to_a_raised_again_alert_reaches_the_patient(clinic):
    """The re-raised alert names the patient, so a reply to it reaches them like a reply to the alert."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=31))
    again = posted(clinic, "🔁 Not acknowledged")
    answer = await staff_reply(clinic, again, "We are calling you now.")
    assert clinic.telegram.last(A).text == "From Example Skin Clinic: We are calling you now."
    assert [m.text for m in answer] == ["✓ Sent to Ana, patient no. 1."]


async def test_a_reply_about_an_erased_patient_says_it_was_not_sent(clinic):
    """After the patient erased their data, a reply to their message says plainly that it was not sent."""
    await enrol(clinic.phone, A)
    message = await relayed(clinic)
    await clinic.phone.send(A, "/delete")
    await clinic.phone.tap(A, "Yes, erase everything")
    before = len(clinic.telegram.chat(A))
    answer = await staff_reply(clinic, message, "Yes, that's normal.")
    assert shows(answer[0].text, "clinic.reply_unknown", at_start=True)
    assert clinic.telegram.chat(A)[before:] == []


async def staff_tap(bot, chat_id: int, message, user_id: int, first_name: str) -> dict:
    """A tap on ``message``'s Acknowledge button by ``user_id``; returns the answer to the tap."""
    update = bot.telegram.callback(chat_id, message.data_for("Acknowledge"), message_id=message.message_id,
                                   user_id=user_id, first_name=first_name)
    if chat_id < 0:
        update["callback_query"]["message"]["chat"]["type"] = "supergroup"
    await bot.phone.feed(update)
    return bot.telegram.callback_answers[-1]


async def test_acknowledging_one_copy_marks_every_copy(clinic):
    """Acknowledged on its re-raise, the first post loses its button too; acknowledged by the on-call admin in
    private, the clinic chat's copies say who acknowledged it."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    first = posted(clinic, "⚠️ EMERGENCY")
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=31))
    again = posted(clinic, "🔁 Not acknowledged")
    await staff_tap(clinic, CLINIC, again, ADMIN, "Dr Lee")
    assert first.text.endswith("✓ Acknowledged by Dr Lee") and first.buttons[0][0][1] == "al1:1:reach"  # next steps
    assert again.buttons == [] and again.text.endswith("✓ Acknowledged by Dr Lee")

    clinic.phone.clock.advance(timedelta(hours=1))
    await clinic.phone.send(A, "I have a fever and the area is hot")
    start = clinic.phone.clock.now()
    await clinic.run(start + timedelta(minutes=31))
    await clinic.run(start + timedelta(minutes=62))
    copies = [m for m in clinic.telegram.chat(CLINIC) if m.buttons and m.buttons[0][0][0] == "Acknowledge"]
    assert len(copies) == 2  # the second alert and its re-raise, both still open
    await staff_tap(clinic, ONCALL, clinic.telegram.last(ONCALL), ONCALL, "Olly")
    assert all(m.text.endswith("✓ Acknowledged by Olly") for m in copies)
    assert [m.buttons != [] for m in copies] == [True, False]  # the next steps on the first post only
    assert clinic.store.alerts(open_only=True) == []


async def flagged(bot, user_id: int = ADMIN) -> list:
    """/flagged sent in the clinic chat by ``user_id``; returns the bot's answers there."""
    before = len(bot.telegram.chat(CLINIC))
    await bot.phone.feed(bot.telegram.message(CLINIC, "/flagged", user_id=user_id, chat_type="supergroup"))
    return bot.telegram.chat(CLINIC)[before:]


async def test_flagged_says_who_why_and_how_long_ago(clinic):
    """Each open flag in /flagged names its level, how long ago it was raised, the patient's number, and why."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT, username="ana_k")
    clinic.phone.clock.advance(timedelta(hours=2, minutes=5))
    [listed] = await flagged(clinic)
    assert listed.text == ("Flags not resolved yet (1), by state, newest first:\n\nOpen (1):\n\n#1 EMERGENCY · 2 h 5 min ago\n"
                           "patient no. 1 · day 0\nWhy: E4 (tongue throat swelling, breathing difficulty)")


async def test_flagged_with_many_open_alerts_counts_them_all_and_fits_telegram(clinic):
    """Sixty open flags: the count is true, the newest are listed, and no message is over Telegram's limit."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    verdict_id = clinic.store.db.execute("SELECT verdict_id FROM alerts").fetchone()[0]
    for _ in range(59):
        clinic.store.raise_alert(A, verdict_id, "emergency", clinic.phone.clock.now(), "E4")
    listed = await flagged(clinic)
    assert listed[0].text.startswith("Flags not resolved yet (60), by state, newest first:\n\nOpen (60):\n\n#60 EMERGENCY")
    assert all(len(m.text) <= 4096 for m in listed)
    assert listed[-1].text.endswith(said("checkin.flagged_more", count=30))


async def test_a_nurse_who_is_not_an_admin_is_told_who_may(clinic):
    """In the clinic chat, a nurse who is not an admin is told that /flagged is for admins; a member who is on
    neither list is told that Acknowledge is for the clinic team, and the alert stays open."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    [refusal] = await flagged(clinic, user_id=NURSE)
    assert shows(refusal.text, "alerts.admins_only_flagged", at_start=True)
    answer = await staff_tap(clinic, CLINIC, posted(clinic, "⚠️ EMERGENCY"), STRANGER, "Max")
    assert shows(answer["text"], "alerts.admins_only_ack", at_start=True)
    assert len(clinic.store.alerts(open_only=True)) == 1


async def test_an_acknowledgement_whose_edit_fails_still_reaches_the_patient(clinic, caplog):
    """Telegram refusing the edit of the tapped alert (deleted, too old) still lets the patient hear that a person
    has seen it, and nothing fails."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    clinic.telegram.fail_next("editMessageText", "bad_request", chat_id=CLINIC)
    await staff_tap(clinic, CLINIC, posted(clinic, "⚠️ EMERGENCY"), ADMIN, "Dr Lee")
    assert shows(clinic.telegram.last(A).text, "clinic.acknowledged_emergency", at_start=True)
    assert clinic.store.alerts(open_only=True) == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_an_on_call_reply_in_private_is_answered_not_sent(clinic):
    """The on-call admin replying to the alert copy in private is told it did not reach the patient (not greeted
    as a new patient, nor read as a check-in of their own)."""
    await enrol(clinic.phone, A)
    await clinic.phone.send(A, THROAT)
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=31))
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=62))
    copy = clinic.telegram.last(ONCALL)
    before = len(clinic.telegram.chat(A))
    update = clinic.telegram.reply(ONCALL, "Calling her now, throat swelling noted", copy, user_id=ONCALL)
    update["message"]["chat"] = {"id": ONCALL, "type": "private", "first_name": "Olly"}
    await clinic.phone.feed(update)
    assert shows(clinic.telegram.last(ONCALL).text, "alerts.oncall_reply_not_sent", at_start=True)
    assert clinic.telegram.chat(A)[before:] == [] and clinic.store.patient(ONCALL) is None
    answer = await clinic.phone.send(ONCALL, "/start", user_id=ONCALL)  # otherwise the chat is as anyone's
    assert shows(answer[0].text, "enrol.welcome", at_start=True)

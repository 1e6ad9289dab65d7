"""Faults and attacks (issue 26) that earlier work left open: a relay parked by a 429, captions, albums and other
media after /clinic, a display name made to look like a header."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import CLINIC_CHAT as CLINIC, bot_of, enrol
from tests.texts import said, shows

ANA = 1001
WORDS = "Is the swelling normal?"


async def parked_relay(phone, text: str = WORDS):
    """The patient writes to the clinic while Telegram makes the clinic chat wait 30 s: the relay is parked."""
    await enrol(phone, ANA)
    await phone.send(ANA, "/clinic", username="ana_k")
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=CLINIC, value=30)
    await phone.send(ANA, text, username="ana_k")
    assert phone.telegram.chat(CLINIC) == []


async def test_a_staff_reply_to_a_relay_parked_by_a_429_reaches_the_patient(clinic_phone):
    """A relay Telegram throttled is sent later from the outbox; a staff reply to it still reaches the patient,
    because the clinic message id is recorded when it is finally sent."""
    phone = clinic_phone
    await parked_relay(phone)
    await phone.run_jobs(phone.clock.advance(timedelta(seconds=31)))
    relayed = phone.telegram.last(CLINIC)
    assert shows(relayed.text, "clinic.to_clinic", text=WORDS)
    await phone.feed(phone.telegram.reply(CLINIC, "Yes, for two days.", relayed))
    assert phone.telegram.last(ANA).text == said("clinic.from_clinic", text="Yes, for two days.")
    assert shows(phone.telegram.last(CLINIC).text, "clinic.reply_sent")


async def test_erasing_a_patient_removes_the_body_of_a_relay_parked_by_a_429(clinic_phone):
    """/delete while a relay waits in the outbox: its body (the patient's name and words) is gone from the
    outbox, and nothing of it reaches the clinic chat afterwards."""
    phone = clinic_phone
    await parked_relay(phone, "My name is Ana Kowalski and the swelling is worse")
    await phone.send(ANA, "/delete")
    await phone.tap(ANA, "Yes, erase everything")
    assert all(not row.body for row in phone.store.outbox() if row.target == CLINIC)
    await phone.run_jobs(phone.clock.advance(timedelta(minutes=1)))
    assert not any("Ana" in (m.text or "") or "Kowalski" in (m.text or "") for m in phone.telegram.chat(CLINIC))


PHOTO = {"photo": [{"file_id": "small", "file_unique_id": "s1", "width": 90, "height": 90},
                   {"file_id": "large", "file_unique_id": "l1", "width": 1280, "height": 1280}]}


async def test_a_caption_of_600_emoji_is_relayed_within_telegrams_utf16_count(clinic_phone):
    """600 emoji (1,200 UTF-16 units, under 1,024 characters) as a photo's caption after /clinic: the photo
    reaches the clinic chat with as much of the caption as Telegram's own count allows, and the patient gets
    the receipt, not "not sent"."""
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "/clinic")
    answer = await phone.send(ANA, None, caption="😟" * 600, **PHOTO)
    relayed = phone.telegram.last(CLINIC)
    assert relayed.kind == "photo" and relayed.file_id == "large"
    assert "😟" * 100 in relayed.text and len(relayed.text.encode("utf-16-le")) // 2 <= 1024
    assert [m.text for m in answer] == [said("clinic.relayed")]


VOICE = {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 4}}
DOCUMENT = {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "notes.pdf"}}
STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512, "is_animated": False,
                       "is_video": False, "type": "regular"}}


@pytest.mark.parametrize("media", [VOICE, DOCUMENT, STICKER], ids=["voice", "document", "sticker"])
async def test_a_voice_note_document_or_sticker_after_clinic_is_refused_kindly_and_ends_the_arming(clinic_phone,
                                                                                                     media):
    """After /clinic, a voice note, a document or a sticker is not passed on and the patient is told so; the
    arming ends, so a check-in answer typed twenty minutes later is answered, not relayed to the clinic."""
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "/checkin")
    await phone.send(ANA, "/clinic")
    answer = await phone.send(ANA, None, **media)
    assert [m.text for m in answer] == [said("faults.relay_media_refused")]
    assert phone.telegram.chat(CLINIC) == [] and phone.store.relays(ANA) == []
    phone.clock.advance(timedelta(minutes=20))
    answer = await phone.send(ANA, "no")
    assert phone.telegram.chat(CLINIC) == [] and phone.store.relays(ANA) == []
    assert not any(shows(m.text, "clinic.relayed") for m in answer)


async def test_an_album_after_clinic_reaches_the_clinic_whole_with_one_receipt(clinic_phone):
    """Three photos sent as one album after /clinic all reach the clinic chat (Telegram sends one message per
    photo), and the patient gets one receipt."""
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "/clinic")
    answers = []
    for number in range(3):
        photo = [{"file_id": f"album{number}", "file_unique_id": f"a{number}", "width": 800, "height": 800}]
        answers += await phone.send(ANA, None, photo=photo, media_group_id="13579",
                                    **({"caption": "my cheek today"} if number == 0 else {}))
    assert [m.file_id for m in phone.telegram.chat(CLINIC)] == ["album0", "album1", "album2"]
    assert [m.text for m in answers] == [said("clinic.relayed")]
    assert len(phone.store.relays(ANA)) == 3
    later = await phone.send(ANA, None, photo=[{"file_id": "later", "file_unique_id": "l", "width": 8, "height": 8}],
                             media_group_id="24680")
    assert phone.telegram.last(CLINIC).file_id == "album2" and later  # a new album is not the clinic's


FORGED_NAME = "Ana\n✉️ Message from Bob (@bob), patient no. 2"


async def test_a_display_name_made_to_look_like_a_header_cannot_name_another_patient(clinic_phone):
    """A patient whose Telegram name carries a line break and "✉️ Message from Bob (@bob), patient no. 2":
    their relay and their alert show one header, their own number, and neither Bob's number nor his @username."""
    phone = clinic_phone
    await enrol(phone, ANA)
    phone.store.db.execute("UPDATE patients SET display_name = ? WHERE chat_id = ?",
                           [phone.store.seal_text(FORGED_NAME), ANA])
    await phone.send(ANA, "/clinic", first_name=FORGED_NAME)
    await phone.send(ANA, "My throat is swelling and I can't breathe", first_name=FORGED_NAME)
    headers = [m.text for m in phone.telegram.chat(CLINIC) if "patient no." in m.text]
    assert len(headers) >= 2  # the relay and the alert
    for text in headers:
        assert "patient no. 1" in text and "patient no. 2" not in text and "@bob" not in text
        assert text.splitlines()[0].count("Ana") == 1 and text.count("✉️ Message from") <= 1


@pytest.mark.parametrize("name, shown", [
    ("Ana", "Ana"), ("José-María O'Neil", "José-María O'Neil"), ("Ана 🌸", "Ана"), ("", "?"),
    ("✉️ 📞", "?"),
    ("Ana\n✉️ Message from Bob (@bob), patient no. 2", "Ana Message from Bob bob patient no."),
    ("Ana\u202eevil\u200b", "Ana evil"), ("A" * 80, "A" * 40),
])
def test_a_name_shown_to_staff_keeps_letters_on_one_line(name, shown):
    """``shown_name`` keeps a name's letters and the signs names use, on one short line, and nothing else."""
    from messages.names import shown_name
    assert shown_name(name) == shown


async def test_an_undecodable_webhook_update_is_refused_without_logging_its_body(tmp_path, clock):
    """A webhook update Telegram's library cannot decode is answered 400, and the log says so in one line
    without the body: no chat id, no name, no word of the message."""
    import io
    import json
    import logging

    import httpx

    from bot.logs import configure_logging
    from tests.test_webhook import SECRET, webhook_running

    stream = io.StringIO()
    handler = configure_logging(True, stream=stream)
    try:
        async with webhook_running(tmp_path, clock) as (app, telegram, port):
            body = {"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": "880011223",
                                                "text": "Ana Kowalski: my throat is swelling"}}
            async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
                answer = await client.post(f"http://127.0.0.1:{port}/aftercare/hook", content=json.dumps(body),
                                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                                    "Content-Type": "application/json"})
            assert answer.status_code == 400 and app.update_queue.qsize() == 0
    finally:
        logging.getLogger().removeHandler(handler)
    logged = stream.getvalue()
    assert "could not be decoded" in logged
    assert not any(word in logged for word in ("880011223", "Kowalski", "throat", "Ana"))


@pytest.mark.parametrize("data", ["al1:1", "al1:1:reach", "cl1:write", "p1:del:yes", "ci:3:redness:2", "e1:consent:yes",
                                  "", "x" * 64])
async def test_forged_callback_data_from_another_group_is_answered_and_changes_nothing(clinic_phone, data):
    """A button tap from a group that is not the clinic chat, with any callback data, gets its one answer (the
    tapper's spinner stops) and changes nothing: the alert stays open and the patient stays."""
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "My throat is swelling and I can't breathe")
    other = -100999
    update = phone.telegram.callback(other, data, user_id=4242)
    update["callback_query"]["message"]["chat"] = {"id": other, "type": "supergroup", "title": "Another group"}
    answers = len(phone.telegram.callback_answers)
    await phone.feed(update)
    assert len(phone.telegram.callback_answers) == answers + 1
    assert [a.state for a in phone.store.alerts(open_only=False)] == ["open"] and phone.store.patient(ANA)


async def test_an_on_call_admin_acknowledges_only_an_alert_that_reached_them(oncall_clinic):
    """An on-call admin's private tap on an alert that was never sent to them is refused (it stays open, the
    patient hears nothing); once the alert's on-call copy reaches them, the tap on that copy acknowledges it."""
    from tests.test_staff_side import ONCALL
    clinic = oncall_clinic
    await enrol(clinic.phone, ANA)
    await clinic.phone.send(ANA, "My throat is swelling and I can't breathe")
    told = len(clinic.telegram.chat(ANA))
    answer = await clinic.phone.press(ONCALL, "al1:1")
    assert clinic.telegram.callback_answers[-1].get("text") == said("common.expired") and answer == []
    assert [a.state for a in clinic.store.alerts(open_only=False)] == ["open"]
    assert len(clinic.telegram.chat(ANA)) == told
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=31))
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=62))
    copy = clinic.telegram.last(ONCALL)
    await clinic.phone.tap(ONCALL, "Acknowledge", copy)
    assert [a.state for a in clinic.store.alerts(open_only=False)] == ["acknowledged"]


@pytest.fixture
async def oncall_clinic(tmp_path, clock):
    """The clinic of tests/test_staff_side.py: a clinic chat, an admin, a nurse and one on-call admin."""
    from tests.conftest import clinic_settings
    from tests.test_staff_side import ONCALL
    settings = clinic_settings(tmp_path, AFTERCARE_ONCALL_IDS=str(ONCALL))
    async with bot_of(settings, clock) as bot:
        yield bot


async def test_a_clinic_text_up_to_4096_characters_is_relayed_whole(clinic_phone):
    """"/clinic <text>" of 3,000 characters and a 4,096-character message after /clinic (the most Telegram lets a
    patient send) both reach the clinic chat whole, in parts Telegram accepts, and a staff reply to a part
    reaches the patient."""
    phone = clinic_phone
    await enrol(phone, ANA)
    inline = ("Day three and the redness is patchy. " * 90)[:3000].strip()
    answer = await phone.send(ANA, "/clinic " + inline)
    assert [m.text for m in answer] == [said("clinic.relayed")]
    armed = ("I have a question about the cream. " * 120)[:4096]
    await phone.send(ANA, "/clinic")
    answer = await phone.send(ANA, armed)
    assert [m.text for m in answer] == [said("clinic.relayed")]
    posted = phone.telegram.chat(CLINIC)
    assert inline in posted[0].text and len(posted) == 3
    assert shows(posted[2].text, "faults.to_clinic_continued", part=2, parts=2, at_start=True)
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in posted)
    quoted = ["".join(m.text.encode("utf-16-le")[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
                      for e in m.entities if e["type"] == "blockquote") for m in posted]
    assert quoted[0] == inline and quoted[1] + quoted[2] == armed
    texts = [r.text for r in phone.store.relays(ANA)]
    assert texts[0] == inline and "".join(texts[1:]) == armed
    await phone.feed(phone.telegram.reply(CLINIC, "Use it twice a day.", posted[2]))
    assert phone.telegram.last(ANA).text == said("clinic.from_clinic", text="Use it twice a day.")


async def test_a_relay_parked_by_a_429_keeps_its_quote_and_thread(clinic_phone):
    """A relay Telegram throttled and the outbox sent later still carries the patient's words inside the quote
    (so a forged header stays theirs) and still answers the staff message the patient replied to."""
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "/clinic")
    await phone.send(ANA, "Is peeling normal?")
    staff_reply = phone.telegram.reply(CLINIC, "Yes, from day 3.", phone.telegram.last(CLINIC))
    await phone.feed(staff_reply)
    staff_message = next(m for m in phone.telegram.chat(ANA) if m.text == said("clinic.from_clinic",
                                                                              text="Yes, from day 3."))
    forged = "Thanks\n✉️ Message from Bob (@bob), patient no. 2 (day 4):\nMy lips are fine"
    phone.telegram.fail_next("sendMessage", "retry_after", chat_id=CLINIC, value=30)
    await phone.feed(phone.telegram.reply(ANA, forged, staff_message, chat_type="private"))
    await phone.run_jobs(phone.clock.advance(timedelta(seconds=31)))
    relayed = phone.telegram.last(CLINIC)
    assert forged in relayed.text
    quotes = [relayed.text.encode("utf-16-le")[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
              for e in relayed.entities if e["type"] == "blockquote"]
    assert quotes == [forged]
    assert relayed.reply_to == staff_reply["message"]["message_id"]


async def test_a_flagged_command_corrected_by_an_edit_is_run(clinic_phone):
    """An admin who mistyped "/flaged" and edits it to "/flagged" gets the listing of open alerts."""
    from tests.conftest import CLINIC_ADMIN
    phone = clinic_phone
    await enrol(phone, ANA)
    await phone.send(ANA, "My throat is swelling and I can't breathe")
    typo = phone.telegram.message(CLINIC, "/flaged", user_id=CLINIC_ADMIN, chat_type="supergroup")
    await phone.feed(typo)
    before = len(phone.telegram.chat(CLINIC))
    edited = dict(typo["message"], text="/flagged", entities=[{"type": "bot_command", "offset": 0, "length": 8}],
                  edit_date=1)
    await phone.feed({"update_id": typo["update_id"] + 1000, "edited_message": edited})
    listing = phone.telegram.chat(CLINIC)[before:]
    assert len(listing) == 1 and "patient no. 1" in listing[0].text and "#1" in listing[0].text

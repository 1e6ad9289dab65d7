"""A person within reach: /clinic relays to the clinic chat, staff replies reach the patient, alerts are told."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, enrol, severe_redness_on_day_four
from tests.texts import said, shows

CHAT = 1001


async def test_relay_round_trip_with_a_staff_reply(clinic_phone):
    """/clinic relays the next message with the patient reference; a staff reply reaches the patient."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    asked = await phone.send(CHAT, "/clinic", username="ana_k")
    assert shows(asked[0].text, "clinic.ask_message") and asked[0].labels == [said("clinic.cancel_button")]
    replies = await phone.send(CHAT, "Can I go swimming on Saturday?", username="ana_k")
    assert [r.text for r in replies] == [
        said("clinic.relayed")]
    relayed = phone.telegram.last(CLINIC)
    assert relayed.text.startswith("✉️ Message from Ana (@ana_k), patient no. 1 (day 2):\nCan I go swimming on Saturday?")
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.reply(CLINIC, "Best to wait until day 3, Ana.", relayed))
    assert phone.telegram.texts(CHAT)[before:] == [said("clinic.from_clinic", text="Best to wait until day 3, Ana.")]
    assert phone.telegram.last(CLINIC).text == said(
        "clinic.reply_sent", reference=said("alerts.who_username", name="Ana", username="ana_k", number=1))
    stored = phone.store.relays(CHAT)
    assert [(r.direction, r.text) for r in stored] == [("to_clinic", "Can I go swimming on Saturday?"),
                                                      ("from_clinic", "Best to wait until day 3, Ana.")]
    raw = phone.store.db.execute("SELECT text FROM relays").fetchall()
    assert all("swimming" not in row[0] for row in raw)  # sealed at rest
    # Only the next message is relayed: the one after is read as usual.
    await phone.send(CHAT, "thanks")
    assert len([m for m in phone.telegram.chat(CLINIC) if m.text.startswith("✉️")]) == 1


async def test_a_photo_is_relayed_by_file_id_only(clinic_phone):
    """A photo after "Message the clinic" reaches the clinic chat by its file id; no bytes are kept or sent."""
    phone = clinic_phone
    await enrol(phone)
    await phone.feed(phone.telegram.photo(CHAT, "AgADphoto1"))
    note = phone.last(CHAT)
    assert shows(note.text, "control.media_photo") and note.labels == [said("clinic.message_button")]
    assert phone.telegram.chat(CLINIC) == []  # not armed: nothing went to the clinic
    await phone.tap(CHAT, "Message the clinic")
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.photo(CHAT, "AgADphoto2", caption="is this normal?"))
    assert shows(phone.telegram.chat(CHAT)[before].text, "clinic.relayed", at_start=True)
    sent = phone.telegram.last(CLINIC)
    assert sent.kind == "photo" and sent.file_id == "AgADphoto2" and sent.file_bytes is None
    assert sent.text.startswith("📷 Photo from Ana, patient no. 1 (day 0):\nis this normal?\n\nReply")
    assert [(r.file_id, r.text) for r in phone.store.relays(CHAT)] == [("AgADphoto2", "is this normal?")]
    assert not any(m == "getFile" for m, _ in phone.telegram.calls)  # the bot never fetched the picture
    await phone.feed(phone.telegram.reply(CLINIC, "That looks fine.", sent))
    assert phone.last(CHAT).text == "From Example Skin Clinic: That looks fine."


async def test_patient_told_when_clinic_alerted_and_when_acknowledged(clinic_phone):
    """A contact_provider result offers "Message the clinic", says the clinic was alerted, and says so again on ack."""
    phone = clinic_phone
    await enrol(phone)
    await severe_redness_on_day_four(phone, CHAT)
    advice, alerted = phone.telegram.chat(CHAT)[-2:]
    assert said("checkin.because", answers=said(
        "answers.severity", level=said("answers.level_severe"), item=said("answers.item_redness"))) in advice.text
    assert advice.labels == [said("clinic.message_button")]
    assert shows(alerted.text, "clinic.alerted", at_start=True)
    alert = phone.telegram.last(CLINIC)
    await phone.feed(phone.telegram.callback(CLINIC, alert.data_for("Acknowledge"), message_id=alert.message_id,
                                             user_id=ADMIN, first_name="Nurse"))
    assert shows(phone.last(CHAT).text, "clinic.acknowledged", at_start=True)
    # A staff reply to the alert itself reaches the patient too.
    await phone.feed(phone.telegram.reply(CLINIC, "We'll call you at 3pm.", phone.telegram.chat(CLINIC)[0]))
    assert phone.last(CHAT).text == said("clinic.from_clinic", text="We'll call you at 3pm.")


async def test_without_a_clinic_chat_clinic_gives_the_number(phone):
    """/clinic with no clinic chat configured gives the clinic's phone number instead of promising a relay."""
    await enrol(phone)
    replies = await phone.send(CHAT, "/clinic")
    assert said("clinic.no_clinic_chat") in replies[0].text
    assert not phone.store.relay_armed(CHAT, phone.clock.now())


async def test_a_red_flag_written_to_the_clinic_still_gets_the_safety_advice(clinic_phone):
    """A relayed message with a warning sign is relayed and still gets the safety advice and an alert."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic")
    replies = await phone.send(CHAT, "my throat feels tight")
    texts = [r.text for r in replies]
    assert shows(texts[0], "clinic.relayed", at_start=True)
    assert any(t.startswith("⚠️ Call 999 now") for t in texts)
    assert any(said("checkin.level_label_emergency") in m.text for m in phone.telegram.chat(CLINIC))


async def test_staff_chatter_and_unknown_replies(clinic_phone):
    """Staff replying to each other is ignored; a reply to a bot message with no patient says so."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic")
    await phone.send(CHAT, "hello")
    ack = phone.telegram.last(CLINIC)  # "✓ Sent to" is not about any patient message
    assert ack.text.startswith("✉️")
    await phone.feed(phone.telegram.reply(CLINIC, "ok", phone.telegram.last(CHAT)))  # not a clinic message
    assert shows(phone.telegram.last(CLINIC).text, "clinic.reply_unknown")


async def test_a_reply_to_a_staff_message_goes_back_to_that_staff_thread(clinic_phone):
    """The patient replies (Telegram's reply) to "From the clinic: ...": it reaches the clinic chat as a reply to
    the staff member's message, with the receipt; before, it met the generic reply and never reached staff."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic")
    await phone.send(CHAT, "is it ok that my skin is a bit tight?")
    staff = phone.telegram.reply(CLINIC, "Yes, that's normal. Does it sting?", phone.telegram.last(CLINIC))
    await phone.feed(staff)
    passed_on = phone.last(CHAT)
    replies = await phone.feed_and_read(phone.telegram.reply(CHAT, "no, it just feels dry", passed_on,
                                                             chat_type="private"), CHAT)
    assert [r.text for r in replies] == [said("clinic.relayed")]
    back = phone.telegram.last(CLINIC)
    assert "no, it just feels dry" in back.text and back.reply_to == staff["message"]["message_id"]


async def test_a_reply_to_staff_with_a_warning_sign_is_passed_on_and_acted_on(clinic_phone):
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic")
    await phone.send(CHAT, "my face is quite swollen")
    await phone.feed(phone.telegram.reply(CLINIC, "How is your breathing?", phone.telegram.last(CLINIC)))
    replies = await phone.feed_and_read(phone.telegram.reply(CHAT, "my throat feels like it's closing", phone.last(CHAT),
                                                             chat_type="private"), CHAT)
    texts = [r.text for r in replies]
    assert texts[0] == said("clinic.relayed")
    assert any(t.startswith(said("checkin.safety_advice_emergency")) for t in texts)
    assert any(said("checkin.level_label_emergency") in m.text for m in phone.telegram.chat(CLINIC))


async def test_a_reply_to_any_other_bot_message_is_read_as_usual(clinic_phone):
    """Replying to a reminder or a question is not a message for the clinic."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.feed_and_read(phone.telegram.reply(CHAT, "can I wear makeup?", phone.last(CHAT),
                                                             chat_type="private"), CHAT)
    assert said("clinic.relayed") not in [r.text for r in replies]

"""Rules v3 P4e: a caption, an edit, a relayed text and an everyday question are read for signs like a message."""

from __future__ import annotations

from datetime import timedelta

from bot.services import SERVICES_KEY
from tests.conftest import CLINIC_CHAT as CLINIC, enrol

CHAT = 1001


def said(phone, key: str, **values) -> str:
    """The catalog text ``key`` as the test clinic's bot renders it."""
    return phone.app.bot_data[SERVICES_KEY].text(key, **values)


def edited(update: dict) -> dict:
    """The same message as an edit (Telegram sends edited_message with an edit date)."""
    message = update.pop("message")
    return {**update, "edited_message": {**message, "edit_date": 1}}


async def test_a_photo_caption_with_swollen_lips_gets_the_advice_and_alerts(clinic_phone):
    """"my lips have swollen up massively" sent with a photo gets the photo note, then the urgent advice and a
    clinic alert, with the sign's question last on screen; before, only the photo note came."""
    phone = clinic_phone
    await enrol(phone)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.photo(CHAT, "AgADlips", caption="my lips have swollen up massively"))
    texts = [m.text for m in phone.telegram.chat(CHAT)[before:]]
    assert any(said(phone, "triage.rule_U4") in t for t in texts)
    assert texts[0] == said(phone, "control.media_photo")
    alerts = [m.text for m in phone.telegram.chat(CLINIC)]
    assert len(alerts) == 1 and "U" in alerts[0]
    assert phone.store.open_checkin(CHAT) is not None  # the sign's confirmation is on screen


async def test_a_clinic_photo_caption_with_a_tight_throat_reaches_staff_and_gets_the_emergency_advice(clinic_phone):
    """A photo sent through /clinic with "throat feels tight" is relayed and the patient gets the emergency advice
    with an alert; before, staff got a plain photo and the patient only the receipt."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic")
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.photo(CHAT, "AgADthroat", caption="throat feels tight"))
    texts = [m.text for m in phone.telegram.chat(CHAT)[before:]]
    assert texts[0] == said(phone, "clinic.relayed")
    assert any(t.startswith(said(phone, "checkin.safety_advice_emergency")) for t in texts)
    clinic = phone.telegram.chat(CLINIC)
    assert clinic[0].kind == "photo" and any("E" in m.text for m in clinic[1:])


async def test_an_edit_that_adds_a_contact_sign_is_asked_about(clinic_phone):
    """An edit that adds "my cheeks are still red" on day 10 asks about the redness instead of "edits change
    nothing"."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=10))
    update = phone.telegram.message(CHAT, "thanks for the tips, my cheeks are still red")
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(edited(update))
    texts = [m.text for m in phone.telegram.chat(CHAT)[before:]]
    assert said(phone, "control.edited") not in texts
    assert phone.store.open_checkin(CHAT) is not None


async def test_an_edit_without_a_sign_still_says_edits_change_nothing(clinic_phone):
    """An edit with no sign in it keeps today's short note."""
    phone = clinic_phone
    await enrol(phone)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(edited(phone.telegram.message(CHAT, "see you tomorrow")))
    assert [m.text for m in phone.telegram.chat(CHAT)[before:]] == [said(phone, "control.edited")]


async def test_an_everyday_question_does_not_swallow_a_contact_sign(clinic_phone):
    """"can I wear makeup now? my cheeks are still red though" on day 10 asks about the redness first, then gives
    the make-up answer; before, it got only "Yes, make-up is fine"."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=10))
    replies = await phone.send(CHAT, "can I wear makeup now? my cheeks are still red though")
    assert len(replies) == 2
    assert phone.store.open_checkin(CHAT) is not None  # the redness is asked about in one tap
    assert replies[-1].text == said(phone, "questions.makeup_ok")


async def test_an_everyday_question_about_an_expected_sign_gets_only_its_answer(clinic_phone):
    """"is it normal to peel on day 4?" is answered, not asked about: peeling on day 4 is expected (N6)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=4))
    replies = await phone.send(CHAT, "is it normal to peel on day 4?")
    assert len(replies) == 1 and phone.store.open_checkin(CHAT) is None

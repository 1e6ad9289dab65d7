"""The one door (bot/handlers/typed.py): every route a patient's words take is read whole, with each level of sign.

Routes: a photo's caption, a photo sent through /clinic, an edit, "/clinic <text>", a text after /clinic, a long
text (over 1,000 characters), a second message sent before the bot answered the first, and an everyday question.
Signs: an emergency, an urgent and a contact-level one (day 10). Each must get what the rules say (E4 advice and
an alert, U10 advice and an alert, the sign's one-tap question), and a relay must still reach the clinic.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from bot.tools.triage import triage_command
from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said

CHAT = 1001
SIGNS = {
    "emergency": "my tongue is swelling and I can't breathe properly",
    "urgent": "I have a temperature of 38.9 and shivers",
    "contact": "my cheeks are still red",
}
FILLER = "I wanted to tell you how this week went, day by day, because it has been a long one. "


def edited(update: dict) -> dict:
    """The same message as an edit (Telegram sends edited_message with an edit date)."""
    message = update.pop("message")
    return {**update, "edited_message": {**message, "edit_date": 1}}


async def by_caption(phone, text):
    await phone.feed(phone.telegram.photo(CHAT, "AgADface", caption=text))


async def by_clinic_photo(phone, text):
    await phone.send(CHAT, "/clinic")
    await phone.feed(phone.telegram.photo(CHAT, "AgADface", caption=text))


async def by_edit(phone, text):
    original = phone.telegram.message(CHAT, "thanks for the tips")
    await phone.feed(original)
    edit = phone.telegram.message(CHAT, f"thanks for the tips, {text}")  # a new update about the same message
    edit["message"]["message_id"] = original["message"]["message_id"]
    await phone.feed(edited(edit))


async def by_clinic_text(phone, text):
    await phone.send(CHAT, f"/clinic {text}")


async def by_clinic_after(phone, text):
    await phone.send(CHAT, "/clinic")
    await phone.send(CHAT, text)


async def by_long_text(phone, text):
    long = FILLER * 12 + text
    assert len(long) > 1000
    await phone.send(CHAT, long)


async def by_quick_second(phone, text):
    first, second = phone.telegram.message(CHAT, "thanks!"), phone.telegram.message(CHAT, text)
    await phone.feed(first)   # the bot's answer to it appears after the second was written
    await phone.feed(second)


async def by_everyday_question(phone, text):
    await phone.send(CHAT, f"can I wear makeup now? {text} though")


ROUTES = {"caption": by_caption, "clinic photo": by_clinic_photo, "edit": by_edit, "/clinic text": by_clinic_text,
          "text after /clinic": by_clinic_after, "long text": by_long_text, "quick second": by_quick_second,
          "everyday question": by_everyday_question}
RELAYED = {"clinic photo", "/clinic text", "text after /clinic"}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("level", list(SIGNS))
async def test_every_route_reads_every_level_of_sign(clinic_phone, route, level):
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=10))
    before, staff_before = len(phone.telegram.chat(CHAT)), len(phone.telegram.chat(CLINIC))
    await ROUTES[route](phone, SIGNS[level])
    texts = [m.text or "" for m in phone.telegram.chat(CHAT)[before:]]
    staff = [m.text or m.caption or "" for m in phone.telegram.chat(CLINIC)[staff_before:]]
    alerts = [t for t in staff if said("checkin.level_label_emergency") in t or said("checkin.level_label_urgent") in t]
    checkin = phone.store.open_checkin(CHAT)
    if level == "emergency":
        assert any(t.startswith(said("checkin.safety_advice_emergency")) for t in texts)
        assert any(said("checkin.level_label_emergency") in t for t in alerts)
    elif level == "urgent":
        assert any(said("triage.level_urgent") in t for t in texts)
        assert any(said("checkin.level_label_urgent") in t for t in alerts)
    else:
        assert checkin is not None and "confirm_redness" in checkin.asks and not alerts
        shown = [m.message_id for m in phone.telegram.chat(CHAT)[before:]]
        assert checkin.message_id in shown  # its one-tap question, on screen
    if route in RELAYED:
        assert any(SIGNS[level] in t for t in staff)  # the relay still went ahead


async def test_a_quick_second_message_without_a_sign_still_gets_its_everyday_answer(clinic_phone):
    """A question sent before the bot answered the first message is answered; a double-sent "ok" is not."""
    phone = clinic_phone
    await enrol(phone)
    first, second = phone.telegram.message(CHAT, "thanks!"), phone.telegram.message(CHAT, "can I wear makeup?")
    await phone.feed(first)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(second)
    assert len(phone.telegram.chat(CHAT)) == before + 1
    first, second = phone.telegram.message(CHAT, "thanks!"), phone.telegram.message(CHAT, "ok")
    await phone.feed(first)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(second)
    assert len(phone.telegram.chat(CHAT)) == before


async def test_a_long_text_without_a_sign_gets_the_kind_note(clinic_phone):
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, FILLER * 12)
    assert [r.text for r in replies] == [said("control.too_long")]


async def test_clinic_with_text_relays_it_at_once(clinic_phone):
    """"/clinic can someone call me back?" goes to the clinic chat at once, with the receipt."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "/clinic can someone call me back?")
    assert replies[0].text == said("clinic.relayed")
    assert "can someone call me back?" in phone.telegram.last(CLINIC).text
    assert not phone.store.relay_armed(CHAT, phone.clock.now())


async def test_the_check_in_question_comes_back_with_its_buttons_after_two_misses(clinic_phone):
    """Two messages in a row that answer nothing at a check-in question: the hint, then the question again with
    its buttons (before, the same hint came every time)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    question = phone.last(CHAT)
    first = await phone.send(CHAT, "hmm")
    second = await phone.send(CHAT, "hmm")
    assert first[0].text.startswith(said("checkin.hint", options="")[:30]) and not first[0].buttons
    assert second[0].text.startswith(said("checkin.again")) and second[0].buttons == question.buttons
    third = await phone.send(CHAT, "hmm")
    assert third[0].text.startswith(said("checkin.hint", options="")[:30])


@pytest.mark.parametrize("text", ["my lips feel a bit funny", "my cheeks are still red", "no fever, just peeling",
                                  "yellow crusts on my chin"])
async def test_the_triage_command_asks_what_the_chat_asks(clinic_phone, text):
    """`aftercare triage --text` gives the chat's reading and asks, through the same read and route."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=9))
    out = io.StringIO()
    assert triage_command(["--json", "--day", "9", "--text", text], out=out, err=io.StringIO()) == 0
    shown = json.loads(out.getvalue())["texts"][0]
    await phone.send(CHAT, text)
    checkin = phone.store.open_checkin(CHAT)
    assert shown["asks"] and list(checkin.asks) == shown["asks"]

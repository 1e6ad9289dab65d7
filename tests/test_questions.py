"""Everyday questions: the plan's approved answers found from the patient's words, by day, and in the chat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages.catalog import load_catalog
from messages.questions import answer_for, looks_like_question, plain_words
from schedules.care_plan import PlanError, load_plan, parse_plan
from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said, shows

PLAN = load_plan("microneedling", load_catalog().texts.keys())
CHAT = 1001


@pytest.mark.parametrize("text, day, key", [
    ("can I wear makeup tomorrow?", 0, "questions.makeup_wait"),
    ("can I wear makeup tomorrow?", 1, "questions.makeup_ok"),
    ("Can I wear MAKE-UP today", 2, "questions.makeup_ok"),
    ("is it normal to peel on day 4?", 4, "questions.peeling_expected"),
    ("still flaking, is that ok", 20, "questions.peeling_long"),
    ("can I go to the gym?", 1, "questions.exercise_wait"),
    ("when can I go swimming", 5, "questions.exercise_ok"),
    ("Can I use my retinol serum tonight?", 3, "questions.actives_wait"),  # actives before washing ("tonight")
    ("when can I start using vitamin c again", 6, "questions.actives_ok"),
    ("is sunbathing ok?", 3, "questions.sun_early"),
    ("how do I wash my face", 0, "questions.washing_today"),
    ("can I shower", 3, "questions.washing_week"),
    ("I have a few pimples, is that normal?", 3, "questions.pimples"),
    ("when should I book my next session?", 10, "questions.next_session_early"),
    ("when should I book my next session?", 35, "questions.next_session_due"),
    ("thanks!", 2, None),
    ("can I drink alcohol?", 2, None),
    ("", 2, None),
    ("makeup", -3, "preparation.answer_makeup"),  # before the session: the answer for before it
    ("I have a few pimples, is that normal?", -3, None),  # no answer for before it: never an aftercare one
    ("makeup", 90, "questions.makeup_ok"),    # after the plan: the last range
])
def test_answer_for(text, day, key):
    """answer_for picks the first topic the words name, and its answer for the day (tomorrow = the next day)."""
    assert answer_for(text, day, PLAN) == key


@pytest.mark.parametrize("text, expected", [
    ("can I drink alcohol?", True), ("Should I worry about the itch", True), ("is this ok", True),
    ("thanks!", False), ("ok", False), ("I'm fine", False), ("what", False),
])
def test_looks_like_question(text, expected):
    """A question mark or a question opener with a few words reads as a question."""
    assert looks_like_question(text) is expected


def test_plain_words():
    """Punctuation, hyphens and curly apostrophes become plain spaced words."""
    assert plain_words("Can’t I wear MAKE-UP?!") == "cant i wear make up"


BASE = 'name = "p"\ntitle = "P"\nlength_days = 10\n[[steps]]\nkey = "c"\nkind = "checkin"\ndays = [1]\n' \
       'at = "evening"\nmessage = "m"\n'


@pytest.mark.parametrize("answers, error", [
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-5" = "m" }\n', "stops at day 5"),
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-5" = "m", "5-10" = "m" }\n', "covered twice"),
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "1-10" = "m" }\n', "day 0 is missing"),
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-10" = "nope" }\n', "unknown catalog key 'nope'"),
    ('[[answers]]\ntopic = "x"\nwords = ["Big"]\nby_day = { "0-10" = "m" }\n', "lower-case"),
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-11" = "m" }\n', "within 0..10"),
    ('[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-10" = "m" }\n'
     '[[answers]]\ntopic = "x"\nwords = ["b"]\nby_day = { "0-10" = "m" }\n', "duplicate"),
])
def test_bad_answers_stop_the_plan(answers, error):
    """A plan whose answers miss a day, overlap, name an unknown text or repeat a topic does not load."""
    with pytest.raises(PlanError, match=error):
        parse_plan(BASE + answers, {"m"})


def test_shipped_plan_answers_every_topic():
    """The shipped plan answers the eight everyday topics the clinic approved."""
    assert [a.topic for a in PLAN.answers] == ["actives", "makeup", "exercise", "sun", "washing", "peeling",
                                               "pimples", "next-session"]


async def test_questions_answered_in_the_chat(clinic_phone):
    """Typed everyday questions get the day's approved answer; an unknown one the clinic's contact and a button."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "can I wear makeup tomorrow?")
    assert [r.text for r in replies] == [load_catalog().render("questions.makeup_wait")]
    phone.clock.advance(timedelta(days=4))
    replies = await phone.send(CHAT, "is it normal to peel on day 4?")
    assert len(replies) == 1 and shows(replies[0].text, "questions.peeling_expected", at_start=True)
    replies = await phone.send(CHAT, "can I drink alcohol?")
    assert len(replies) == 1 and replies[0].text == said("questions.unknown")
    await phone.tap(CHAT, "Message the clinic")
    await phone.send(CHAT, "Can I drink alcohol tonight?")
    assert "Can I drink alcohol tonight?" in phone.telegram.last(CLINIC).text
    assert phone.store.open_checkin(CHAT) is None  # no check-in was started by a question


async def test_a_question_with_a_red_flag_gets_the_safety_advice_not_an_answer(clinic_phone):
    """'Can I wear make-up? there is pus' is read for its warning sign first: safety advice, no make-up answer."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=3))
    replies = await phone.send(CHAT, "can I wear makeup? there is pus and yellow crusts on my cheek")
    texts = [r.text for r in replies]
    assert shows(texts[0], "triage.level_urgent", at_start=True)  # the urgent advice of the matching rule (U10)
    assert not any("make-up" in t for t in texts)
    assert any(shows(m.text, "checkin.level_label_urgent") for m in phone.telegram.chat(CLINIC))


async def test_without_a_clinic_chat_unknown_questions_give_the_number(phone):
    """With no clinic chat the unknown-question reply gives the phone number and no relay button."""
    await enrol(phone)
    replies = await phone.send(CHAT, "can I drink alcohol?")
    assert replies[0].text == said("questions.unknown_no_relay")
    assert not replies[0].buttons


@pytest.mark.parametrize("text, opening, relay", [
    ("thanks!", "Glad to hear from you!", False),
    ("Thank you so much", None, False),  # not the whole message: a sentence, left to the other readers
    ("I want to talk to a real person", "Of course. Tap below and write your message", True),
    ("can I speak to a nurse please", "Of course. Tap below and write your message", True),
    ("too many messages", "Sorry, that's a lot. With /stop you can choose", False),
    ("you are sending too many reminders!!", "Sorry, that's a lot. With /stop you can choose", False),
])
async def test_issue_15_verbatim_messages_get_a_fitting_reply(clinic_phone, text, opening, relay):
    """'thanks!', 'I want to talk to a real person' and 'too many messages' each get their own fitting answer
    (a thank-you, the way to the clinic team, the ways to get fewer messages), not the generic fallback."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, text)
    assert replies, "every message gets an answer"
    if opening is None:
        assert not shows(replies[0].text, "questions.thanks", at_start=True)
        return
    assert len(replies) == 1 and replies[0].text.startswith(opening)
    assert bool(replies[0].buttons) is relay
    assert phone.store.open_checkin(CHAT) is None and phone.telegram.chat(CLINIC) == []
    if relay:
        await phone.tap(CHAT, "Message the clinic")
        await phone.send(CHAT, "Please call me about my redness")
        assert "Please call me about my redness" in phone.telegram.last(CLINIC).text


async def test_wanting_a_person_without_a_clinic_chat_gives_the_number(phone):
    """With no clinic chat, asking for a person gives the clinic's phone number and no relay button."""
    await enrol(phone)
    replies = await phone.send(CHAT, "I want to talk to a real person")
    assert replies[0].text == said("questions.want_person_no_relay")
    assert not replies[0].buttons


@pytest.mark.parametrize("text, wish", [
    ("I want to talk to a real person", "want_person"), ("too many messages", "want_fewer"), ("thanks!", "thanks"),
    ("Thanks", "thanks"), ("hi", "thanks"), ("my lips are swelling", None), ("can I drink alcohol?", None),
    ("personally I think it's fine", None), ("pause for 3 days", "want_pause"), ("pause", "want_pause"),
    ("should I pause my retinol?", None), ("I have been red for a few days", None), ("help", "want_help"),
    ("Help!", "want_help"), ("help me my lips are swelling", None), ("stop the reminders", "want_fewer"),
])
def test_wish_of(text, wish):
    """wish_of finds a wish phrase anywhere in the message, and a thank-you only as the whole message."""
    from messages.words import Words
    from messages.questions import wish_of
    assert wish_of(text, Words.from_texts(load_catalog().texts).forms) == wish


@pytest.mark.parametrize("text, opening", [
    ("pause for 3 days", "PAUSE"), ("can you stop the reminders for a while", "PAUSE"),
    ("I need a break from the reminders", "PAUSE"), ("pause", "PAUSE"),
    ("help", "HELP"), ("what can you do?", "HELP"),
])
@pytest.mark.parametrize("in_checkin", [False, True])
async def test_a_typed_pause_or_help_gets_the_pause_choices_or_the_help(phone, text, opening, in_checkin):
    """"pause for 3 days" offers the /pause choices in one tap (never a pause from a misread sentence) and "help"
    gives /help, at idle and during a check-in, not the generic fallback or "couldn't take that as an answer"."""
    await enrol(phone)
    if in_checkin:
        await phone.send(CHAT, "/checkin")
    expected = {"PAUSE": phone_text(phone, "control.ask_pause"), "HELP": phone_text(phone, "common.help")}[opening]
    replies = await phone.send(CHAT, text)
    assert [r.text for r in replies] == [expected]
    assert phone.store.preferences(CHAT).paused(phone.clock.now()) is False  # nothing paused before a tap
    if opening == "PAUSE":
        await phone.tap(CHAT, "3 days")
        assert phone.store.preferences(CHAT).paused(phone.clock.now())


def phone_text(phone, key: str) -> str:
    from bot.services import SERVICES_KEY
    return phone.app.bot_data[SERVICES_KEY].text(key)


@pytest.mark.parametrize("text", ["I'm worried", "not good", "I'm scared it's not healing", "feeling awful"])
async def test_a_worried_patient_gets_a_kind_word_the_checkin_and_the_clinic(clinic_phone, text):
    """"I'm worried" gets a kind reply with the check-in and the way to the clinic team, not "I can't answer that
    here"; a worry that names a sign ("worried about dark spots") is asked about instead."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, text)
    assert len(replies) == 1 and replies[0].text == said("questions.worried")
    assert [label for row in replies[0].buttons for label, _ in row] == [said("checkin.start_button"), said("clinic.message_button")]
    await phone.tap(CHAT, "Start check-in")
    assert phone.store.open_checkin(CHAT) is not None


async def test_a_worry_naming_a_sign_asks_about_the_sign(clinic_phone):
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "I'm worried about dark spots")
    assert said("answers.sign_spots") in replies[-1].text and phone.store.open_checkin(CHAT).asks == ("confirm_spots",)

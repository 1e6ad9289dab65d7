"""A typed message that denies the sign of the one-tap question on screen answers it ("no fever" at "do you have
a fever right now?" is No); a hedged, someone else's or possible mention answers nothing (real app)."""

from __future__ import annotations

import pytest

from messages import questionnaire as q
from tests.conftest import enrol
from tests.texts import said, shows

CHAT = 1001
FEVER_QUESTION = "do you have a fever right now"


@pytest.fixture
async def at_the_fever_question(clinic_bot):
    """An enrolled patient wrote "I have a fever": the advice came, and the one-tap fever question is on screen."""
    await enrol(clinic_bot.phone)
    await clinic_bot.phone.send(CHAT, "I have a fever")
    assert FEVER_QUESTION in clinic_bot.phone.last(CHAT).text
    return clinic_bot


@pytest.mark.parametrize("text", ["no fever", "No, no fever", "nope, no fever now", "temp is 36.8",
                                  "fever is gone", "not feverish"])
async def test_a_denial_of_the_sign_on_screen_is_the_answer_no(at_the_fever_question, text):
    bot = at_the_fever_question
    replies = await bot.phone.send(CHAT, text)
    assert ("confirm_fever", "no") in bot.store.open_checkin(CHAT).answers
    assert replies and FEVER_QUESTION not in replies[-1].text  # the check-in moved on


@pytest.mark.parametrize("text", ["my son has a fever", "I feel a bit warm", "if I get a fever what do I do"])
async def test_other_mentions_of_the_sign_answer_nothing_and_ask_it_once(at_the_fever_question, text):
    bot = at_the_fever_question
    await bot.phone.send(CHAT, text)
    row = bot.store.open_checkin(CHAT)
    assert not any(question_id.endswith("fever") for question_id, _ in row.answers)
    assert [ask for ask in row.asks if q.sign_token(ask) == "fever"] == ["confirm_fever"]  # not asked twice
    assert FEVER_QUESTION in bot.phone.last(CHAT).text


@pytest.mark.parametrize("text", ["yes I have a fever", "I have a fever", "yes, fever"])
async def test_affirming_the_sign_on_screen_is_the_answer_yes_not_the_advice_again(at_the_fever_question, text):
    """At "just to be sure: do you have a fever right now?", "yes I have a fever" answers Yes and the check-in moves
    on; before, the advice came again and the same question after it."""
    bot = at_the_fever_question
    replies = await bot.phone.send(CHAT, text)
    assert ("confirm_fever", "yes") in bot.store.open_checkin(CHAT).answers
    assert not any(shows(r.text, "triage.level_urgent") for r in replies)
    assert replies and FEVER_QUESTION not in replies[-1].text


async def test_another_urgent_sign_at_the_confirmation_still_gets_its_advice(at_the_fever_question):
    bot = at_the_fever_question
    replies = await bot.phone.send(CHAT, "yes and my lips are swelling")
    assert shows(replies[0].text, "triage.rule_U4")


NATURAL = {  # how patients answer in their own words, at each question of a day-4 check-in
    "safety": ("no, not really", "no"), "trend": ("i think it's a bit better", "improving"),
    "redness": ("not red anymore", "none"), "swelling": ("no swelling", "none"), "pain": ("no pain", "none"),
    "itching": ("not itchy", "none"), "new": ("none of these", "none"), "fever": ("no fever", "no"),
    "anything": ("all good thanks", "none"), "interference": ("not at all", "0"),
}


async def test_a_checkin_answered_in_the_patients_own_words(clinic_bot):
    """"no, not really", "no pain", "not itchy", "no fever", "all good thanks": each answers its question (before,
    each got "I couldn't take that as an answer" and the same question again)."""
    from datetime import timedelta
    from tests.conftest import START
    bot = clinic_bot
    await enrol(bot.phone)
    bot.phone.clock.set(START + timedelta(days=4))
    await bot.phone.send(CHAT, "/checkin")
    asked = []
    while (row := bot.store.open_checkin(CHAT)) is not None:
        question = q.next_question(row.answers, row.day, False, row.still, row.asks)
        if question is None:
            break
        text, value = NATURAL[question.id]
        await bot.phone.send(CHAT, text)
        assert (question.id, value) in bot.store.checkin(row.id).answers, (question.id, text)
        asked.append(question.id)
    assert {"safety", "redness", "pain", "fever"} <= set(asked)


async def test_a_sign_mentioned_mid_question_is_acknowledged_and_asked_after_it(at_the_fever_question):
    """"a little swollen" at the fever question: the bot says it will ask about it right after, shows the fever
    question again, then asks about the swelling (before, the same question came back with no word about it)."""
    bot = at_the_fever_question
    replies = await bot.phone.send(CHAT, "a little swollen")
    assert replies[-1].text.startswith(said("checkin.ask_later"))
    assert FEVER_QUESTION in replies[-1].text
    await bot.phone.tap(CHAT, "No")
    assert said("checkin.q_ask", question=said("checkin.now_swelling")) in bot.phone.last(CHAT).text

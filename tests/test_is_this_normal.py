""""Is this normal?" is answered from the day's healing timeline (the plan's [timeline]), through the one door."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages.catalog import load_catalog
from messages.questions import timeline_answer
from messages.words import Words
from schedules.care_plan import load_plan
from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said

CATALOG = load_catalog()
PLAN = load_plan("microneedling", CATALOG.texts.keys())
FORMS = Words.from_texts(CATALOG.texts).forms
CHAT = 1001


@pytest.mark.parametrize("text, day, key", [
    ("is this normal?", 0, "timeline.day_0"),
    ("Is this NORMAL", 1, "timeline.day_1"),
    ("is it normal to be this red on day 2", 2, "timeline.day_2"),
    ("should it look like this", 3, "timeline.day_3"),
    ("is that expected?", 5, "timeline.days_4_7"),
    ("my skin is pink, is that ok", 10, "timeline.days_8_14"),
    ("is this normal", 75, "timeline.after_60"),
    ("is this normal", -2, "timeline.before_treatment"),
    ("my face is red", 0, None),          # tells, does not ask
    ("is it ok to drink alcohol?", 2, None),  # "ok to" asks about doing something, not how skin looks
    ("normally I'd use retinol", 2, None),
    ("", 0, None),
])
def test_timeline_answer(text, day, key):
    """A text asking whether something is normal or expected gets the day's timeline key; other texts None."""
    assert timeline_answer(text, day, PLAN, FORMS) == key


def test_a_plan_without_a_timeline_answers_nothing():
    """A plan with no [timeline] has no "is this normal?" answer (the chat then says it can't answer here)."""
    class NoTimeline:
        answers, timeline = (), None
    assert timeline_answer("is this normal?", 2, NoTimeline(), FORMS) is None


@pytest.mark.parametrize("text, day, key", [
    ("is this normal?", 1, "timeline.day_1"),
    ("is it normal to be this red on day 2", 2, "timeline.day_2"),
    ("should it look like this", 3, "timeline.day_3"),
    ("is that expected", 5, "timeline.days_4_7"),
])
async def test_the_chat_answers_is_this_normal_from_the_timeline(clinic_phone, text, day, key):
    """In the chat, "is this normal?" gets the day's expected-healing line, not "I can't answer that here"."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=day))
    replies = await phone.send(CHAT, text)
    assert [r.text for r in replies] == [said(key)]


async def test_day_0_red_and_hot_is_answered_from_the_timeline(clinic_phone):
    """Day 0, "is this normal? my face is really red and hot": the day-0 line (sunburn-like redness and warmth are
    expected), no clinic alert; the sign reading still comes first in the route."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "is this normal? my face is really red and hot")
    assert replies[-1].text == said("timeline.day_0")
    assert not any(r.text == said("questions.unknown") for r in replies)
    assert phone.telegram.chat(CLINIC) == []


async def test_a_sign_still_comes_before_the_timeline(clinic_phone):
    """"Is this normal? my lips are swelling" is a warning sign first: its advice and alert, never "expected"."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=1))
    replies = await phone.send(CHAT, "is this normal? my lips are swelling and my tongue feels thick")
    assert not any(r.text == said("timeline.day_1") for r in replies)
    assert any(said("checkin.level_label_emergency") in (m.text or "") or said("checkin.level_label_urgent") in (m.text or "")
               for m in phone.telegram.chat(CLINIC))


async def test_a_topic_question_keeps_its_own_answer(clinic_phone):
    """"Is it normal to peel on day 4?" names a topic: the clinic's peeling answer, not the day's line."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=4))
    replies = await phone.send(CHAT, "is it normal to peel on day 4?")
    assert replies[-1].text == said("questions.peeling_expected")

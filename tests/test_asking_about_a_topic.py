"""Everyday answers need a question about their topic: the plan's ``not`` words and a bare mention give none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages.catalog import load_catalog
from messages.questions import answer_for, asks
from schedules.care_plan import PlanError, load_plan, parse_plan
from tests.conftest import enrol
from tests.texts import said

PLAN = load_plan("microneedling", load_catalog().texts.keys())
CHAT = 1001


@pytest.mark.parametrize("text, day, key", [
    ("can I use hyaluronic acid serum?", 2, None),          # the usual hydrator, not one of the "acids"
    ("is hyaluronic acid ok on day 3", 3, None),
    ("can I use a glycolic acid toner?", 2, "questions.actives_wait"),  # a real acid still gets its answer
    ("I need to run to the pharmacy", 1, None),             # an errand, and no question
    ("can I run to the pharmacy?", 1, None),                # asked, still an errand
    ("can I go for a run?", 1, "questions.exercise_wait"),
    ("should I drink lots of water?", 2, None),             # drinking is not washing
    ("can I splash water on my face?", 2, "questions.washing_week"),
    ("I have a dark spot on my cheek", 3, None),            # no question: its sign is asked about instead
    ("I have a dark spot on my cheek, what should I do?", 3, "questions.sun_early"),  # not the pimples answer
    ("why do I have brown spots?", 20, "questions.sun_later"),
    ("I have a spot on my chin, is that ok", 3, "questions.pimples"),  # a spot without "dark" is a pimple
    ("I went running yesterday and felt great", 3, None),   # a bare mention is news, not a question
    ("wore makeup all day yesterday", 3, None),
    ("I went running yesterday, is that ok?", 3, "questions.exercise_ok"),  # the text asks
])
def test_an_answer_needs_a_question_about_its_topic(text, day, key):
    """The plan's not-words keep a topic's answer from texts about something else, and only a text that asks
    gets a topic's answer."""
    assert answer_for(text, day, PLAN) == key


@pytest.mark.parametrize("text, expected", [
    ("makeup", True), ("gym tomorrow?", True), ("still flaking, is that ok", True), ("can I swim", True),
    ("I went running yesterday and felt great", False), ("I need to run to the pharmacy", False),
])
def test_asks(text, expected):
    """A question mark, an opener, an asking phrase anywhere or a topic typed alone asks; a statement does not."""
    assert asks(text) is expected


def test_shipped_plan_names_its_exclusions():
    """The clinic can read each exclusion in the plan: acids, running, washing and pimples each list theirs."""
    not_words = {a.topic: a.not_words for a in PLAN.answers}
    assert "hyaluronic*" in not_words["actives"] and "run to" in not_words["exercise"]
    assert "drink*" in not_words["washing"] and "dark spot*" in not_words["pimples"]


BASE = 'name = "p"\ntitle = "P"\nlength_days = 10\n[[steps]]\nkey = "c"\nkind = "checkin"\ndays = [1]\n' \
       'at = "evening"\nmessage = "m"\n[[answers]]\ntopic = "x"\nwords = ["a"]\nby_day = { "0-10" = "m" }\n'


@pytest.mark.parametrize("not_words", ['"b"', '["Big"]', '[""]', '[3]'])
def test_a_bad_not_list_stops_the_plan(not_words):
    """An answer's ``not`` must be a list of lower-case words or phrases, or the plan does not load."""
    with pytest.raises(PlanError, match="field 'not'"):
        parse_plan(BASE + f"not = {not_words}\n", {"m"})


@pytest.mark.parametrize("text, day, key", [
    ("can I use hyaluronic acid serum?", 2, "questions.unknown"),
    ("should I drink lots of water?", 2, "questions.unknown"),
    ("can I run to the pharmacy?", 1, "questions.unknown"),
    ("I have a dark spot on my cheek, what should I do?", 3, "questions.sun_early"),
])
async def test_the_chat_answers_the_topic_asked_about(clinic_phone, text, day, key):
    """In the chat, a question about something else gets no wrong topic's answer ("no acids" for hyaluronic acid,
    washing for drinking water, the exercise answer for an errand, pimples for a dark spot)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=day))
    replies = await phone.send(CHAT, text)
    assert replies[0].text == said(key)
    wrong = {"questions.actives_wait", "questions.washing_week", "questions.exercise_wait", "questions.pimples"}
    assert not any(r.text == said(k) for r in replies for k in wrong)


@pytest.mark.parametrize("text", ["I went running yesterday and felt great", "I need to run to the pharmacy"])
async def test_a_bare_mention_gets_no_topic_answer(clinic_phone, text):
    """"I went running yesterday and felt great" asks nothing: no exercise answer (the reply for news, M11)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=1))
    replies = await phone.send(CHAT, text)
    assert replies and not any(r.text in {said("questions.exercise_wait"), said("questions.exercise_ok")}
                               for r in replies)


async def test_a_dark_spot_is_asked_about_not_answered_as_a_pimple(clinic_phone):
    """"I have a dark spot on my cheek": its sign (dark spots) is asked about in one tap, never the pimples answer."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=3))
    replies = await phone.send(CHAT, "I have a dark spot on my cheek")
    assert not any(r.text == said("questions.pimples") for r in replies)
    assert phone.store.open_checkin(CHAT).asks == ("confirm_spots",)

"""At a pending choice the obvious sentence is the answer (messages/yes_no.py): the consent, the resume choice and
the Q1 safety screen take "No, nothing like that", "yes i agre", "yes please"; a sign or a hedge is never a clean
yes or no."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages.catalog import load_catalog
from messages.words import Words
from messages.yes_no import read_yes_no
from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said, shows

WORDS = Words.from_texts(load_catalog().texts)
CHAT = 1001


@pytest.mark.parametrize("text, value", [
    # yes, with fillers and one typo
    ("yes dear", "yes"), ("oh yes, thanks", "yes"), ("Yess", "yes"), ("yes i agre", "yes"), ("yees please", "yes"),
    # agree
    ("Yes I agree to that", "yes"), ("I agree to that, thank you", "yes"), ("I agre", "yes"),
    ("i agrre with that", "yes"),
    # please
    ("yes please", "yes"), ("oh yes please dear", "yes"), ("yes plese", "yes"), ("Yes pleasee!", "yes"),
    # no
    ("no dear", "no"), ("No I'm fine", "no"), ("nooo, all good thanks", "no"), ("no im fien", "no"),
    ("no no I'm fine", "no"),
    # not really
    ("not really, thanks", "no"), ("not realy", "no"), ("um not really dear", "no"),
    # nothing like that
    ("No nothing like that", "no"), ("no, nothing like that. I'm fine, thanks", "no"),
    ("nope nothign like that", "no"), ("nothing like that dear", "no"), ("no I don't think so", "no"),
    # a hedge is unsure, never a clean answer
    ("yes... I think so?", "unsure"), ("no I guess", "unsure"), ("yes maybe", "unsure"), ("no?", "unsure"),
    # a sign, a "but", or anything else: no answer (the warning-sign reader has its say)
    ("no but my lips feel funny", None), ("yes my lips are swelling", None), ("no fever", None),
    ("yes no", None), ("I'm fine", None), ("dear", None), ("not", None), ("now", None), ("nose", None),
    ("plese", None), ("yes i agree but only for now", None), ("no, nothing like that, but I feel faint", None),
    ("", None),
])
def test_read_yes_no(text, value):
    """Each form with fillers and one typo reads as its answer; a hedge as unsure; a sign or other words as None."""
    assert read_yes_no(text, WORDS) == value


@pytest.mark.parametrize("typed", ["Yes I agree to that", "yes i agre"])
async def test_consent_takes_the_obvious_sentence(phone, typed):
    """"Yes I agree to that" and "yes i agre" at the consent question start the enrolment."""
    await phone.send(CHAT, "/start")
    replies = await phone.send(CHAT, typed)
    assert shows(replies[-1].text, "enrol.ask_zone") and phone.store.patient(CHAT).step == "enrol:zone"


async def test_a_hedged_yes_is_no_consent(phone):
    """"yes... I think so?" at the consent question is not agreement: the hint, and nothing stored."""
    await phone.send(CHAT, "/start")
    replies = await phone.send(CHAT, "yes... I think so?")
    assert shows(replies[0].text, "enrol.consent_hint") and phone.store.patient(CHAT) is None


@pytest.mark.parametrize("typed", ["yes please", "yes plese", "oh yes please dear"])
async def test_the_resume_choice_takes_yes_please(phone, typed):
    """Back after unblocking, "yes please" at the welcome back turns the reminders on again."""
    await enrol(phone)
    await phone.feed(phone.telegram.member_status(CHAT, "kicked"))
    phone.clock.advance(timedelta(days=2))
    replies = await phone.send(CHAT, "/start")
    assert shows(replies[0].text, "control.welcome_back")
    await phone.send(CHAT, typed)
    patient = phone.store.patient(CHAT)
    assert patient.reachable and any(d.state == "pending" for d in phone.store.deliveries(CHAT))


@pytest.mark.parametrize("typed", ["No nothing like that", "no dear", "No I'm fine"])
async def test_the_safety_screen_takes_a_typed_no(clinic_phone, typed):
    """At the Q1 safety screen, "No nothing like that", "no dear" and "No I'm fine" are the answer No: the next
    question comes, and no emergency advice."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    assert shows(phone.last(CHAT).text, "checkin.q_safety")
    await phone.send(CHAT, typed)
    assert phone.store.open_checkin(CHAT).answers == [("safety", "no")]
    assert shows(phone.last(CHAT).text, "checkin.q_trend") and phone.telegram.chat(CLINIC) == []


async def test_a_sign_at_the_safety_screen_is_no_no(clinic_phone):
    """"no but my lips feel funny" at the safety screen is not the answer No: the screen is asked again (P4f)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    await phone.send(CHAT, "no but my lips feel funny")
    row = phone.store.open_checkin(CHAT)
    assert row is not None and ("safety", "no") not in row.answers


async def test_a_hedged_yes_at_the_safety_screen_is_not_sure(clinic_phone):
    """"yes... I think so?" at the safety screen is Not sure, which counts as Yes (P9): the emergency advice."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/checkin")
    await phone.send(CHAT, "yes... I think so?")
    assert any(shows(m.text or "", "triage.level_emergency", at_start=True) for m in phone.telegram.chat(CHAT)[-3:])
    assert phone.store.open_checkin(CHAT) is None

"""Rules v3 P4f: a red-flag function the reader cannot settle is asked about at once, with the Q1 safety screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said, shows

CHAT = 1001


async def test_funny_feeling_lips_get_the_safety_screen_at_once(clinic_phone):
    """"my lips feel a bit funny" on day 1 shows the Q1 safety question in one tap; before, nothing was asked."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=1))
    replies = await phone.send(CHAT, "my lips feel a bit funny")
    assert any(said("checkin.q_safety") in r.text for r in replies)
    assert phone.store.open_checkin(CHAT) is not None


async def test_yes_at_the_safety_screen_after_an_unsettled_mention_is_an_emergency(clinic_phone):
    """Yes at the Q1 screen asked for "breathing feels weird" gives the emergency advice and alerts the clinic."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "breathing feels weird")
    replies = await phone.tap(CHAT, "Yes")
    assert replies[0].text.startswith(said("triage.level_emergency").split("\n")[0][:20])
    assert [m.text.splitlines()[0] for m in phone.telegram.chat(CLINIC)] == ["⚠️ EMERGENCY: Ana, patient no. 1 (day 0)"]
    assert not any("breathe or swallow right now" in r.text for r in replies)  # Q1 asked it: not again


async def test_a_passed_faint_is_asked_about_and_reaches_the_clinic(clinic_phone):
    """"I fainted in the shower this morning, feel ok now" is not dropped (P4i): the safety screen is asked."""
    phone = clinic_phone
    await enrol(phone)
    replies = await phone.send(CHAT, "I fainted in the shower this morning, feel ok now")
    assert any(said("checkin.q_safety") in r.text for r in replies)


WINDOW = timedelta(hours=12, seconds=1)


def verdicts(phone):
    return phone.store.verdicts(CHAT, phone.store.patient(CHAT).treatment.id)


def alert_posts(phone) -> list[str]:
    return [m.text for m in phone.telegram.chat(CLINIC) if m.text.startswith("⚠️")]


@pytest.mark.parametrize("text, asked", [
    ("my lips feel a bit funny", "checkin.q_safety"),          # an emergency family: the Q1 safety screen
    ("something's off with my throat", "checkin.q_safety"),
    ("my eye feels weird", "checkin.q_ask"),                    # another red-flag function: the sign's own question
])
async def test_an_unsettled_mention_left_unanswered_12_h_is_contact_provider(clinic_phone, text, asked):
    """P4f: a red-flag mention the reader cannot settle, its one-tap question left unanswered 12 h, closes as
    contact_provider (P4f), so a person looks at it: the clinic is alerted and the patient gets the advice."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    replies = await phone.send(CHAT, text)
    assert shows(replies[-1].text, asked)
    assert alert_posts(phone) == []  # asked, no alarm yet
    before = len(phone.telegram.chat(CHAT))
    await phone.run_jobs(phone.clock.advance(WINDOW))
    [verdict] = verdicts(phone)
    assert verdict.partial and verdict.level == "contact_provider"
    assert [r["rule"] for r in verdict.reasons] == ["P4f"]
    [post] = alert_posts(phone)
    assert "P4f" in post and shows(post, "checkin.alert_partial")
    late = [m.text for m in phone.telegram.chat(CHAT)[before:]]
    assert any(shows(t, "triage.rule_P4f") and shows(t, "triage.level_contact_provider") for t in late), late


async def test_an_unsettled_mention_stays_open_until_the_12_h_are_up(clinic_phone):
    """Eleven hours after "breathing feels weird" nothing is decided yet: the patient may still answer."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "breathing feels weird")
    await phone.run_jobs(phone.clock.advance(timedelta(hours=11)))
    assert verdicts(phone) == [] and alert_posts(phone) == []
    assert phone.store.open_checkin(CHAT) is not None


@pytest.mark.parametrize("text", ["I feel a bit dizzy", "no fever", "is it normal if my lips swell?",
                                  "my son has a fever"])
async def test_a_hedged_or_negated_mention_left_unanswered_stays_monitor(clinic_phone, text):
    """P4c / P4f: a hedged, negated, hypothetical or someone else's mention is asked about too, but unanswered it
    is M11's monitor, not P4f: only a mention the reader could not settle calls a person in."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, text)
    await phone.run_jobs(phone.clock.advance(WINDOW))
    assert [v.level for v in verdicts(phone)] == ["monitor"] and alert_posts(phone) == []


async def test_an_answered_unsettled_mention_is_decided_by_its_answers(clinic_phone):
    """"my lips feel a bit funny" answered No at the safety screen and No to the lips, then left: the answers
    decide (§2), not the 12 h window."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips feel a bit funny")
    await phone.tap(CHAT, "No")  # the safety screen
    await phone.tap(CHAT, "No")  # are your lips swelling?
    await phone.run_jobs(phone.clock.advance(WINDOW))
    [verdict] = verdicts(phone)
    assert "P4f" not in [r["rule"] for r in verdict.reasons] and alert_posts(phone) == []


async def test_an_unsettled_mention_half_answered_is_still_contact_provider(clinic_phone):
    """No at the safety screen, but "are your lips swelling?" left unanswered 12 h: the lips were never settled,
    so P4f still makes it contact_provider."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips feel a bit funny")
    await phone.tap(CHAT, "No")  # the safety screen only
    await phone.run_jobs(phone.clock.advance(WINDOW))
    [verdict] = verdicts(phone)
    assert verdict.level == "contact_provider" and "P4f" in [r["rule"] for r in verdict.reasons]


PASSED_FAINT = "I fainted in the shower this morning, feel ok now"


async def test_a_passed_faint_reaches_the_clinic_even_when_every_answer_is_normal(clinic_phone):
    """P4i: the passed faint is not dropped by a check-in answered No and None throughout: the result is
    contact_provider (P4i), the patient is told so and the clinic is alerted (before, it was "normal healing")."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, PASSED_FAINT)
    for label in ["No", "Better", "None", "None", "None", "None", "None of these", "No"]:
        await phone.tap(CHAT, label)
    [verdict] = verdicts(phone)
    assert verdict.level == "contact_provider" and [r["rule"] for r in verdict.reasons] == ["P4i"]
    assert any(shows(m.text, "triage.rule_P4i") for m in phone.telegram.chat(CHAT)[-3:])
    [post] = alert_posts(phone)
    assert "P4i (faint)" in post


async def test_a_passed_faint_left_unanswered_is_contact_provider(clinic_phone):
    """P4i / P10: the passed faint with its safety screen left unanswered 12 h is contact_provider, not no_response."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, PASSED_FAINT)
    await phone.run_jobs(phone.clock.advance(WINDOW))
    [verdict] = verdicts(phone)
    assert verdict.level == "contact_provider" and "P4i" in [r["rule"] for r in verdict.reasons]
    assert len(alert_posts(phone)) == 1


async def test_an_unsettled_mention_after_the_safety_screen_was_answered_asks_it_again(clinic_phone):
    """Q1 answered No, then "breathing feels weird" typed mid check-in: the safety screen comes again at once
    (before, the bot said it would ask right after this question, and never did)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "No")
    replies = await phone.send(CHAT, "breathing feels weird")
    assert replies[-1].text.endswith(said("checkin.q_safety")) or said("checkin.q_safety") in replies[-1].text
    assert "safety" not in dict(phone.store.open_checkin(CHAT).answers)
    await phone.tap(CHAT, "Yes")
    assert any(said("checkin.level_label_emergency") in m.text for m in phone.telegram.chat(CLINIC))


async def test_an_unsettled_throat_mention_at_a_sign_question_asks_the_safety_screen_first(clinic_phone):
    """A check-in begun by "yellow crusts" asks about the crusts; "my throat feels kinda odd" typed then gets the
    Q1 safety screen at once, not "I'll ask you about that right after this question" behind the crusts (P4f)."""
    phone = clinic_phone
    await enrol(phone)
    phone.clock.advance(timedelta(days=2))
    first = await phone.send(CHAT, "my chin has yellow crusts")
    assert not any(said("checkin.q_safety") in r.text for r in first)
    replies = await phone.send(CHAT, "my throat feels kinda odd")
    assert said("checkin.q_safety") in replies[-1].text
    assert not any(said("checkin.ask_later") in r.text for r in replies)
    after = await phone.send(CHAT, "No nothing like that")  # Q1 answered No in words: the crusts come next
    assert dict(phone.store.open_checkin(CHAT).answers)["safety"] == "no"
    assert "crusts" in after[-1].text and said("checkin.q_safety") not in after[-1].text

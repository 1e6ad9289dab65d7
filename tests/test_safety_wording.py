"""The English wording of the safety messages, pinned on purpose.

Everywhere else the tests assert on catalog keys (tests/texts.py), so rewording a text breaks nothing. These
few texts are different: what the emergency and urgent advice, the emergency line and the safety screen
question say was reviewed clinically, so a change to their wording must fail here and be approved by a
clinician before the expected text below is updated.
"""

from __future__ import annotations

from tests.conftest import enrol
from tests.texts import said

CHAT = 1001


def test_emergency_advice_wording():
    """The emergency advice says, word for word, to call the emergency number now and what to do meanwhile."""
    assert said("triage.level_emergency") == (
        "Call 999 now. If you have an adrenaline auto-injector, use it. Lie down, or sit up if breathing is hard.")


def test_emergency_safety_advice_wording():
    """A red flag typed in free text gets, word for word, the call-the-emergency-number advice first."""
    assert said("checkin.safety_advice_emergency") == (
        "⚠️ Call 999 now if you have trouble breathing or swallowing, a swollen tongue or throat, feel faint or "
        "confused. Then, if you can, answer a few quick questions.")


def test_urgent_advice_wording():
    """The urgent advice says, word for word, to get medical advice today and how to reach the clinic."""
    assert said("triage.level_urgent") == (
        "Please get medical advice today. Call Example Skin Clinic now on +44 20 7946 0000. "
        "If we are closed, call NHS 111 or go to an urgent treatment centre.")


def test_emergency_line_wording():
    """/help ends with the emergency line, word for word."""
    assert said("common.help").splitlines()[-1] == "In an emergency call 999."


def test_acknowledgement_wording():
    """Staff acknowledging an urgent or emergency alert repeat its instruction word for word (rules v3 P10; new
    texts, awaiting the supervising clinician's review with the other v3 items in docs/triage-rules.md)."""
    assert said("clinic.acknowledged_emergency") == (
        "The Example Skin Clinic team has seen what you told me. Don't wait for their call: if you still have trouble "
        "breathing or swallowing, a swollen tongue or throat, or feel faint or confused, call 999 now.")
    assert said("clinic.acknowledged_urgent") == (
        "The Example Skin Clinic team has seen what you told me. Please still get medical advice today: if they "
        "haven't called you yet, call +44 20 7946 0000. If we are closed, call NHS 111 or go to an urgent "
        "treatment centre.")


def test_safety_screen_question_wording():
    """The check-in's first question, the safety screen, asks word for word about breathing, swelling and fainting."""
    assert said("checkin.q_safety") == (
        "Right now, is it hard to breathe or swallow? Is your tongue or throat swelling, or your voice hoarse? "
        "Do you feel faint or confused?")


async def test_the_app_sends_the_pinned_safety_texts(phone):
    """The running app sends these very texts: the safety question opens a check-in, a Yes gets the advice."""
    await enrol(phone, CHAT)
    question = (await phone.send(CHAT, "/checkin"))[0]
    assert question.text.endswith("\n\nRight now, is it hard to breathe or swallow? Is your tongue or throat swelling, "
                                  "or your voice hoarse? Do you feel faint or confused?")
    await phone.tap(CHAT, "Yes")
    assert any(m.text.startswith("Call 999 now. If you have an adrenaline auto-injector, use it.")
               for m in phone.telegram.chat(CHAT))

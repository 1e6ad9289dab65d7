"""Rules v3 P10 in the chat: a staff acknowledgement never replaces an emergency or urgent instruction; the
patient's "the team has seen it" repeats what to do now."""

from __future__ import annotations


import pytest

from tests.conftest import CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, enrol, severe_redness_on_day_four
from tests.texts import clinic_values, said, shows

CHAT = 1001
ACKS = ("clinic.acknowledged", "clinic.acknowledged_urgent", "clinic.acknowledged_emergency")


async def acknowledge(phone, index: int = -1) -> str:
    """A clinic admin taps Acknowledge on an alert in the clinic chat; returns what the patient then got."""
    post = [m for m in phone.telegram.chat(CLINIC) if m.text.startswith("⚠️")][index]
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.callback(CLINIC, post.data_for("Acknowledge"), message_id=post.message_id,
                                             user_id=ADMIN, first_name="Nurse"))
    [told] = phone.telegram.chat(CHAT)[before:]
    return told.text


async def test_an_acknowledged_emergency_repeats_the_emergency_instruction(clinic_phone):
    """Acknowledging an emergency alert tells the patient the team has seen it and, again, to call the emergency
    number now if the signs are still there: never only "will be in touch if needed"."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my throat is swelling and I can't breathe")
    told = await acknowledge(phone)
    assert shows(told, "clinic.acknowledged_emergency", at_start=True)
    assert f"call {clinic_values()['emergency_number']} now" in told
    assert not shows(told, "clinic.acknowledged")


async def test_an_acknowledged_urgent_alert_repeats_to_get_advice_today(clinic_phone):
    """Acknowledging an urgent alert ("my lips are swelling") repeats that the patient should get medical advice
    today, with the clinic's number and the out-of-hours advice."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips are swelling")
    told = await acknowledge(phone)
    assert shows(told, "clinic.acknowledged_urgent", at_start=True)
    assert "today" in told and clinic_values()["clinic_phone"] in told and clinic_values()["out_of_hours"] in told
    assert not shows(told, "clinic.acknowledged")


async def test_an_acknowledged_contact_provider_alert_stays_as_it_was(clinic_phone):
    """A contact_provider alert (severe redness on day 4) acknowledged still gets the plain "the team has seen it"."""
    phone = clinic_phone
    await enrol(phone)
    await severe_redness_on_day_four(phone, CHAT)
    told = await acknowledge(phone)
    assert told == said("clinic.acknowledged")


async def test_an_urgent_alert_acknowledged_after_the_check_in_became_an_emergency(clinic_phone):
    """The acknowledgement repeats the instruction of the check-in's highest level: an urgent alert (lips) that staff
    acknowledge after the patient said Yes at the safety screen gets the emergency line (the safer one)."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "my lips are swelling")
    await phone.tap(CHAT, "Yes")   # yes, the lips are swelling
    await phone.tap(CHAT, "Yes")   # and yes at the safety screen: an emergency
    assert len([m for m in phone.telegram.chat(CLINIC) if m.text.startswith("⚠️")]) == 2
    told = await acknowledge(phone, 0)  # the first, urgent alert
    assert shows(told, "clinic.acknowledged_emergency", at_start=True)


@pytest.mark.parametrize("key", ACKS)
def test_every_acknowledgement_keeps_the_patient_pointed_at_help(key):
    """Each acknowledgement names the clinic; the urgent and emergency ones carry their instruction's number."""
    text = said(key)
    assert clinic_values()["clinic_name"] in text
    if key.endswith("emergency"):
        assert clinic_values()["emergency_number"] in text
    else:
        assert clinic_values()["clinic_phone"] in text

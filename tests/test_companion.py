"""A companion (issue 24): a one-time signed link from /companion, one tap to accept, copies of urgent and
emergency advice only (through the outbox), never answers or results, /companion stop from either side, and
erasure with the patient."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bot.care import companions
from tests.conftest import CLINIC_CHAT, enrol
from tests.texts import said, services_of, shows

PATIENT, FRIEND, OTHER = 1001, 2002, 3003
LINK = re.compile(r"https://t\.me/aftercare_test_bot\?start=(c[A-Za-z0-9_-]+)")
NORMAL_DAY_1 = ["No", "Same", "Mild", "None", "Mild", "None", "None of these", "No"]


@pytest.fixture
def phone(clinic_phone):
    """The app with a clinic chat (alerts have somewhere to go), driven on the hand-moved clock."""
    return clinic_phone


async def tap_as(phone, chat_id: int, label: str, first_name: str) -> list:
    """Tap the newest button labelled ``label`` in ``chat_id`` as the user ``first_name``."""
    message = next(m for m in reversed(phone.telegram.chat(chat_id)) if m.buttons)
    before = len(phone.telegram.chat(chat_id))
    await phone.feed(phone.telegram.callback(chat_id, message.data_for(label), message_id=message.message_id,
                                             first_name=first_name))
    return phone.telegram.chat(chat_id)[before:]


async def invite(phone, not_ok: bool = False) -> str:
    """The enrolled patient's /companion and one tap: the payload of the link they got."""
    await phone.send(PATIENT, "/companion")
    shown = await phone.tap(PATIENT, said("companion.invite_button_not_ok" if not_ok
                                         else "companion.invite_button_advice"))
    return LINK.search(shown[-1].text if shown else phone.last(PATIENT).text).group(1)


async def linked(phone, not_ok: bool = False) -> None:
    """Enrol Ana, invite Ben, and Ben accepts; the patient's notice delivered."""
    await enrol(phone)
    payload = await invite(phone, not_ok)
    await phone.send(FRIEND, f"/start {payload}", first_name="Ben")
    await tap_as(phone, FRIEND, "Yes", "Ben")
    await phone.run_jobs(phone.clock.now())


def texts(phone, chat_id: int) -> list[str]:
    return [m.text for m in phone.telegram.chat(chat_id)]


async def test_invite_and_accept_say_plainly_what_the_companion_gets_and_tell_the_patient(phone):
    """/companion gives a one-time link of at most 64 characters; the companion is told whose companion they become
    and what they will and won't get, accepts in one tap, and the patient is told."""
    await enrol(phone)
    payload = await invite(phone)
    assert len(payload) <= 64 and shows(phone.last(PATIENT).text, "companion.invite_link")
    offer = (await phone.send(FRIEND, f"/start {payload}", first_name="Ben"))[-1]
    assert offer.text == said("companion.offer", name="Ana")
    assert "check-in answers" in offer.text and phone.store.patient(FRIEND) is None  # no enrolment, no consent
    await tap_as(phone, FRIEND, said("companion.accept_button", name="Ana"), "Ben")
    assert texts(phone, FRIEND)[-1] == said("companion.accepted", name="Ana")
    link = phone.store.companion_of(PATIENT)
    assert link is not None and link.chat_id == FRIEND and link.name == "Ben" and not link.not_ok
    await phone.run_jobs(phone.clock.now())
    assert phone.last(PATIENT).text == said("companion.accepted_to_patient", companion="Ben")


async def test_a_typed_urgent_sign_sends_the_companion_the_advice_not_the_words(phone):
    """The patient types an urgent sign: the companion gets the same advice, headed with the patient's name,
    through the outbox, and never the patient's words or the triage's details."""
    await linked(phone)
    before = len(phone.telegram.chat(FRIEND))
    sent = await phone.send(PATIENT, "I have a fever and the area is hot")
    advice, because = sent[0].text.rsplit("\n\n", 1)
    assert shows(because, "checkin.because") and shows(advice, "triage.level_urgent", at_start=True)
    assert texts(phone, FRIEND)[before:] == []  # nothing direct: the copy goes through the outbox
    await phone.run_jobs(phone.clock.now())
    copies = texts(phone, FRIEND)[before:]
    assert copies == [said("companion.copy_urgent", name="Ana") + "\n\n" + advice]
    assert "area is hot" not in copies[0] and "38" not in copies[0] and "check-in" not in copies[0].lower()


async def test_a_normal_checkin_and_reminders_send_the_companion_nothing(phone):
    """A normal check-in, its result and the day's reminders reach the patient only."""
    await linked(phone)
    before = len(phone.telegram.chat(FRIEND))
    phone.clock.advance(timedelta(days=1))
    await phone.run_jobs(phone.clock.now())
    await phone.send(PATIENT, "/checkin")
    for label in NORMAL_DAY_1:
        await phone.tap(PATIENT, label)
    phone.clock.advance(timedelta(hours=14))
    await phone.run_jobs(phone.clock.now())
    assert texts(phone, FRIEND)[before:] == []


async def test_the_not_ok_line_goes_only_when_the_patient_chose_it(phone):
    """With "Also when I'm not OK" chosen, "I'm not ok" tells the companion so, without the patient's words."""
    await linked(phone, not_ok=True)
    before = len(phone.telegram.chat(FRIEND))
    await phone.send(PATIENT, "honestly I'm not ok today")
    await phone.run_jobs(phone.clock.now())
    assert texts(phone, FRIEND)[before:] == [said("companion.not_ok", name="Ana")]


async def test_a_companions_words_are_never_the_patients(phone):
    """What a companion types gets a short kind reply with the emergency line: no triage, no alert, no relay."""
    await linked(phone)
    clinic_before = len(phone.telegram.chat(CLINIC_CHAT))
    said_back = await phone.send(FRIEND, "thanks, how is she doing? she's worried", first_name="Ben")
    assert [m.text for m in said_back] == [said("companion.reply_to_companion", name="Ana")]
    reply = await phone.send(FRIEND, "she has a fever and pus", first_name="Ben")
    assert [m.text for m in reply] == [said("checkin.safety_advice_not_enrolled")]  # the advice for anyone
    await phone.run_jobs(phone.clock.now())
    assert phone.store.open_checkin(PATIENT) is None and phone.store.patient(FRIEND) is None
    assert len(phone.telegram.chat(CLINIC_CHAT)) == clinic_before and texts(phone, PATIENT)[-1] == \
        said("companion.accepted_to_patient", companion="Ben")


async def test_stop_from_the_patient_ends_it_at_once_and_tells_the_companion(phone):
    """/companion stop by the patient: the link is gone, the companion is told, and later advice goes to no one."""
    await linked(phone)
    assert (await phone.send(PATIENT, "/companion stop"))[-1].text == said("companion.stopped_patient",
                                                                           companion="Ben")
    assert phone.store.companion_of(PATIENT) is None
    await phone.run_jobs(phone.clock.now())
    assert texts(phone, FRIEND)[-1] == said("companion.ended_by_patient", name="Ana")
    before = len(phone.telegram.chat(FRIEND))
    await phone.send(PATIENT, "I have a fever and the area is hot")
    await phone.run_jobs(phone.clock.now())
    assert texts(phone, FRIEND)[before:] == []


async def test_stop_from_the_companion_ends_it_and_tells_the_patient(phone):
    """/companion stop by the companion: the link is gone, and the patient is told."""
    await linked(phone)
    reply = await phone.send(FRIEND, "/companion stop", first_name="Ben")
    assert reply[-1].text == said("companion.stopped_companion", name="Ana")
    assert phone.store.companion_of(PATIENT) is None
    await phone.run_jobs(phone.clock.now())
    assert phone.last(PATIENT).text == said("companion.ended_by_companion", companion="Ben")


async def test_an_advice_copy_queued_before_stop_is_not_sent(phone):
    """A copy still waiting in the outbox when the link ends is dropped, not delivered."""
    await linked(phone)
    before = len(phone.telegram.chat(FRIEND))
    assert companions.copy_advice(services_of(phone.app), phone.store.patient(PATIENT), "urgent",
                                  "Call the clinic today.", phone.clock.now())
    await phone.send(PATIENT, "/companion stop")
    await phone.run_jobs(phone.clock.now())
    assert [t for t in texts(phone, FRIEND)[before:] if "Call the clinic today." in t] == []


async def test_the_patients_mydata_names_the_companion_and_erasure_ends_it(phone):
    """/mydata names the companion (never their Telegram id); /delete erases the link and the companion is told."""
    await linked(phone)
    await phone.send(PATIENT, "/mydata")
    assert said("companion.mydata", companion="Ben", since=services_of(phone.app).date("date", phone.clock.now())) \
        in texts(phone, PATIENT)[-1]
    data = json.loads(phone.telegram.chat(PATIENT)[-2].file_bytes)
    assert data["profile"]["companion"] == "Ben" and data["stored_rows"]["patients"][0]["companion_name"] == "Ben"
    assert str(FRIEND) not in json.dumps(data)
    await phone.send(PATIENT, "/delete")
    await phone.tap(PATIENT, said("control.delete_yes"))
    assert phone.store.companion_of(PATIENT) is None and phone.store.accompanied_by(FRIEND) is None
    assert phone.store.db.execute("SELECT count(*) FROM patients WHERE companion_chat_id IS NOT NULL").fetchone()[0] == 0
    await phone.run_jobs(phone.clock.now())
    assert texts(phone, FRIEND)[-1] == said("companion.ended_erased")


async def test_a_companions_own_mydata_and_delete_cover_their_small_record(phone):
    """A companion's /mydata gives their own record; their /delete erases it and tells the patient."""
    await linked(phone)
    await phone.send(FRIEND, "/mydata", first_name="Ben")
    data = json.loads(phone.telegram.chat(FRIEND)[-1].file_bytes)
    assert data["companion_of"] == "Ana" and data["your_first_name"] == "Ben" and str(FRIEND) not in json.dumps(data)
    await phone.send(FRIEND, "/delete", first_name="Ben")
    await tap_as(phone, FRIEND, said("companion.delete_yes"), "Ben")
    assert texts(phone, FRIEND)[-1] == said("companion.deleted", name="Ana")
    assert phone.store.companion_of(PATIENT) is None
    await phone.run_jobs(phone.clock.now())
    assert phone.last(PATIENT).text == said("companion.ended_by_companion", companion="Ben")


async def test_forged_expired_reused_and_own_links_are_refused_kindly(phone):
    """A changed link, a link used already, an expired one and the patient's own are each refused in one kind line,
    and none links anyone."""
    await enrol(phone)
    payload = await invite(phone)
    forged = payload[:-3] + ("AAA" if payload[-3:] != "AAA" else "BBB")
    assert [m.text for m in await phone.send(OTHER, f"/start {forged}")] == [said("companion.refused_forged")]
    assert [m.text for m in await phone.send(PATIENT, f"/start {payload}")] == [said("companion.refused_self")]
    await phone.send(FRIEND, f"/start {payload}", first_name="Ben")
    await tap_as(phone, FRIEND, "Yes", "Ben")
    await phone.send(FRIEND, "/companion stop", first_name="Ben")
    assert [m.text for m in await phone.send(OTHER, f"/start {payload}")] == [said("companion.refused_used")]
    later = await invite(phone)
    phone.clock.advance(timedelta(days=companions.DAYS + 1))
    assert [m.text for m in await phone.send(OTHER, f"/start {later}")] == [said("companion.refused_expired")]
    assert phone.store.companion_of(PATIENT) is None and phone.store.patient(OTHER) is None


async def test_a_stale_accept_button_after_the_link_was_used_is_refused(phone):
    """Two people open the same link; the second to tap Yes is told it was used, and only the first is linked."""
    await enrol(phone)
    payload = await invite(phone)
    await phone.send(FRIEND, f"/start {payload}", first_name="Ben")
    await phone.send(OTHER, f"/start {payload}", first_name="Cy")
    await tap_as(phone, FRIEND, "Yes", "Ben")
    await tap_as(phone, OTHER, "Yes", "Cy")
    assert texts(phone, OTHER)[-1] == said("companion.refused_used")
    assert phone.store.companion_of(PATIENT).chat_id == FRIEND


async def test_forged_button_data_gets_a_kind_answer(phone):
    """Forged companion button data changes nothing and is answered with the expired-button line."""
    await enrol(phone)
    for data in ("cp1:ok:cNOTAREALLINK", "cp1:ok:" + "c" * 33, "cp1:new:7", "cp1:del:yes", "cp1"):
        await phone.press(OTHER, data)
        answer = phone.telegram.callback_answers[-1]
        assert answer.get("text") in {said("common.expired"), said("companion.refused_forged")}
    assert phone.store.companion_of(PATIENT) is None


async def test_a_typed_stop_from_the_companion_ends_their_link(phone):
    """A companion's typed STOP ends the link, as /companion stop does, and the patient is told."""
    await linked(phone)
    reply = await phone.send(FRIEND, "STOP", first_name="Ben")
    assert [m.text for m in reply] == [said("companion.stopped_companion", name="Ana")]
    assert phone.store.companion_of(PATIENT) is None
    await phone.run_jobs(phone.clock.now())
    assert phone.last(PATIENT).text == said("companion.ended_by_companion", companion="Ben")


async def test_a_companion_who_is_a_patient_too_is_unlinked_when_erased(phone):
    """A companion who enrolled as a patient too and deletes their data leaves no trace in the other's record."""
    await linked(phone)
    await enrol(phone, FRIEND)
    await phone.send(FRIEND, "/delete")
    await phone.tap(FRIEND, said("control.delete_yes"))
    assert phone.store.companion_of(PATIENT) is None and phone.store.patient(FRIEND) is None
    await phone.run_jobs(phone.clock.now())
    assert phone.last(PATIENT).text == said("companion.ended_by_companion", companion="Ben")

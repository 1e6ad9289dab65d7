"""A thread per patient (bot/care/topics.py): in a forum clinic chat each patient gets a topic named by their
reference or number, their alerts, re-raises, relays and photos go there, a team member's message in it reaches
the patient, a deleted or closed topic is replaced, erasure deletes it, and a plain group keeps its reply chains."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import open_store
from bot.tools.simulated_telegram import FakeTelegram
from tests.conftest import CLINIC_CHAT as CLINIC, CLINIC_NURSE as NURSE, clinic_settings, enrol, open_phone, start
from tests.test_invitations import enrol_invited, payload_of
from tests.texts import said, shows

A, B, STRANGER = 1001, 1002, 6060
THROAT = "My throat is swelling and I can't breathe"


@pytest.fixture
def forum(clinic_bot):
    """The app with a clinic chat that has topics on, the bot an admin there who may manage topics."""
    clinic_bot.telegram.set_group(CLINIC, forum=True, bot_status="administrator")
    return clinic_bot


def alerts_in(telegram, thread: int | None = None) -> list:
    return [m for m in telegram.chat(CLINIC) if m.text.startswith("⚠️") and (thread is None or m.thread == thread)]


async def relay(phone, chat_id: int, text: str) -> None:
    await phone.send(chat_id, "/clinic")
    await phone.send(chat_id, text)


async def test_the_first_alert_opens_the_patients_topic_and_everything_about_them_goes_there(forum):
    """The first alert creates a topic named by the patient number (never the Telegram name) and is posted in it;
    a relay and a photo of that patient follow into the same topic, another patient gets a topic of their own."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await phone.send(A, THROAT)
    assert [m for m, _ in telegram.calls].count("createForumTopic") == 1
    (thread, name), = telegram.open_topics(CLINIC).items()
    assert name == said("forum.topic_number", number=1) and "Ana" not in name
    assert forum.store.topic_of(CLINIC, A) == thread
    assert [m.thread for m in alerts_in(telegram)] == [thread]
    await relay(phone, A, "Can I still use my cream?")
    await phone.send(A, "/clinic")
    await phone.feed(telegram.photo(A, "AgADphoto1", caption="this morning"))
    relayed = [m for m in telegram.chat(CLINIC) if m.text.startswith(("✉️", "📷"))]
    assert [(m.kind, m.thread) for m in relayed] == [("text", thread), ("photo", thread)]
    await enrol(phone, B)
    await relay(phone, B, "A question about sunscreen")
    assert len(telegram.open_topics(CLINIC)) == 2 and telegram.last(CLINIC).thread == forum.store.topic_of(CLINIC, B)
    assert [m for m, _ in telegram.calls].count("createForumTopic") == 2  # each patient's topic once


async def test_an_invited_patients_topic_is_named_by_the_clinic_reference(forum):
    """A patient enrolled from an invitation with a clinic reference gets a topic named by it and their number."""
    phone = forum.phone
    await enrol_invited(phone, A, payload_of(phone, ref="A-1043"))
    await relay(phone, A, "Hello from the desk")
    assert list(forum.telegram.open_topics(CLINIC).values()) == [said("forum.topic_ref", ref="A-1043", number=1)]


async def test_a_team_members_message_in_the_topic_reaches_the_patient_and_a_strangers_does_not(forum):
    """A nurse writing in the patient's topic (not replying to anything) reaches the patient and gets a receipt in
    the topic; someone not on the team, or a bot, is refused there, and the patient's reply to the nurse goes back
    into the topic."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await relay(phone, A, "Is the redness normal?")
    thread = forum.store.topic_of(CLINIC, A)
    before = len(telegram.chat(A))
    await phone.feed(telegram.topic_message(CLINIC, thread, "Yes, for two or three days.", user_id=NURSE))
    assert telegram.texts(A)[before:] == [said("clinic.from_clinic", text="Yes, for two or three days.")]
    receipt = telegram.last(CLINIC)
    assert receipt.text.startswith("✓ Sent to Ana") and receipt.thread == thread
    assert [(r.direction, r.text) for r in forum.store.relays(A)][-1] == ("from_clinic", "Yes, for two or three days.")
    await phone.feed(telegram.topic_message(CLINIC, thread, "I think it is an allergy", user_id=STRANGER))
    assert telegram.texts(A)[before:] == [said("clinic.from_clinic", text="Yes, for two or three days.")]
    assert telegram.last(CLINIC).text == said("clinic.team_only") and telegram.last(CLINIC).thread == thread
    await phone.feed(telegram.topic_message(CLINIC, thread, "beep", user_id=NURSE + 1000, is_bot=True))
    assert telegram.last(CLINIC).text == said("clinic.team_only") and len(telegram.chat(A)) == before + 1
    passed_on = telegram.last(A)
    await phone.feed(telegram.reply(A, "Thank you, it is already better", passed_on, chat_type="private"))
    back = telegram.last(CLINIC)
    assert back.text.startswith("✉️ Message from Ana") and back.thread == thread


async def test_a_topic_deleted_by_staff_is_replaced_at_the_next_alert(forum):
    """Staff delete the patient's topic: the next alert opens a new topic and is posted there, the mapping is
    the new one, and nothing is lost; a closed topic is replaced the same way."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await phone.send(A, THROAT)
    first = forum.store.topic_of(CLINIC, A)
    telegram.delete_topic(CLINIC, first)
    phone.clock.advance(timedelta(hours=1))
    await phone.send(A, "I have a fever of 39 and pus")
    second = forum.store.topic_of(CLINIC, A)
    assert second not in (None, first) and list(telegram.open_topics(CLINIC)) == [second]
    assert [m.thread for m in alerts_in(telegram)] == [second]
    assert [r.state for r in forum.store.outbox(about=A) if r.kind == "alert"] == ["sent", "sent"]
    telegram.close_topic(CLINIC, second)
    await relay(phone, A, "Still worried")
    third = forum.store.topic_of(CLINIC, A)
    assert third not in (first, second) and telegram.last(CLINIC).thread == third


async def test_a_reraise_sent_later_by_the_dispatcher_goes_into_the_topic(forum):
    """An alert nobody acknowledged is raised again by the dispatcher, in the patient's topic."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await phone.send(A, THROAT)
    thread = forum.store.topic_of(CLINIC, A)
    later = phone.clock.now() + timedelta(minutes=30)
    await forum.run(later)
    reraised = [r for r in forum.store.outbox(about=A) if r.kind == "reraise"]
    assert [r.state for r in reraised] == ["sent"]
    again = [m for m in telegram.chat(CLINIC) if m.text.startswith("🔁")]
    assert [m.thread for m in again] == [thread] and [m.thread for m in alerts_in(telegram)] == [thread]


async def test_an_alert_the_dispatcher_delivers_later_opens_the_topic_there(forum):
    """When the first try of an alert fails, the dispatcher's delivery opens the topic and posts into it."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    telegram.fail_next("createForumTopic", "network", times=3)
    await phone.send(A, THROAT)
    assert alerts_in(telegram) == []
    await forum.run(phone.clock.now() + timedelta(seconds=31))
    thread = forum.store.topic_of(CLINIC, A)
    assert thread is not None and [m.thread for m in alerts_in(telegram)] == [thread]


async def test_a_plain_group_keeps_its_reply_chains(tmp_path, clock):
    """In a group without topics nothing opens a topic or names a thread, and a reply still reaches the patient."""
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    try:
        telegram, phone = bot.telegram, bot.phone
        await enrol(phone, A)
        await phone.send(A, THROAT)
        await relay(phone, A, "Is this normal?")
        relayed = telegram.last(CLINIC)
        await phone.feed(telegram.reply(CLINIC, "Yes it is.", relayed))
        assert telegram.last(A).text == said("clinic.from_clinic", text="Yes it is.")
        assert not any(m.endswith("ForumTopic") for m, _ in telegram.calls)
        assert not any("message_thread_id" in p and p["message_thread_id"] is not None for _, p in telegram.calls)
        assert store.topic_of(CLINIC, A) is None
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_erasure_deletes_the_topic_or_leaves_it_with_the_erased_wording(forum):
    """/delete deletes the patient's topic and erases the mapping row; where Telegram refuses the deletion, the
    topic is renamed to the erased wording instead."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await relay(phone, A, "Please call me")
    thread = forum.store.topic_of(CLINIC, A)
    await phone.send(A, "/delete")
    await phone.tap(A, "Yes, erase")
    await forum.run(phone.clock.now())
    assert telegram.topic(CLINIC, thread)["deleted"] and telegram.in_topic(CLINIC, thread) == []
    assert forum.store.patient_of_topic(CLINIC, thread) is None
    await enrol(phone, B)
    await relay(phone, B, "Please call me too")
    other = forum.store.topic_of(CLINIC, B)
    telegram.fail_next("deleteForumTopic", "bad_request")
    await phone.send(B, "/delete")
    await phone.tap(B, "Yes, erase")
    await forum.run(phone.clock.now())
    assert telegram.topic(CLINIC, other) == {"name": said("forum.erased_topic"), "closed": False, "deleted": False}
    assert telegram.in_topic(CLINIC, other)[1].text == said("alerts.erased_message")
    assert forum.store.topic_of(CLINIC, B) is None


async def test_a_relay_parked_by_a_long_429_is_sent_into_the_topic_later(forum):
    """Telegram asks the clinic chat to wait 30 s: the patient's relay is parked in the outbox, and the dispatcher
    sends it into the patient's topic once Telegram allows, not into the General topic."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await relay(phone, A, "First question")
    thread = forum.store.topic_of(CLINIC, A)
    telegram.fail_next("sendMessage", "retry_after", chat_id=CLINIC, value=30)
    await relay(phone, A, "Second question")
    assert not any("Second question" in m.text for m in telegram.chat(CLINIC))
    await forum.run(phone.clock.now() + timedelta(seconds=31))
    later = next(m for m in telegram.chat(CLINIC) if "Second question" in m.text)
    assert later.thread == thread


async def test_a_staff_action_typed_in_the_topic_needs_no_patient_number(forum):
    """`/patient pause 3` typed in the patient's topic pauses that patient, who is told, and staff are answered in
    the topic; outside a topic the number is still needed."""
    telegram, phone = forum.telegram, forum.phone
    await enrol(phone, A)
    await relay(phone, A, "Can I pause the reminders?")
    thread = forum.store.topic_of(CLINIC, A)
    before = len(telegram.chat(A))
    await phone.feed(telegram.topic_message(CLINIC, thread, "/patient pause 3", user_id=NURSE))
    assert len(telegram.chat(A)) == before + 1 and shows(telegram.last(A).text, "control.clinic_paused")
    answer = telegram.last(CLINIC)
    assert answer.thread == thread and shows(answer.text, "staff.patient_done_pause")
    await phone.feed(telegram.message(CLINIC, "/patient resume", user_id=NURSE, chat_type="supergroup"))
    assert telegram.last(CLINIC).text == said("staff.patient_usage") and telegram.last(CLINIC).thread is None


async def test_a_new_clinic_chat_starts_a_new_mapping(tmp_path, clock):
    """The clinic moves to a new forum group (a new AFTERCARE_CLINIC_CHAT_ID): the old group's topic is never
    used there, and the patient's next relay opens a topic in the new group."""
    settings = clinic_settings(tmp_path)
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    bot.telegram.set_group(CLINIC, forum=True, bot_status="administrator")
    await enrol(bot.phone, A)
    await relay(bot.phone, A, "Hello old group")
    old = store.topic_of(CLINIC, A)
    await bot.phone.app.shutdown()
    moved, new_chat = clinic_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID="-100888"), -100888
    phone = await open_phone(moved, store, clock, FakeTelegram(first_update_id=store.newest_update_id() + 1))
    try:
        phone.telegram.set_group(new_chat, forum=True, bot_status="administrator")
        await relay(phone, A, "Hello new group")
        assert old is not None and store.topic_of(new_chat, A) is not None
        assert phone.telegram.last(new_chat).thread == store.topic_of(new_chat, A)
        assert [m for m, _ in phone.telegram.calls].count("createForumTopic") == 1
    finally:
        await phone.app.shutdown()
        store.close()


async def test_two_posts_at_once_about_a_new_patient_open_one_topic(forum):
    """Two posts about a patient with no topic yet, at the same moment (a handler's and the dispatcher's), open
    one topic between them, and both go into it."""
    import asyncio

    from bot.care import topics
    from bot.services import SERVICES_KEY
    await enrol(forum.phone, A)
    svc, bot = forum.phone.app.bot_data[SERVICES_KEY], forum.phone.app.bot
    gate = forum.telegram.gates["createForumTopic"] = asyncio.Event()  # Telegram slow to answer the first
    both = asyncio.gather(topics.thread_for(bot, svc, A), topics.thread_for(bot, svc, A))
    for _ in range(50):  # let both run as far as they can
        await asyncio.sleep(0)
    gate.set()
    threads = await both
    assert threads[0] == threads[1] is not None
    assert [m for m, _ in forum.telegram.calls].count("createForumTopic") == 1

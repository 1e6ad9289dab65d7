"""One voice for the clinic (issue 26): only the clinic team speaks to patients, a reply is tied to the message the
bot posted in the chat it posted it, a patient's words are quoted as theirs, and corrections and long replies
reach the patient."""

from __future__ import annotations

import pytest

from bot.readiness import go_live_warnings
from bot.store import open_store
from tests.conftest import (START, CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, CLINIC_NURSE as NURSE, clinic_file,
                            clinic_settings, enrol, make_settings, open_phone)
from tests.texts import said, shows

ANA, BOB = 1001, 1002
MEMBER = 6060  # in the clinic group, but neither an admin nor on the staff list
NEW_CLINIC = -100888  # the group the clinic moves to
THROAT = "My throat is swelling and I can't breathe"
PILLS = "Take 2 of my pills"


@pytest.fixture
async def opened(tmp_path, clock):
    """Open the app with given settings over one store; every app opened is shut down at the end."""
    phones, stores = [], []

    async def open_with(settings, store=None, telegram=None):
        if store is None:
            store = open_store(settings.database_path, settings.sealer())
            stores.append(store)
        phone = await open_phone(settings, store, clock, telegram)
        phones.append(phone)
        return phone

    yield open_with
    for phone in phones:
        await phone.app.shutdown()
    for store in stores:
        store.close()


async def relayed(phone, chat_id: int = ANA, text: str = "Is peeling normal?"):
    """The patient writes to the clinic; returns the message it became in the clinic chat."""
    await phone.send(chat_id, "/clinic")
    await phone.send(chat_id, text)
    return phone.telegram.last(CLINIC)


def posted(phone, chat_id: int, start: str):
    return next(m for m in reversed(phone.telegram.chat(chat_id)) if m.text.startswith(start))


# ---- 1. only the clinic team speaks for the clinic ------------------------------------------------------------

async def test_a_members_reply_who_is_not_on_the_team_does_not_reach_the_patient(opened, tmp_path):
    """A group member who is neither an admin nor on the staff list replies to a relayed message: nothing reaches
    the patient, and the member is told kindly why."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    before = len(phone.telegram.chat(ANA))
    await phone.feed(phone.telegram.reply(CLINIC, PILLS, message, user_id=MEMBER, first_name="Max"))
    assert phone.telegram.chat(ANA)[before:] == []
    assert said("clinic.from_clinic", text=PILLS) not in phone.telegram.texts(ANA)
    assert phone.telegram.last(CLINIC).text == said("clinic.team_only")
    assert [r.direction for r in phone.store.relays(ANA)] == ["to_clinic"]


def _from_a_bot(update: dict) -> None:
    update["message"]["from"] = {"id": 5550001, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}


def _posted_as_the_group(update: dict) -> None:  # an anonymous admin, or a channel: whoever is behind it
    update["message"]["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    update["message"]["sender_chat"] = {"id": CLINIC, "type": "supergroup", "title": "A group"}


def _through_an_inline_bot(update: dict) -> None:  # the nurse is on the team, but the words are a bot's
    update["message"]["via_bot"] = {"id": 5550002, "is_bot": True, "first_name": "Gif", "username": "gif"}


@pytest.mark.parametrize("disguise", [_from_a_bot, _posted_as_the_group, _through_an_inline_bot],
                         ids=["another_bot", "sender_chat", "via_bot"])
async def test_a_bots_message_does_not_reach_the_patient(opened, tmp_path, disguise):
    """Another bot's reply, one posted as a chat, or one sent through an inline bot reaches no patient."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    before = len(phone.telegram.chat(ANA))
    update = phone.telegram.reply(CLINIC, PILLS, message, user_id=NURSE)
    disguise(update)
    await phone.feed(update)
    assert phone.telegram.chat(ANA)[before:] == []
    assert phone.telegram.last(CLINIC).text == said("clinic.team_only")


async def test_a_nurse_on_the_staff_list_answers_patients(opened, tmp_path):
    """A nurse on the clinic profile's staff list (not an admin) answers a patient and acknowledges an alert."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    await phone.feed(phone.telegram.reply(CLINIC, "Yes, that's normal.", message, user_id=NURSE))
    assert phone.telegram.last(ANA).text == said("clinic.from_clinic", text="Yes, that's normal.")
    await phone.send(ANA, THROAT)
    alert = posted(phone, CLINIC, "⚠️ EMERGENCY")
    await phone.feed(phone.telegram.callback(CLINIC, alert.data_for("Acknowledge"), message_id=alert.message_id,
                                             user_id=NURSE, first_name="Sam"))
    assert phone.store.alerts(open_only=True) == []


async def test_with_no_admins_nobody_can_acknowledge_an_alert(opened, tmp_path):
    """With a clinic chat but no admins (and nobody on the staff list), a member's tap on Acknowledge is refused
    and the alert stays open (raised again, then to the on-call admins, as if nobody had seen it)."""
    phone = await opened(make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC)))
    await enrol(phone, ANA)
    await phone.send(ANA, THROAT)
    alert = posted(phone, CLINIC, "⚠️ EMERGENCY")
    before = len(phone.telegram.chat(ANA))
    await phone.feed(phone.telegram.callback(CLINIC, alert.data_for("Acknowledge"), message_id=alert.message_id,
                                             user_id=MEMBER, first_name="Max"))
    assert shows(phone.telegram.callback_answers[-1]["text"], "alerts.admins_only_ack", at_start=True)
    assert len(phone.store.alerts(open_only=True)) == 1 and alert.buttons
    assert phone.telegram.chat(ANA)[before:] == []  # not told that a person has seen it


# ---- 2. with nobody to answer, nothing is relayed -------------------------------------------------------------

async def test_with_no_admins_clinic_gives_the_phone_instead_of_relaying(opened, tmp_path):
    """With a clinic chat but nobody who may answer there, /clinic gives the clinic's phone number and the next
    message is not relayed (it would wait for ever)."""
    phone = await opened(make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC)))
    await enrol(phone, ANA)
    replies = await phone.send(ANA, "/clinic")
    assert [r.text for r in replies] == [said("clinic.no_clinic_chat")]
    assert not phone.store.relay_armed(ANA, phone.clock.now())
    await phone.send(ANA, "/clinic can I swim?")
    assert not [m for m in phone.telegram.chat(CLINIC) if m.text.startswith("✉️")]


async def test_staff_without_admins_still_relay(opened, tmp_path):
    """Staff on the profile's list are someone to answer: without admins, /clinic still relays."""
    phone = await opened(make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC),
                                       AFTERCARE_CLINIC_FILE=clinic_file(tmp_path)))
    await enrol(phone, ANA)
    await relayed(phone)
    assert phone.telegram.last(CLINIC).text.startswith("✉️ Message from Ana")


def test_the_start_up_warning_says_clinic_gives_the_phone_without_admins(tmp_path):
    """The go-live warning (start-up log, doctor) says that /clinic gives the phone while nobody may answer, and
    stops saying so once staff are listed."""
    [warning] = [w for w in go_live_warnings(make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC)))
                 if w.startswith("no admins")]
    assert "/clinic gives the clinic's phone number instead of passing their message on" in warning
    staffed = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC), AFTERCARE_CLINIC_FILE=clinic_file(tmp_path))
    [warning] = [w for w in go_live_warnings(staffed) if w.startswith("no admins")]
    assert "/clinic" not in warning


# ---- 3. a reply is tied to the chat and the message the bot posted ---------------------------------------------

async def _moved_clinic(opened, tmp_path):
    """Ana wrote to the clinic's old group; the clinic moved to a new group, whose ids start again, so Bob's
    alert there has the id Ana's message had. Returns (the app on the new group, Ana's old message, Bob's alert)."""
    old = await opened(clinic_settings(tmp_path))
    await enrol(old, ANA)
    await enrol(old, BOB)
    ana_message = await relayed(old, ANA, "Is peeling normal?")
    await old.app.shutdown()
    new = await opened(clinic_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(NEW_CLINIC)), store=old.store,
                       telegram=old.telegram)
    old.telegram.number_from(ana_message.message_id - 2)  # Bob's message and his advice come first
    await new.send(BOB, THROAT)
    bob_alert = posted(new, NEW_CLINIC, "⚠️ EMERGENCY")
    assert bob_alert.message_id == ana_message.message_id  # the collision the new group makes
    return new, ana_message, bob_alert


async def test_after_the_clinic_moves_a_reply_to_bobs_alert_reaches_bob_not_ana(opened, tmp_path):
    """In the new group, a staff reply to Bob's alert reaches Bob, never Ana whose old message had that id."""
    phone, _, bob_alert = await _moved_clinic(opened, tmp_path)
    before = len(phone.telegram.chat(ANA))
    text = "Bob, an ambulance is on its way to 12 High St"
    await phone.feed(phone.telegram.reply(NEW_CLINIC, text, bob_alert, user_id=ADMIN))
    assert phone.telegram.chat(ANA)[before:] == []
    assert phone.telegram.last(BOB).text == said("clinic.from_clinic", text=text)


async def test_after_the_clinic_moves_anas_delete_leaves_bobs_alert_alone(opened, tmp_path):
    """Ana's /delete edits her own message in the old group, never Bob's alert with the same id in the new one."""
    phone, ana_message, bob_alert = await _moved_clinic(opened, tmp_path)
    alert_text = bob_alert.text
    await phone.send(ANA, "/delete")
    await phone.tap(ANA, "Yes, erase everything")
    await phone.run_jobs(phone.clock.now())
    assert bob_alert.text == alert_text and bob_alert.edits == 0
    assert ana_message.text != "Is peeling normal?" and "peeling" not in ana_message.text  # hers is erased


async def test_a_patients_reply_is_not_threaded_to_a_staff_message_of_the_old_group(opened, tmp_path):
    """After the move, the patient's reply to a staff answer given in the old group is not posted in the new group
    as a reply to whatever has that staff message's id there (it is read like any message)."""
    old = await opened(clinic_settings(tmp_path))
    await enrol(old, ANA)
    message = await relayed(old)
    staff = old.telegram.reply(CLINIC, "Yes, that's normal.", message, user_id=NURSE)
    await old.feed(staff)
    answer = old.telegram.last(ANA)
    await old.app.shutdown()
    new = await opened(clinic_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(NEW_CLINIC)), store=old.store,
                       telegram=old.telegram)
    await new.feed(new.telegram.reply(ANA, "thanks, and the redness?", answer, chat_type="private"))
    assert [m for m in new.telegram.chat(NEW_CLINIC) if m.reply_to == staff["message"]["message_id"]] == []
    assert new.telegram.last(ANA).chat_id == ANA  # answered in the patient's chat all the same


def test_messages_recorded_before_the_chat_was_are_pinned_once_and_only_when_safe(tmp_path):
    """Relays recorded without their chat (before migration 0014) are pinned to the configured clinic chat at the
    first start, unless alerts went to another group (the clinic moved): then they match no chat, for good."""
    sealer = make_settings(tmp_path).sealer()
    store = open_store(None, sealer)  # a real database, in memory
    try:
        store.db.execute("INSERT INTO patients (chat_id, status, consent_at, created_at, updated_at)"
                         " VALUES (?, 'active', '', '', '')", [ANA])
        now = START
        store.record_relay(ANA, "to_clinic", "old words", None, 41, now)  # as before 0014: no chat
        assert store.patient_of_clinic_message(CLINIC, 41) is None
        assert store.adopt_clinic_chat(CLINIC) == 1 and store.patient_of_clinic_message(CLINIC, 41) == ANA
        store.record_relay(ANA, "to_clinic", "more old words", None, 42, now)
        assert store.adopt_clinic_chat(CLINIC) == 0  # once only: a later chat never adopts them
        assert store.patient_of_clinic_message(CLINIC, 42) is None
    finally:
        store.close()
    store = open_store(None, sealer)
    try:
        store.db.execute("INSERT INTO patients (chat_id, status, consent_at, created_at, updated_at)"
                         " VALUES (?, 'active', '', '', '')", [ANA])
        now = START
        store.record_relay(ANA, "to_clinic", "old words", None, 41, now)
        store.enqueue("alert", CLINIC, now, about=ANA, alert_id=1)  # an alert went to the old group
        assert store.adopt_clinic_chat(NEW_CLINIC) == 0
        assert store.patient_of_clinic_message(NEW_CLINIC, 41) is None
    finally:
        store.close()


# ---- 4. the patient's words are quoted as theirs --------------------------------------------------------------

FORGED = "Hi\n✉️ Message from Bob (@bob), patient no. 2:\nplease send me my test results"


def _quoted(sent) -> list[str]:
    """The parts of ``sent`` its blockquote entities cover (offsets in UTF-16 units, as Telegram counts)."""
    units = sent.text.encode("utf-16-le")
    return [units[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
            for e in sent.entities if e["type"] == "blockquote"]


async def test_a_forged_header_in_a_relayed_text_stays_inside_the_patients_quote(opened, tmp_path):
    """A relayed text with a line like the bot's header arrives inside the quote, whole; a staff reply to it
    goes to the forger's own chat only."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    await enrol(phone, BOB)
    message = await relayed(phone, ANA, FORGED)
    assert message.text.startswith("✉️ Message from Ana, patient no. 1 (day 0):\n")
    assert _quoted(message) == [FORGED] and message.parse_mode is None
    bob_before = len(phone.telegram.chat(BOB))
    await phone.feed(phone.telegram.reply(CLINIC, "Bob, your results are normal.", message, user_id=NURSE))
    assert phone.telegram.chat(BOB)[bob_before:] == []
    assert phone.telegram.last(ANA).text == said("clinic.from_clinic", text="Bob, your results are normal.")


async def test_a_relayed_text_keeps_its_spacing_and_a_caption_is_quoted_too(opened, tmp_path):
    """Double spaces and blank lines inside a relayed text arrive as typed, and a photo's caption is quoted."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    typed = "Dose:  2 drops\n\n\n  then wait"
    message = await relayed(phone, ANA, typed)
    assert _quoted(message) == [typed]
    await phone.tap(ANA, "Message the clinic") if phone.telegram.last(ANA).buttons else await phone.send(ANA, "/clinic")
    await phone.feed(phone.telegram.photo(ANA, "AgADq", caption=FORGED))
    photo = phone.telegram.last(CLINIC)
    assert photo.kind == "photo" and _quoted(photo) == [FORGED]


# ---- 5. corrections and long replies ---------------------------------------------------------------------------

def _edited(update: dict, text: str) -> dict:
    message = {**update["message"], "text": text, "edit_date": 1}
    return {"update_id": update["update_id"] + 10_000, "edited_message": message}


async def test_an_edited_staff_reply_reaches_the_patient_as_a_correction(opened, tmp_path):
    """A nurse corrects a reply already passed on: the patient gets the correction, as a reply to the first."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    reply = phone.telegram.reply(CLINIC, "Take 1 tablet.", message, user_id=NURSE)
    await phone.feed(reply)
    first = phone.telegram.last(ANA)
    await phone.feed(_edited(reply, "Take 2 tablets."))
    [correction] = phone.telegram.chat(ANA)[phone.telegram.chat(ANA).index(first) + 1:]
    assert correction.text == said("clinic.correction", text="Take 2 tablets.")
    assert correction.reply_to == first.message_id
    assert phone.telegram.last(CLINIC).text == said("clinic.correction_sent",
                                                    reference=said("alerts.who", name="Ana", number=1))


async def test_an_edit_by_someone_not_on_the_team_is_refused_too(opened, tmp_path):
    """Editing a message does not get a member past the team check."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    reply = phone.telegram.reply(CLINIC, "hello", message, user_id=MEMBER)
    await phone.feed(reply)
    before = len(phone.telegram.chat(ANA))
    await phone.feed(_edited(reply, PILLS))
    assert phone.telegram.chat(ANA)[before:] == []
    assert phone.telegram.last(CLINIC).text == said("clinic.team_only")


async def test_a_staff_reply_over_4000_characters_arrives_in_parts(opened, tmp_path):
    """A 9,000-character staff reply reaches the patient in numbered parts Telegram accepts, whole, instead of
    failing with "they may have blocked the bot"; the patient's reply to a part goes back to that staff message."""
    phone = await opened(clinic_settings(tmp_path))
    await enrol(phone, ANA)
    message = await relayed(phone)
    long = " ".join(f"Step {n}: keep the area clean and dry." for n in range(250))
    assert len(long) > 9000
    before = len(phone.telegram.chat(ANA))
    reply = phone.telegram.reply(CLINIC, long, message, user_id=NURSE)
    await phone.feed(reply)
    parts = phone.telegram.chat(ANA)[before:]
    assert len(parts) == 3 and all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    prefixes = [said("clinic.from_clinic_part", part=n, parts=3, text="") for n in (1, 2, 3)]
    assert all(p.text.startswith(prefix) for p, prefix in zip(parts, prefixes))
    assert "".join(p.text[len(prefix):] for p, prefix in zip(parts, prefixes)).split() == long.split()
    assert phone.telegram.last(CLINIC).text == said("clinic.reply_sent", reference=said("alerts.who", name="Ana",
                                                                                          number=1))
    await phone.feed(phone.telegram.reply(ANA, "got it, thanks", parts[1], chat_type="private"))
    assert phone.telegram.last(CLINIC).reply_to == reply["message"]["message_id"]

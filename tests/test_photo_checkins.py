"""Photo check-ins: asked only after a yes, on the plan's photo days, after the result; Skip is one tap; the photo
goes to the clinic chat with the day's result and is erased with the patient."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.care import export
from schedules.care_plan import PlanError, parse_plan
from schedules.photos import asks_for_photo
from tests.conftest import CLINIC_CHAT as CLINIC, enrol
from tests.texts import said, services_of, shows

CHAT = 1001
NORMAL_DAY_1 = ["No", "Same", "Mild", "None", "Mild", "None", "None of these", "No"]
# The next one: redness and pain are asked about by name ("still there?") first.
NORMAL_LATER = ["No", "Same", "Yes", "Mild", "Yes", "Mild", "None", "None", "None of these", "No"]


async def checkin(phone, chat_id: int = CHAT, answers=NORMAL_DAY_1) -> None:
    """A check-in tapped through from /checkin."""
    await phone.send(chat_id, "/checkin")
    for label in answers:
        await phone.tap(chat_id, label)


async def enrol_with_photos(phone, chat_id: int = CHAT) -> None:
    """Enrol with buttons and say yes to photo check-ins at the offer."""
    await enrol(phone, chat_id)
    await phone.tap(chat_id, said("photos.consent_yes_button"))


def asks(phone, chat_id: int = CHAT) -> list:
    """The photo asks the patient got."""
    return [m for m in phone.telegram.chat(chat_id) if m.text == said("photos.ask")]


async def test_enrolment_offers_photo_checkins_after_the_questions_in_one_tap(clinic_phone):
    """After the enrolment summary comes one skippable offer; a tap on yes stores the consent and says so."""
    phone = clinic_phone
    await enrol(phone)
    summary, offer = phone.telegram.chat(CHAT)[-2:]
    assert shows(summary.text, "enrol.summary", at_start=True)
    assert offer.text == said("photos.offer", days="1, 3 and 7")
    assert offer.labels == [said("photos.consent_yes_button"), said("photos.consent_no_button")]
    assert phone.store.photo_consent(CHAT) is None  # ignored, it stays unanswered: nothing is asked
    await phone.tap(CHAT, said("photos.consent_yes_button"))
    assert offer.text == said("photos.consent_yes", days="1, 3 and 7") and offer.labels == []
    assert phone.store.photo_consent(CHAT) == "yes"


async def test_settings_turns_photo_checkins_on_and_off(clinic_phone):
    """/settings has a Photos item that says whether photo check-ins are on and changes it in one tap."""
    phone = clinic_phone
    await enrol(phone)
    await phone.send(CHAT, "/settings")
    shown = await phone.tap(CHAT, said("photos.settings_item"))
    assert [m.text for m in shown] == [said("photos.settings_off", days="1, 3 and 7")]
    await phone.tap(CHAT, said("photos.consent_yes_button"))
    assert phone.store.photo_consent(CHAT) == "yes"
    await phone.send(CHAT, "/settings")
    shown = await phone.tap(CHAT, said("photos.settings_item"))
    assert [m.text for m in shown] == [said("photos.settings_on", days="1, 3 and 7")]
    await phone.tap(CHAT, said("photos.consent_no_button"))
    assert phone.last(CHAT).text == said("photos.consent_no")
    assert phone.store.photo_consent(CHAT) == "no"


async def test_day_one_checkin_asks_for_a_photo_after_its_result_and_day_two_does_not(clinic_phone):
    """On photo day 1 the result is followed by one short ask with Skip; day 2 is no photo day: no ask. The day-1
    photo never sent is not asked again, and the patient is not counted as missing a check-in for it."""
    phone = clinic_phone
    await enrol_with_photos(phone)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    result, ask = phone.telegram.chat(CHAT)[-2:]
    assert phone.store.verdicts(CHAT, phone.store.patient(CHAT).treatment.id)[-1].level == "normal"
    assert result.text != said("photos.ask")
    assert ask.text == said("photos.ask") and ask.labels == [said("photos.skip_button")]
    phone.clock.advance(timedelta(days=1))
    await checkin(phone, answers=NORMAL_LATER)
    treatment = phone.store.patient(CHAT).treatment.id
    assert phone.store.verdicts(CHAT, treatment)[-1].level == "normal"
    await phone.run_jobs(phone.clock.now() + timedelta(hours=14))
    assert len(asks(phone)) == 1
    assert phone.store.unanswered_streak(CHAT, treatment) == 0 and not phone.store.is_silent(CHAT, treatment)


async def test_skip_is_one_tap_and_a_skipped_photo_is_not_asked_again(clinic_phone):
    """Skip closes the ask in one tap; a photo after it is not taken for the check-in, the day is not asked again,
    and the skipped photo counts nowhere as a missed check-in."""
    phone = clinic_phone
    await enrol_with_photos(phone)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    ask = phone.last(CHAT)
    await phone.tap(CHAT, said("photos.skip_button"), ask)
    assert ask.text == said("photos.skipped") and ask.labels == []
    await phone.feed(phone.telegram.photo(CHAT, "AgADlater"))
    assert shows(phone.last(CHAT).text, "control.media_photo", at_start=True)
    assert phone.telegram.chat(CLINIC) == []
    await checkin(phone, answers=NORMAL_LATER)  # the same day once more: asked once a day only
    assert asks(phone) == []
    assert phone.store.db.execute("SELECT count(*) FROM checkins WHERE photo IS NOT NULL").fetchone()[0] == 1


async def test_a_photo_sent_after_the_ask_reaches_the_clinic_with_the_days_result(clinic_phone):
    """The awaited photo goes to the clinic chat by its file id, headed with the patient, the day and the level;
    only the file id is kept, sealed; the patient gets a receipt; /mydata counts it, without the file id."""
    phone = clinic_phone
    await enrol_with_photos(phone)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.photo(CHAT, "AgADcheckin1", username="ana_k"))
    assert [m.text for m in phone.telegram.chat(CHAT)[before:]] == [said("photos.received")]
    sent = phone.telegram.last(CLINIC)
    assert sent.kind == "photo" and sent.file_id == "AgADcheckin1"
    assert sent.text == said("photos.to_clinic", reference=said("alerts.who_username", name="Ana", username="ana_k",
                                                                number=1),
                             day=1, level=said("checkin.level_label_normal"), caption="")
    assert [r.file_id for r in phone.store.relays(CHAT)] == ["AgADcheckin1"]
    raw = phone.store.db.execute("SELECT file_id FROM relays").fetchall()
    assert all("AgADcheckin1" not in row[0] for row in raw)  # sealed at rest
    assert phone.store.photos_sent(CHAT) == 1
    document, summary = export.build(services_of(phone.app), CHAT, phone.clock.now())
    assert said("photos.mydata", consent=said("photos.consent_label_yes"), count=1) in summary
    assert document["profile"]["photo_checkins"] == said("photos.consent_label_yes")
    assert "AgADcheckin1" not in repr(document)
    # A second photo is no check-in photo any more: the ordinary note.
    await phone.feed(phone.telegram.photo(CHAT, "AgADcheckin2"))
    assert shows(phone.last(CHAT).text, "control.media_photo", at_start=True)
    assert phone.store.photos_sent(CHAT) == 1


async def test_a_caption_on_the_checkin_photo_is_read_for_warning_signs(clinic_phone):
    """The photo's caption goes through the one door: a warning sign in it gets its advice, and the photo still
    goes to the clinic with the caption quoted."""
    phone = clinic_phone
    await enrol_with_photos(phone)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    before = len(phone.telegram.chat(CHAT))
    await phone.feed(phone.telegram.photo(CHAT, "AgADlips", caption="my lips are swelling up"))
    replies = phone.telegram.chat(CHAT)[before:]
    assert replies[0].text == said("photos.received")
    assert len(replies) > 1  # the sign's question or advice follows
    sent = next(m for m in phone.telegram.chat(CLINIC) if m.kind == "photo")
    assert "my lips are swelling up" in sent.text and sent.text.startswith("📷")


@pytest.mark.parametrize("answer", [None, "consent_no_button"])
async def test_a_photo_day_without_a_yes_asks_for_no_photo(clinic_phone, answer):
    """Without the patient's yes (the offer ignored, or answered no), a photo day's check-in asks for nothing."""
    phone = clinic_phone
    await enrol(phone)
    if answer:
        await phone.tap(CHAT, said(f"photos.{answer}"))
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    assert asks(phone) == []
    assert phone.store.db.execute("SELECT count(*) FROM checkins WHERE photo IS NOT NULL").fetchone()[0] == 0


@pytest.mark.parametrize("erased_by", ["/delete", "retention"])
async def test_erasure_edits_the_clinics_copy_of_a_checkin_photo(clinic_bot, erased_by):
    """/delete, or retention after the plan, edits the caption of the check-in photo in the clinic chat to the
    erased wording and erases the photo's file id and its check-in with the patient."""
    phone = clinic_bot.phone
    await enrol_with_photos(phone)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    await phone.feed(phone.telegram.photo(CHAT, "AgADcheckin1"))
    photo = phone.telegram.last(CLINIC)
    assert photo.kind == "photo" and "Ana" in photo.text
    if erased_by == "/delete":
        await phone.send(CHAT, "/delete")
        await phone.tap(CHAT, "Yes, erase everything")
    else:  # past the 90-day plan and the 90-day retention period; 09:00 UTC, so today's 03:30 run is due
        phone.clock.advance(timedelta(days=200))
        [daily] = phone.app.job_queue.get_jobs_by_name("retention")
        await daily.run(phone.app)
    assert phone.store.patient(CHAT) is None
    await clinic_bot.run(phone.clock.now() + timedelta(minutes=1))
    assert photo.text == said("alerts.erased_message")
    assert phone.store.db.execute("SELECT count(*) FROM checkins WHERE photo IS NOT NULL").fetchone()[0] == 0
    assert phone.store.db.execute("SELECT count(*) FROM relays").fetchone()[0] == 0


async def test_a_stale_or_forged_skip_button_changes_nothing(clinic_phone):
    """A Skip tapped twice, one for an ask that does not exist or is another chat's, and malformed data all get
    the polite "expired" answer and change nothing."""
    phone = clinic_phone
    await enrol_with_photos(phone)
    await enrol_with_photos(phone, chat_id=2002)
    phone.clock.advance(timedelta(days=1))
    await checkin(phone)
    await checkin(phone, chat_id=2002)
    mine = phone.last(CHAT).data_for(said("photos.skip_button"))
    theirs = phone.last(2002).data_for(said("photos.skip_button"))
    for data in (theirs, "ph1:skip:999", "ph1:skip:x", "ph1:skip", "ph1:consent:maybe", "ph1:",
                 "ph1:skip:1:2"):
        await phone.press(CHAT, data)
        assert phone.telegram.callback_answers[-1].get("text") == said("common.expired"), data
    ids = [int(data.rsplit(":", 1)[1]) for data in (mine, theirs)]
    assert [phone.store.photo_ask(i).state for i in ids] == ["asked", "asked"]
    await phone.press(CHAT, mine)
    await phone.press(CHAT, mine)
    assert phone.telegram.callback_answers[-1].get("text") == said("common.expired")
    assert [phone.store.photo_ask(i).state for i in ids] == ["skipped", "asked"]


def test_a_photo_day_must_be_a_checkin_day():
    """A plan whose photo day has no check-in is refused at load, naming the field and the day."""
    text = ('name = "p"\ntitle = "P"\nlength_days = 10\nphoto_days = [1, 4]\n'
            '[[steps]]\nkey = "c"\nkind = "checkin"\ndays = [1, 2]\nat = "evening"\nmessage = "m"\n')
    with pytest.raises(PlanError, match="photo_days.*day 4"):
        parse_plan(text)
    assert parse_plan(text.replace("[1, 4]", "[1]")).photo_days == (1,)


@pytest.mark.parametrize("day, consent, level, asked", [
    (1, "yes", "normal", True),
    (7, "yes", "urgent", True),
    (2, "yes", "normal", False),      # no photo day
    (1, "no", "normal", False),       # said no
    (1, None, "normal", False),       # never answered: no
    (3, "yes", "emergency", False),   # the emergency advice stands alone
])
def test_which_checkins_are_followed_by_a_photo_ask(day, consent, level, asked):
    """A photo is asked for only on a photo day, only after a yes, and never after an emergency result."""
    assert asks_for_photo((1, 3, 7), day, consent, level) is asked

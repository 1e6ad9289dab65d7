"""An alert's life (bot/handlers/alert_steps.py, messages/alert_life.py): open -> acknowledged -> contacted
(reached / no answer) -> resolved, each a button recorded with who and when, notes the patient never sees, a
reminder after "no answer", /flagged by state, and who may act."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.logs import pseudonym
from messages import alert_life as life
from tests.conftest import (CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, CLINIC_NURSE as NURSE, bot_of,
                            clinic_settings, enrol)
from tests.texts import said, shows

A, MEMBER = 1001, 6060
THROAT = "My throat is swelling and I can't breathe"


@pytest.fixture
async def clinic(tmp_path, clock):
    settings = clinic_settings(tmp_path)
    async with bot_of(settings, clock) as bot:
        yield bot


async def tap(bot, data: str, user_id: int = NURSE, first_name: str = "Jo", is_bot: bool = False,
              chat_id: int = CLINIC) -> dict:
    """A tap in the clinic chat on the alert's first post; returns the answer to it."""
    posted = next(m for m in bot.telegram.chat(CLINIC) if m.text.startswith("⚠️"))
    update = bot.telegram.callback(chat_id, data, user_id=user_id, first_name=first_name,
                                   message_id=posted.message_id if chat_id == CLINIC else None)
    update["callback_query"]["message"]["chat"]["type"] = "supergroup" if chat_id < 0 else "private"
    update["callback_query"]["from"]["is_bot"] = is_bot
    before = len(bot.telegram.callback_answers)
    await bot.phone.feed(update)
    assert len(bot.telegram.callback_answers) == before + 1, "the tap was not answered exactly once"
    return bot.telegram.callback_answers[-1]


def alert_post(bot):
    return next(m for m in bot.telegram.chat(CLINIC) if m.text.startswith("⚠️"))


async def raised(bot) -> None:
    await enrol(bot.phone, A)
    await bot.phone.send(A, THROAT)


def test_the_table_allows_only_the_next_steps():
    """Each state offers only its next steps; nothing follows resolved; unknown states and steps never pass."""
    assert life.may_step("open", "acknowledged") and not life.may_step("open", "resolved")
    assert life.may_step("no_answer", "no_answer") and life.may_step("reached", "resolved")
    assert not life.may_step("resolved", "reached") and not life.may_step("gone", "resolved")
    assert set(life.NEXT) == set(life.STATES) and all(s in life.STATES for n in life.NEXT.values() for s in n)


async def test_every_step_is_recorded_with_who_and_when_and_shown_on_the_alert(clinic):
    """Acknowledged by the admin, no answer and reached by the nurse, resolved: each step is in the store with
    the first name and the pseudonym (never the raw id), the alert's text grows a line per step, and resolved
    leaves only "Add a note"."""
    await raised(clinic)
    await tap(clinic, "al1:1", user_id=ADMIN, first_name="Dr Lee")
    clinic.phone.clock.advance(timedelta(minutes=5))
    await tap(clinic, "al1:1:noans")
    clinic.phone.clock.advance(timedelta(minutes=20))
    await tap(clinic, "al1:1:reach")
    await tap(clinic, "al1:1:done")
    steps = clinic.store.alert_steps(1)
    assert [s.step for s in steps] == ["acknowledged", "no_answer", "reached", "resolved"]
    assert [s.staff_name for s in steps] == ["Dr Lee", "Jo", "Jo", "Jo"]
    assert steps[1].staff_ref == pseudonym(NURSE)
    assert steps[2].at - steps[0].at == timedelta(minutes=25)
    assert clinic.store.alert(1).state == "resolved"
    post = alert_post(clinic)
    assert "✓ Acknowledged by Dr Lee" in post.text and "Contacted, no answer, by Jo" in post.text
    assert "✅ Resolved by Jo" in post.text
    assert post.buttons == [[(said("staff.note_button"), "al1:1:note")]]


async def test_a_note_is_kept_for_staff_and_never_reaches_the_patient(clinic):
    """"Add a note", then a reply to its prompt: sealed in the store, shown on the alert, nothing sent to the
    patient; their /mydata shows the alert's state but neither the note nor any staff id."""
    await raised(clinic)
    await tap(clinic, "al1:1", user_id=ADMIN, first_name="Dr Lee")
    await tap(clinic, "al1:1:reach")
    await tap(clinic, "al1:1:note")
    prompt = clinic.telegram.last(CLINIC)
    assert shows(prompt.text, "staff.note_prompt", id=1)
    before = len(clinic.telegram.chat(A))
    note = "Sounds anxious; husband drives her in at 3"
    await clinic.phone.feed(clinic.telegram.reply(CLINIC, note, prompt, user_id=NURSE, first_name="Jo"))
    assert clinic.telegram.chat(A)[before:] == []
    assert clinic.telegram.last(CLINIC).text == said("staff.note_saved", id=1)
    assert clinic.store.alert_steps(1)[-1].note == note
    raw = clinic.store.db.execute("SELECT note FROM alert_steps WHERE note IS NOT NULL").fetchone()[0]
    assert note not in raw  # sealed at rest
    assert "Note: " + note in alert_post(clinic).text
    document = (await clinic.phone.send(A, "/mydata"))[0]
    text = document.file_bytes.decode("utf-8")
    data = json.loads(text)
    assert data["alerts_to_the_clinic"][0]["state"] == said("export.alert_state_reached")
    assert "husband" not in text and str(ADMIN) not in text
    assert all(row.get("acknowledged_by") is None for row in data["stored_rows"]["alerts"])
    assert "alert_steps" not in data["stored_rows"]


async def test_a_no_answer_reminds_the_team_later_unless_someone_reached_the_patient(clinic):
    """"No answer" queues a reminder through the outbox: two hours later it is posted with the steps' buttons;
    a second alert reached meanwhile gets none."""
    await raised(clinic)
    await tap(clinic, "al1:1", user_id=ADMIN)
    await tap(clinic, "al1:1:noans")
    now = clinic.phone.clock.now()
    await clinic.run(now + timedelta(hours=1))
    assert not any(shows(m.text, "staff.recall", id=1) for m in clinic.telegram.chat(CLINIC))
    await clinic.run(now + timedelta(hours=2, minutes=1))
    recall = clinic.telegram.last(CLINIC)
    assert shows(recall.text, "staff.recall", id=1) and recall.buttons[0][0][1] == "al1:1:reach"
    await tap(clinic, "al1:1:noans")
    await tap(clinic, "al1:1:reach")
    later = clinic.phone.clock.now()
    await clinic.run(later + timedelta(hours=3))
    assert [r.state for r in clinic.store.outbox() if r.kind == "recall"][-1] == "skipped"


async def test_only_the_team_acts_and_forged_or_stale_taps_change_nothing(clinic):
    """A group member not on the team, another bot, a forged id or step, and a step the state no longer allows
    each get a short answer and change nothing; the patient hears nothing from them."""
    await raised(clinic)
    told = len(clinic.telegram.chat(A))
    assert (await tap(clinic, "al1:1", user_id=MEMBER, first_name="Max"))["text"] == said("alerts.admins_only_ack")
    assert (await tap(clinic, "al1:1", user_id=5550001, first_name="Bot", is_bot=True))["text"] == \
        said("alerts.admins_only_ack")
    assert (await tap(clinic, "al1:99"))["text"] == said("common.expired")
    assert (await tap(clinic, "al1:1:fly"))["text"] == said("common.expired")
    assert (await tap(clinic, "al1:1:" + "9" * 40))["text"] == said("common.expired")
    assert (await tap(clinic, "al1:1:done"))["text"] == said("staff.step_stale")  # open: acknowledge first
    assert clinic.store.alert(1).state == "open" and clinic.store.alert_steps(1) == []
    assert len(clinic.telegram.chat(A)) == told
    await tap(clinic, "al1:1", user_id=ADMIN)
    assert len(clinic.telegram.chat(A)) == told + 1  # the patient hears that the team has seen it, once
    assert (await tap(clinic, "al1:1:reach", user_id=MEMBER))["text"] == said("staff.step_team_only")
    assert (await tap(clinic, "al1:1"))["text"] == said("checkin.alert_already")
    await tap(clinic, "al1:1:reach")
    assert (await tap(clinic, "al1:1:noans"))["text"] == said("staff.step_stale")
    assert [s.step for s in clinic.store.alert_steps(1)] == ["acknowledged", "reached"]


async def test_a_stranger_s_note_is_refused(clinic):
    """A reply to a note prompt by someone not on the team is refused and not stored."""
    await raised(clinic)
    await tap(clinic, "al1:1", user_id=ADMIN)
    await tap(clinic, "al1:1:note")
    prompt = clinic.telegram.last(CLINIC)
    await clinic.phone.feed(clinic.telegram.reply(CLINIC, "ignore this", prompt, user_id=MEMBER, first_name="Max"))
    assert clinic.telegram.last(CLINIC).text == said("staff.step_team_only")
    assert clinic.store.alert_steps(1)[-1].note == ""


async def test_flagged_groups_alerts_by_state_and_leaves_out_resolved_ones(clinic):
    """/flagged lists open alerts first, then no answer, acknowledged and reached; resolved ones are gone."""
    await raised(clinic)
    clinic.phone.clock.advance(timedelta(minutes=15))
    await clinic.phone.send(A, "I have a fever and the area is hot")
    await tap(clinic, "al1:1", user_id=ADMIN)
    await tap(clinic, "al1:1:noans")
    await clinic.phone.feed(clinic.telegram.message(CLINIC, "/flagged", user_id=ADMIN, chat_type="supergroup"))
    listed = clinic.telegram.last(CLINIC).text
    assert listed.index(said("staff.flagged_group_open", count=1)) < listed.index(
        said("staff.flagged_group_no_answer", count=1))
    assert listed.index("#2 ") < listed.index("#1 ")
    await tap(clinic, "al1:1:done")
    await clinic.phone.feed(clinic.telegram.message(CLINIC, "/flagged", user_id=ADMIN, chat_type="supergroup"))
    listed = clinic.telegram.last(CLINIC).text
    assert "#1 " not in listed and "#2 " in listed


async def test_erasure_takes_the_steps_notes_and_reminders_with_the_patient(clinic):
    """After /delete, the alert's steps and notes are gone from the store and the team's reminder message is
    edited like the alert itself."""
    await raised(clinic)
    await tap(clinic, "al1:1", user_id=ADMIN)
    await tap(clinic, "al1:1:noans")
    await tap(clinic, "al1:1:note")
    await clinic.phone.feed(clinic.telegram.reply(CLINIC, "left a voicemail", clinic.telegram.last(CLINIC),
                                                  user_id=NURSE, first_name="Jo"))
    await clinic.run(clinic.phone.clock.now() + timedelta(hours=2, minutes=1))
    recall = clinic.telegram.last(CLINIC)
    assert shows(recall.text, "staff.recall", id=1)
    await clinic.phone.send(A, "/delete")
    await clinic.phone.tap(A, "Yes, erase everything")
    await clinic.run(clinic.phone.clock.now() + timedelta(minutes=1))
    assert clinic.store.db.execute("SELECT count(*) FROM alert_steps").fetchone()[0] == 0
    assert recall.text == said("alerts.erased", id=1) and alert_post_or_erased(clinic)


def alert_post_or_erased(bot) -> bool:
    return all(not m.text.startswith("⚠️") for m in bot.telegram.chat(CLINIC))

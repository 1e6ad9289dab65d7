"""What a patient types before the session (issue 24): a sign that means the session should wait gets the advice to
reschedule and one note to the clinic per sign, not the aftercare triage; an emergency gets the emergency advice and
alert as after it; the note is erased with the patient."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import CLINIC_CHAT as CLINIC, enrol_typing
from tests.test_preparation import A, at, clinic  # noqa: F401  (the clinic fixture)
from tests.texts import said, shows


async def test_a_cold_sore_typed_before_the_session_gets_the_reschedule_advice_and_a_clinic_note(clinic):
    """Two days before: "I have a cold sore" gets the advice to call to reschedule (not the urgent aftercare
    advice or a check-in), the clinic one note naming the sign but not the patient's words, and no triage alert;
    said again, the patient is told again but the team is not noted twice."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    clinic.phone.clock.set(at(date(2026, 11, 26), 10))
    replies = await clinic.phone.send(A, "I have a cold sore on my lip")
    assert [r.text for r in replies] == [said("preparation.reschedule_advice", signs=said("preparation.sign_cold_sores"))]
    assert clinic.store.open_checkin(A) is None and clinic.store.alert_states(A) == []
    await clinic.run(at(date(2026, 11, 26), 10, 1))
    notes = [m.text for m in clinic.telegram.chat(CLINIC)]
    assert len(notes) == 1 and shows(notes[0], "preparation.clinic_note", date="28 Nov 2026",
                                     signs=said("preparation.sign_cold_sores"))
    assert "on my lip" not in notes[0]
    again = await clinic.phone.send(A, "the cold sore is still there and now I have a fever")
    assert again[0].text == said("preparation.reschedule_advice", signs="a cold sore and a fever")
    await clinic.run(at(date(2026, 11, 26), 10, 2))
    later = [m.text for m in clinic.telegram.chat(CLINIC)][1:]
    assert len(later) == 1 and shows(later[0], "preparation.clinic_note", signs=said("preparation.sign_fever"))


async def test_a_sunburn_before_the_session_is_a_reason_to_reschedule_but_not_a_denied_one(clinic):
    """ "I got sunburnt" before the session gets the reschedule advice; "no sunburn" does not."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    replies = await clinic.phone.send(A, "I got sunburnt at the weekend")
    assert replies[0].text == said("preparation.reschedule_advice", signs=said("preparation.sign_sunburn"))
    replies = await clinic.phone.send(A, "no sunburn, all fine")
    assert not any(shows(r.text, "preparation.reschedule_advice") for r in replies)


async def test_an_emergency_typed_before_the_session_gets_the_emergency_advice_and_alert(clinic):
    """ "I can't breathe" three days before the session: the emergency advice and the clinic alert, as after it,
    and no reschedule advice."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    clinic.phone.clock.set(at(date(2026, 11, 25), 10))
    replies = await clinic.phone.send(A, "I can't breathe and my throat is swelling")
    assert shows(replies[0].text, "checkin.safety_advice_emergency")
    assert not any(shows(r.text, "preparation.reschedule_advice") for r in replies)
    assert [level for _, level, _, _ in clinic.store.alert_states(A)] == ["emergency"]


async def test_erasure_removes_the_clinic_note_and_the_record_of_it(clinic):
    """After /delete, the note in the clinic chat is edited to the erased wording and nothing of it stays stored."""
    await enrol_typing(clinic.phone, A, zone="London", treated="28.11.2026")
    await clinic.phone.send(A, "I think I have a cold sore")
    await clinic.run(at(date(2026, 11, 23), 7, 30))
    note = clinic.telegram.last(CLINIC)
    assert shows(note.text, "preparation.clinic_note", signs=said("preparation.sign_cold_sores"))
    await clinic.phone.send(A, "/delete")
    await clinic.phone.tap(A, "Yes, erase everything")
    await clinic.run(at(date(2026, 11, 23), 7, 31))
    assert note.text == said("alerts.erased_message")
    assert clinic.store.db.execute("SELECT count(*) FROM treatments WHERE prep_noted IS NOT NULL").fetchone()[0] == 0


@pytest.mark.parametrize("text, key", [
    ("can I use my retinol serum?", "preparation.answer_actives"),
    ("can I wear make-up this week?", "preparation.answer_makeup"),
    ("is the sunbed ok?", "preparation.answer_sun"),
    ("are pimples normal?", None),
])
async def test_an_everyday_question_before_the_session_gets_the_answer_for_before_it(clinic, text, key):
    """Three days before the session the clinic's answers are those for before it ("no retinoids in the week
    before"), never an aftercare one about skin not yet treated; a topic without one points to the clinic."""
    await enrol_typing(clinic.phone, A, zone="London", treated="26.11.2026")
    replies = await clinic.phone.send(A, text)
    if key is None:
        assert shows(replies[-1].text, "questions.unknown") and not any("day" in r.text.lower() for r in replies)
    else:
        assert said(key) in replies[-1].text

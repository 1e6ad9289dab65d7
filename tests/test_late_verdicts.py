"""Rules v3 P10 in the chat: a verdict reached later (a check-in left unfinished, P5a; a sign's confirmation that
timed out, P4c) sends the patient its advice along with the clinic alert, and "follow the advice you were given"
never stands where no advice was given."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import CLINIC_CHAT as CLINIC, START, enrol
from tests.texts import said, shows

CHAT = 1001
WINDOW = timedelta(hours=12, seconds=1)


@pytest.fixture
def bot(clinic_bot):
    """The app with a clinic chat and its dispatcher, on a fixed clock."""
    return clinic_bot


def texts(bot, since: int = 0) -> list[str]:
    return [m.text for m in bot.telegram.chat(CHAT)[since:]]


def advised(text: str, keys: list[tuple[str, dict]]) -> bool:
    return all(shows(text, key, **values) for key, values in keys)


async def start_checkin(bot, day: int, *labels: str) -> None:
    """Open the check-in of ``day`` at 09:00 and tap ``labels``, then leave it."""
    bot.phone.clock.set(START + timedelta(days=day))
    await bot.phone.send(CHAT, "/checkin")
    for label in labels:
        await bot.phone.tap(CHAT, label)


@pytest.mark.parametrize("labels, level, advice", [
    # Worse, then moderate redness on day 12: C8 (and C12), contact_provider.
    (("No", "Worse", "Moderate"), "contact_provider",
     [("checkin.late_verdict", {"day": 12}), ("triage.level_contact_provider", {}), ("triage.rule_C8", {"day": 12})]),
    # Very severe pain on day 12: U7, urgent (its advice came at once too, P9a; the late verdict repeats it).
    (("No", "Worse", "None", "None", "Very severe"), "urgent",
     [("checkin.late_verdict", {"day": 12}), ("triage.level_urgent", {}), ("triage.rule_U7", {})]),
])
async def test_a_day_12_check_in_left_unfinished_gets_its_advice_when_closed(bot, labels, level, advice):
    """The day-12 check-in left unfinished is closed by the unanswered job 12 h later: the patient gets the advice of
    that rule (then "I've let the team know" when the clinic is alerted now), not only that the team knows."""
    await enrol(bot.phone)
    await start_checkin(bot, 12, *labels)
    before = len(bot.telegram.chat(CHAT))
    await bot.run(START + timedelta(days=12) + WINDOW)
    [verdict] = bot.store.verdicts(CHAT, bot.store.patient(CHAT).treatment.id)
    assert verdict.partial and verdict.level == level
    late = texts(bot, before)
    [told] = [t for t in late if advised(t, advice[1:])]  # the advice of the rule, as the chat gives it
    assert shows(told, "checkin.late_verdict", at_start=True, day=12)
    alerted = [i for i, t in enumerate(late) if shows(t, "clinic.alerted")]
    assert all(late.index(told) < i for i in alerted)  # the advice first, then that the team knows
    assert alerted or level == "urgent"  # U7 alerted at once (P9a): closing it does not alert again
    assert bot.telegram.chat(CHAT)[before + late.index(told)].labels == [said("clinic.message_button")]


async def test_a_timed_out_confirmation_gets_its_advice(bot):
    """"Yellow crusts" asked to confirm and never answered counts as Yes 12 h later (C6): the patient is told the
    advice of C6, not only that the team knows."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=3))
    await bot.phone.send(CHAT, "there are yellow crusts on my cheek")
    before = len(bot.telegram.chat(CHAT))
    await bot.run(START + timedelta(days=3) + WINDOW)
    late = texts(bot, before)
    [told] = [t for t in late if advised(t, [("triage.level_contact_provider", {}), ("triage.rule_C6", {})])]
    assert shows(told, "checkin.late_verdict", at_start=True, day=3)
    assert any("C6" in m.text for m in bot.telegram.chat(CLINIC))


async def test_follow_the_advice_you_were_given_comes_only_after_advice(bot):
    """After a late verdict, the next reminder's "please follow the advice you were given" has advice to point
    to: the patient was sent it when the check-in was closed."""
    await enrol(bot.phone)
    await start_checkin(bot, 12, "No", "Worse", "Moderate")
    now = START + timedelta(days=12) + WINDOW
    for _ in range(12):  # the reminders of the next two days
        await bot.run(now)
        now = bot.store.next_due_at()
        if now is None or now > START + timedelta(days=14):
            break
    chat = texts(bot)
    reminded = [i for i, t in enumerate(chat) if shows(t, "dispatch.after_worrying")]
    assert reminded, "a reminder after the late verdict points to the advice"
    advice = [i for i, t in enumerate(chat) if shows(t, "triage.rule_C8", day=12)]
    assert advice and advice[0] < reminded[0]


async def test_an_unanswered_check_in_sends_no_advice(bot):
    """A check-in opened and never answered is no_response (P5, monitor): nothing was found, so no advice is sent
    and no clinic alert raised."""
    await enrol(bot.phone)
    await start_checkin(bot, 12)
    before = len(bot.telegram.chat(CHAT))
    await bot.run(START + timedelta(days=12) + WINDOW)
    assert not any(shows(t, "checkin.late_verdict", day=12) for t in texts(bot, before))
    assert bot.store.alerts(open_only=False) == []


async def test_a_half_answered_check_in_that_looks_normal_is_not_reassured(bot):
    """Answers so far that would read normal (no safety sign, better) are not worth reassurance on half a check-in
    (P5: absence of data is not reassurance): closing it sends no "normal healing" message."""
    await enrol(bot.phone)
    await start_checkin(bot, 4, "No", "Better")
    before = len(bot.telegram.chat(CHAT))
    await bot.run(START + timedelta(days=4) + WINDOW)
    [verdict] = bot.store.verdicts(CHAT, bot.store.patient(CHAT).treatment.id)
    assert verdict.partial and verdict.level == "normal"
    assert not any(shows(t, "checkin.late_verdict", day=4) or shows(t, "triage.level_normal")
                   or shows(t, "rhythm_truth.result_normal", day=4) or shows(t, "rhythm_truth.result_normal_nothing", day=4)
                   for t in texts(bot, before))

"""Check-ins over days: re-prompts, no-response records, U9 escalation and the paused cheerful wording."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.conftest import enrol
from tests.test_dispatch import A, DAY0_EVENING
from tests.texts import said, shows

UTC = timezone.utc
NORMAL = ["No", "Same", "Mild", "None", "Mild", "None", "None of these", "No"]
SEVERE_REDNESS = ["No", "Same", "Severe", "None", "Mild", "None", "None of these", "No"]
# The next check-in asks again about the severe redness and the mild pain of the last one ("still there?").
WORSE_SEVERE_REDNESS = ["No", "Worse", "Yes", "Severe", "Yes", "Mild", "None", "None", "None of these", "No"]
NORMAL_AFTER_SEVERE = ["No", "Same", "Yes", "Mild", "Yes", "Mild", "None", "None", "None of these", "No"]


async def checkin(bot, labels, at: datetime) -> str:
    bot.phone.clock.set(at)
    await bot.phone.send(A, "/checkin")
    for label in labels:
        await bot.phone.tap(A, label)
    return bot.telegram.last(A).text


def verdicts(bot):
    return bot.store.verdicts(A, bot.store.patient(A).treatment.id)


async def test_unanswered_prompt_is_reprompted_once_the_same_evening(bot):
    """A check-in prompt nobody answers is followed by one re-prompt 45 minutes later."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    await bot.run(DAY0_EVENING + timedelta(minutes=45))
    last = bot.telegram.last(A)
    assert shows(last.text, "checkin.reprompt", at_start=True)  # short: no second timeline line
    assert last.buttons == [[(said("checkin.start_button"), "ci1:go:0")], [(said("dispatch.snooze"), "rm1:snooze")]]


async def test_no_reprompt_after_the_patient_answered(bot):
    """Once the day's check-in is done, its re-prompt is skipped as answered."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    await checkin(bot, ["No", "Mild", "None", "Mild", "None", "None of these", "No"],
                  DAY0_EVENING + timedelta(minutes=5))
    sent_before = bot.telegram.sent_count()
    await bot.run(DAY0_EVENING + timedelta(minutes=45))
    reprompt = next(r for r in bot.store.deliveries(A) if r.step == "reprompt:0")
    assert (reprompt.state, reprompt.reason) == ("skipped", "answered")
    assert bot.telegram.sent_count() == sent_before


async def test_unanswered_day_is_recorded_as_no_response(bot):
    """A prompt still unanswered 12 hours later becomes a no_response check-in judged monitor (M10)."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    await bot.run(DAY0_EVENING + timedelta(hours=11))
    assert verdicts(bot) == []
    await bot.run(DAY0_EVENING + timedelta(hours=12, seconds=1))
    [verdict] = verdicts(bot)
    assert (verdict.level, verdict.day, verdict.reasons[0]["rule"]) == ("monitor", 0, "M10")
    await bot.run(DAY0_EVENING + timedelta(hours=13))
    assert len(verdicts(bot)) == 1  # recorded once


async def test_worsening_while_flagged_escalates_to_urgent(bot):
    """Contact-provider on day 4, then worse the next day: U9 makes it urgent."""
    await enrol(bot.phone, A)
    day4 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert "+44 20 7946 0000" in await checkin(bot, SEVERE_REDNESS, day4)
    text = await checkin(bot, WORSE_SEVERE_REDNESS, day4 + timedelta(days=1))
    assert shows(text, "triage.rule_U9")
    assert [v.level for v in verdicts(bot)] == ["contact_provider", "urgent"]
    assert "U9" in [r["rule"] for r in verdicts(bot)[-1].reasons]


async def test_cheerful_timeline_waits_until_a_normal_checkin(bot):
    """After a worrying check-in, reminders drop the 'this is expected' line until a check-in is normal again."""
    await enrol(bot.phone, A)
    day4_morning = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    await checkin(bot, SEVERE_REDNESS, day4_morning - timedelta(hours=1))
    await bot.run(day4_morning)
    assert shows(bot.telegram.last(A).text, "dispatch.after_worrying", at_start=True)
    await checkin(bot, NORMAL_AFTER_SEVERE, day4_morning + timedelta(hours=1))
    await bot.run(day4_morning + timedelta(days=1))
    assert bot.telegram.last(A).text.startswith("Days 4")

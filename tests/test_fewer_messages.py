"""Fewer, better messages over a whole plan: the daily budget, Done and snooze, and silent patients."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import START, bot_of, enrol, make_settings
from tests.texts import said, shows

A = 1001
CLINIC = -100777
ADMIN = 4242
PREFERRED = ["None of these", "Nothing new", "Not at all", "None", "Same", "No"]  # a calm, normal day


@pytest.fixture
async def clinic_bot(tmp_path, clock):
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC), AFTERCARE_ADMIN_IDS=str(ADMIN))
    async with bot_of(settings, clock) as bot:
        yield bot


def local_day(bot, when) -> int:
    patient = bot.store.patient(A)
    return (when.astimezone(ZoneInfo(patient.zone)).date() - patient.treatment.treatment_date).days


async def answer_normally(bot) -> None:
    """Tap Start check-in on the newest reminder, then a calm answer to every question."""
    await bot.phone.tap(A, "Start check-in")
    while (question := bot.telegram.last(A)).buttons and any(p in question.labels for p in PREFERRED):
        await bot.phone.tap(A, next(p for p in PREFERRED if p in question.labels), question)


async def live_whole_plan(bot, engaged: bool) -> Counter:
    """Run the dispatcher at every due instant to the plan's end; returns pushes (reminder messages) per day."""
    await enrol(bot.phone, A)
    per_day: Counter = Counter()
    end = START + timedelta(days=bot.phone.app.bot_data["services"].plan.length_days + 2)
    while (due := bot.store.next_due_at()) is not None and due <= end:
        before = len(bot.reminders(A))
        await bot.run(max(due, bot.phone.clock.now()))
        if bot.reminders(A)[before:]:  # one push: the messages of one instant (a care message, the prompt)
            per_day[local_day(bot, due)] += 1
        newest = bot.telegram.last(A)
        if engaged and "Start check-in" in newest.labels:
            await answer_normally(bot)
    return per_day


async def test_a_silent_patient_over_the_whole_plan(clinic_bot):
    """A patient who never answers gets at most 3 pushes a day in week 1 and 1 after, 50 in all over 90 days (75 before the
    budget); after three unanswered check-ins re-prompts stop, they are asked once about fewer messages, and
    /flagged shows them as silent."""
    bot = clinic_bot
    per_day = await live_whole_plan(bot, engaged=False)
    week_one = [per_day[d] for d in range(8)]
    assert week_one == [2, 3, 3, 3, 3, 3, 3, 3]
    assert max(n for d, n in per_day.items() if d >= 8) == 1
    assert sum(per_day.values()) == 50
    asked = [t for t in bot.reminders(A) if "Would you like fewer messages" in t]
    assert len(asked) == 1
    assert bot.store.is_silent(A, bot.store.patient(A).treatment.id)
    reprompted = [r.day for r in bot.store.deliveries(A) if r.kind == "reprompt" and r.state == "sent"]
    assert reprompted == [0]  # later days' budgets leave no room for a nudge
    replies = await bot.phone.send(ADMIN, "/flagged", user_id=ADMIN)
    assert shows(replies[0].text, "clinic.silent_heading", count=1)
    assert shows(replies[0].text, "clinic.silent_line", name=said("alerts.who_number", number=1))


async def test_an_engaged_patient_over_the_whole_plan(clinic_bot):
    """A patient who answers every check-in gets the same budgeted pushes, never a re-prompt, never the question."""
    bot = clinic_bot
    per_day = await live_whole_plan(bot, engaged=True)
    assert [per_day[d] for d in range(8)] == [1, 3, 3, 3, 3, 3, 3, 3]
    assert max(n for d, n in per_day.items() if d >= 8) == 1
    assert sum(per_day.values()) == 49
    treatment = bot.store.patient(A).treatment.id
    assert {v.level for v in bot.store.verdicts(A, treatment)} == {"normal"}
    assert not any("Would you like fewer messages" in t for t in bot.reminders(A))
    assert not any(r.kind == "reprompt" and r.state == "sent" for r in bot.store.deliveries(A))


async def test_fewer_messages_means_one_a_day(clinic_bot):
    """Tapping "Yes, fewer messages" re-plans the rest of the plan at one push a day."""
    bot = clinic_bot
    await enrol(bot.phone, A)
    for day in range(4):  # days 0-2 unanswered; the question rides on day 3's first message
        for due in sorted({r.due_at for r in bot.store.deliveries(A) if r.state == "pending"
                           and local_day(bot, r.due_at) == day}):
            await bot.run(due)
    asking = next(m for m in bot.telegram.chat(A) if "Would you like fewer messages" in m.text)
    assert local_day(bot, bot.phone.clock.now()) == 3
    before = {d for d in (local_day(bot, r.due_at) for r in bot.store.deliveries(A) if r.state == "pending")}
    await bot.phone.tap(A, "Yes, fewer messages", asking)
    assert shows(asking.text, "reminders_actions.fewer_done", at_start=True)
    pending = [r for r in bot.store.deliveries(A) if r.state == "pending" and local_day(bot, r.due_at) > 3]
    per_day = Counter(local_day(bot, due) for due in {r.due_at for r in pending})
    assert set(per_day.values()) == {1} and set(per_day) == before - {3}  # nothing lost, one push a day


async def test_done_and_remind_me_in_an_hour(bot):
    """Done takes a reminder's buttons away; snooze sends the same reminder again an hour later."""
    await enrol(bot.phone, A)
    morning = START + timedelta(days=1) - timedelta(hours=1)  # 08:00 London on day 1
    await bot.run(morning)
    reminder = bot.telegram.last(A)
    assert reminder.labels == [said("rhythm.more_button"), "Done ✓", said("dispatch.snooze")]
    bot.phone.clock.set(morning + timedelta(minutes=5))
    await bot.phone.tap(A, "Remind me in 1 hour", reminder)
    assert bot.telegram.callback_answers[-1]["text"] == said("reminders_actions.snoozed", when="09:05")
    assert reminder.buttons == []
    await bot.run(morning + timedelta(minutes=65))
    again = bot.telegram.last(A)
    assert again.message_id != reminder.message_id and said("rhythm.sunscreen_morning") in again.text
    await bot.phone.tap(A, "Done", again)
    assert again.buttons == [] and bot.telegram.callback_answers[-1]["text"] == said("reminders_actions.done")
    await bot.phone.send(A, "/help")
    assert (await bot.phone.press(A, "rm1:done")) == []  # not on a reminder: expired, nothing changes
    assert shows(bot.telegram.callback_answers[-1]["text"], "common.expired", at_start=True)


async def test_snooze_never_lands_in_quiet_hours(bot):
    """Snoozing the 21:00 check-in prompt at 21:30 would land in quiet hours (22:00): refused, nothing queued."""
    await enrol(bot.phone, A)
    evening = START + timedelta(hours=12)  # 21:00 London on day 0
    await bot.run(evening)
    prompt = bot.telegram.last(A)
    bot.phone.clock.set(evening + timedelta(minutes=30))
    await bot.phone.tap(A, "Remind me in 1 hour", prompt)
    assert bot.telegram.callback_answers[-1]["text"] == said("reminders_actions.snooze_quiet")
    assert not any(r.step.startswith("snooze:") for r in bot.store.deliveries(A))


async def test_re_prompts_stop_for_a_silent_patient(bot):
    """After three unanswered check-ins in a row, the day's re-prompt is skipped as silent."""
    await enrol(bot.phone, A)
    treatment = bot.store.patient(A).treatment.id
    for day in (-3, -2, -1):  # three earlier check-ins recorded as unanswered
        bot.store.record_no_response(A, treatment, day, START)
    evening = START + timedelta(hours=12)
    await bot.run(evening)
    await bot.run(evening + timedelta(minutes=45))
    reprompt = next(r for r in bot.store.deliveries(A) if r.step == "reprompt:0")
    assert (reprompt.state, reprompt.reason) == ("skipped", "silent")


async def test_end_of_plan_summary_rating_and_next_session(clinic_bot):
    """On the plan's last day: one message, the progress chart with the summary as its caption, a 1-5 rating that
    reaches the clinic with an optional comment, and the offer to register the next session."""
    bot = clinic_bot
    await enrol(bot.phone, A)
    plan = bot.phone.app.bot_data["services"].plan
    last_evening = START + timedelta(days=plan.length_days, hours=12)  # 21:00 London on the last day
    await bot.run(START + timedelta(hours=12))
    await answer_normally(bot)  # one check-in, so the chart has a point
    bot.phone.clock.set(last_evening - timedelta(hours=1))
    await bot.run(last_evening)
    end, prompt = bot.telegram.chat(A)[-2:]
    assert end.kind == "photo" and end.file_bytes.startswith(b"\x89PNG")  # the chart itself, not a tap away
    assert said("rhythm.end_of_plan") in end.text and said("rhythm_truth.end_chart") in end.text
    assert prompt.text == said("reminders.checkin_prompt", day=90)
    assert prompt.labels == [said("checkin.start_button"), said("dispatch.snooze")]
    assert end.labels == [said("rhythm.more_button"), "Done ✓", said("dispatch.snooze"), "1 ★", "2 ★", "3 ★",
                          "4 ★", "5 ★", said("reminders_actions.next_session_button")]
    await bot.phone.tap(A, said("rhythm.more_button"), end)  # More edits the photo's caption in place
    assert shows(end.text, "reminders.end_of_plan") and end.kind == "photo"
    await bot.phone.tap(A, "5 ★", end)
    assert bot.telegram.last(A).text == said("reminders_actions.rated", stars=5)
    rating = bot.telegram.last(CLINIC)
    assert rating.text.startswith(said("reminders_actions.rating_to_clinic", stars=5,
                                        reference=said("alerts.who", name="Ana", number=1)))
    await bot.phone.send(A, "Lovely team, thank you!")
    assert "Lovely team, thank you!" in bot.telegram.last(CLINIC).text  # the optional comment
    await bot.phone.feed(bot.telegram.reply(CLINIC, "Thank you, Ana!", rating, user_id=ADMIN))  # staff answer it
    assert bot.telegram.last(A).text == said("clinic.from_clinic", text="Thank you, Ana!")
    await bot.phone.tap(A, "Register my next session", end)
    assert shows(bot.telegram.last(A).text, "enrol.ask_new_date")


async def test_end_of_plan_without_an_answered_check_in_is_a_text_with_the_chart_a_tap_away(clinic_bot):
    """A patient who never answered a check-in (every prompt recorded as no response) gets the last day's summary
    as a text, not a chart of unanswered prompts, still with the chart button and the rating."""
    bot = clinic_bot
    await enrol(bot.phone, A)
    while (due := bot.store.next_due_at()) is not None:  # the whole plan, tapping nothing
        await bot.run(max(due, bot.phone.clock.now()))
    assert bot.store.verdicts(A, bot.store.patient(A).treatment.id)  # the unanswered days are on record
    end = next(m for m in reversed(bot.telegram.chat(A)) if said("rhythm.end_of_plan") in m.text)
    assert end.kind == "text"
    assert said("rhythm_truth.end_chart") not in end.text and said("reminders_actions.chart_button") in end.labels

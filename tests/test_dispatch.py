"""The dispatcher end to end: real Application, fake Bot API, hand-moved clock, virtual sender time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.delivery.dispatch import JOB_NAME, SAFETY_INTERVAL, dispatcher_of, install_dispatcher
from bot.store import open_store
from schedules.planner import Delivery
from tests.conftest import Bot, enrol, start
from tests.texts import said, shows

A, B = 1001, 1002
UTC = timezone.utc
DAY0_EVENING = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)   # London = UTC in November
DAY1_MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
DAY1_MIDDAY = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def followups(bot: Bot, chat_id: int, *dues: datetime, now: datetime) -> None:
    """Replace the patient's plan with never-dropped follow-ups at ``dues`` (message keys in order)."""
    keys = ["reminders.sunscreen_morning", "reminders.skincare_morning", "reminders.no_makeup"]
    treatment = bot.store.patient(chat_id).treatment
    planned = [Delivery(f"followup:{i}", 1, "followup", keys[i], due, "morning") for i, due in enumerate(dues)]
    bot.store.replace_pending(chat_id, treatment.id, [], now)
    bot.store.replace_pending(chat_id, treatment.id, planned, now)


async def test_enrolled_patient_gets_day_0_and_day_1_reminders(bot):
    """At each due instant the patient gets one push: the day's short timeline line and that slot's headline,
    then the check-in prompt as a short message of its own with its buttons."""
    await enrol(bot.phone, A)
    assert (await bot.run(DAY0_EVENING - timedelta(seconds=1))).claimed == 0
    report = await bot.run(DAY0_EVENING)
    assert (report.messages, report.sent) == (2, 3)
    care, evening = bot.telegram.chat(A)[-2:]
    assert care.text.startswith(said("timeline.day_0_short"))
    assert said("rhythm.skincare_evening") in care.text and said("rhythm.no_actives") in care.text
    assert care.labels == [said("rhythm.more_button"), "Done ✓", said("dispatch.snooze")]
    assert evening.text == said("reminders.checkin_prompt", day=0)
    assert evening.buttons == [[(said("checkin.start_button"), "ci1:go:0")], [(said("dispatch.snooze"), "rm1:snooze")]]
    rows = [r for r in bot.store.deliveries(A) if r.due_at == DAY0_EVENING]
    assert {(r.kind == "checkin", r.state, r.message_id) for r in rows} == {
        (False, "sent", care.message_id), (True, "sent", evening.message_id)}

    await bot.run(DAY1_MORNING)
    morning = bot.telegram.last(A)
    assert morning.text.startswith(said("timeline.day_1_short"))
    assert all(said(f"rhythm.{k}") in morning.text for k in ("sunscreen_morning", "skincare_morning", "no_makeup"))
    assert morning.buttons == [[(said("rhythm.more_button"), "rm1:more")],
                               [("Done ✓", "rm1:done"), (said("dispatch.snooze"), "rm1:snooze")]]
    await bot.run(DAY1_MIDDAY)
    assert said("rhythm.sunscreen_midday") in bot.telegram.last(A).text
    assert len(bot.reminders(A)) == 4
    assert set(bot.states(A, DAY1_MORNING).values()) == {("sent", None)}


async def test_each_patient_gets_their_own_bundle(bot):
    """Two patients due at the same instant get one message each, never each other's."""
    await enrol(bot.phone, A)
    await enrol(bot.phone, B)
    report = await bot.run(DAY0_EVENING)
    assert (report.messages, report.sent) == (4, 6)
    assert len(bot.reminders(A)) == len(bot.reminders(B)) == 2


async def test_late_morning_reminders_are_skipped_but_checkin_still_sent(bot):
    """Found after local noon, morning reminders are recorded skipped 'late_past_noon'; a late check-in still goes out."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    report = await bot.run(DAY1_MIDDAY + timedelta(minutes=30))
    assert set(bot.states(A, DAY1_MORNING).values()) == {("skipped", "late_past_noon")}
    reprompt = next(r for r in bot.store.deliveries(A) if r.step == "reprompt:0")
    assert (reprompt.state, reprompt.reason) == ("skipped", "late_next_day")  # day 0's re-prompt, found on day 1
    assert (report.skipped, report.messages) == (4, 1)
    assert said("rhythm.sunscreen_morning") not in bot.telegram.last(A).text
    assert said("rhythm.sunscreen_midday") in bot.telegram.last(A).text
    await bot.run(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert said("reminders.checkin_prompt", day=1) in bot.telegram.last(A).text
    assert set(bot.states(A, datetime(2026, 11, 24, 21, 0, tzinfo=UTC)).values()) == {("sent", None)}


async def test_retry_after_delays_only_that_chat_and_keeps_order(bot):
    """A 429 for one chat parks only that chat for retry_after seconds; nothing is lost or reordered."""
    await enrol(bot.phone, A)
    await enrol(bot.phone, B)
    now = DAY0_EVENING
    dues = [now - timedelta(minutes=3), now - timedelta(minutes=2), now - timedelta(minutes=1)]
    for chat in (A, B):
        followups(bot, chat, *dues, now=dues[0] - timedelta(hours=1))
    bot.telegram.fail_next("sendMessage", "retry_after", chat_id=A, value=5)
    report = await bot.run(now)
    assert (report.messages, report.throttled) == (6, 1)
    a_times = [t for t, chat, _ in bot.log if chat == A]
    b_times = [t for t, chat, _ in bot.log if chat == B]
    assert max(b_times) < 5 <= min(a_times)
    for chat in (A, B):
        texts = bot.reminders(chat)
        assert [shows(texts[0], "reminders.sunscreen_morning"), shows(texts[1], "reminders.skincare_morning"),
                shows(texts[2], "reminders.no_makeup")] == [True] * 3
        assert {r.state for r in bot.store.deliveries(chat)} == {"sent"}


async def test_network_errors_are_retried_with_backoff(bot):
    """Two network failures in a row are retried after a backoff and the reminder is sent once."""
    await enrol(bot.phone, A)
    bot.telegram.fail_next("sendMessage", "network", chat_id=A, times=1)
    bot.telegram.fail_next("sendMessage", "timeout", chat_id=A, times=1)
    report = await bot.run(DAY0_EVENING)
    assert (report.messages, report.sent) == (2, 3)
    assert len(bot.reminders(A)) == 2 and bot.time.now >= 1.5


async def test_network_errors_past_the_bound_release_the_rows_for_later(bot):
    """When retries run out the rows go back to pending a minute later, not lost and not failed."""
    await enrol(bot.phone, A)
    bot.telegram.fail_next("sendMessage", "network", chat_id=A, times=50)
    report = await bot.run(DAY0_EVENING)
    assert (report.messages, report.retried) == (0, 3)
    rows = [r for r in bot.store.deliveries(A) if r.step.endswith(":0") and r.state == "pending"
            and r.kind != "reprompt"]
    assert len(rows) == 3 and {r.due_at for r in rows} == {DAY0_EVENING + timedelta(minutes=1)}
    bot.telegram.clear_failures()
    report = await bot.run(DAY0_EVENING + timedelta(minutes=1))
    assert report.sent == 3 and said("reminders.checkin_prompt", day=0) in bot.telegram.last(A).text


async def test_forbidden_marks_patient_unreachable_and_cancels_pending(bot):
    """A 403 records the bundle failed 'Forbidden', flags the patient and cancels the rest; others still get theirs."""
    await enrol(bot.phone, A)
    await enrol(bot.phone, B)
    bot.telegram.fail_next("sendMessage", "forbidden", chat_id=A)
    report = await bot.run(DAY0_EVENING)
    assert (report.blocked, report.messages) == (3, 2)
    assert not bot.store.patient(A).reachable and bot.store.patient(B).reachable
    assert set(bot.states(A, DAY0_EVENING).values()) == {("failed", "Forbidden"), ("cancelled", "unreachable")}
    assert {(r.state, r.reason) for r in bot.store.deliveries(A) if r.due_at > DAY0_EVENING} == {
        ("cancelled", "unreachable")}
    assert bot.store.next_due_at() == DAY0_EVENING + timedelta(minutes=45)  # B's re-prompt; nothing of A's
    assert not bot.reminders(A)


async def test_bad_request_is_recorded_failed_and_the_next_reminder_still_goes(bot):
    """A 400 records the bundle failed with the error class; the patient's next message is unaffected."""
    await enrol(bot.phone, A)
    bot.telegram.fail_next("sendMessage", "bad_request", chat_id=A)
    report = await bot.run(DAY0_EVENING)
    assert report.failed == 2  # the care message; the check-in prompt, a message of its own, still went
    assert {s for s, _ in bot.states(A, DAY0_EVENING).values()} == {"failed", "sent"}
    assert (await bot.run(DAY1_MORNING)).messages == 1


async def test_no_duplicates_when_run_twice_at_the_same_instant(bot):
    """A second run at the same ``now`` claims nothing and sends nothing."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    report = await bot.run(DAY0_EVENING)
    assert (report.claimed, report.messages) == (0, 0) and len(bot.reminders(A)) == 2


async def test_unreachable_patient_rows_are_skipped(bot):
    """Rows of a patient flagged unreachable (and planned again since) are skipped, not sent."""
    await enrol(bot.phone, A)
    bot.store.update_patient(A, DAY0_EVENING, reachable=0)
    report = await bot.run(DAY0_EVENING)
    assert report.messages == 0
    assert set(bot.states(A, DAY0_EVENING).values()) == {("skipped", "unreachable")}


async def test_stopping_finishes_in_flight_and_releases_the_rest(bot):
    """Asked to stop, a run records what was sent and puts the rest back to pending as planned."""
    await enrol(bot.phone, A)
    await enrol(bot.phone, B)
    report = await bot.run(DAY0_EVENING, should_stop=lambda: len(bot.log) >= 1)
    assert (report.messages, report.released) == (1, 4)
    states = {r.state for chat in (A, B) for r in bot.store.deliveries(chat) if r.due_at == DAY0_EVENING}
    assert states == {"sent", "pending"} and bot.store.next_due_at() == DAY0_EVENING
    assert (await bot.run(DAY0_EVENING)).messages == 3


async def test_one_job_starts_the_alarm_and_wakes_on_replanning_move_it(bot):
    """The JobQueue holds one dispatcher job, which starts the monotonic alarm; re-planning (wake) moves the
    alarm's one wake to the earliest pending row, capped at the safety interval."""
    queue, alarm = bot.phone.app.job_queue, bot.dispatcher.alarm
    [job] = queue.get_jobs_by_name(JOB_NAME)
    await enrol(bot.phone, A)
    bot.dispatcher.arm()
    assert alarm.deadline == bot.phone.clock.monotonic() + SAFETY_INTERVAL.total_seconds()  # evening is hours away
    bot.phone.clock.set(DAY0_EVENING - timedelta(seconds=5))
    bot.dispatcher.wake()
    assert alarm.deadline == bot.phone.clock.monotonic() + 5
    assert list(queue.get_jobs_by_name(JOB_NAME)) == [job] and dispatcher_of(bot.phone.app) is bot.dispatcher
    assert not alarm.running
    await job.run(bot.phone.app)
    assert alarm.running
    await bot.dispatcher.close()
    assert not alarm.running
    with pytest.raises(RuntimeError):  # build_app installs it, once
        install_dispatcher(bot.phone.app, bot.dispatcher.hooks)


async def test_restart_sends_rows_left_claimed_by_a_crash(settings, store, clock):
    """Rows claimed when the process died are claimed again after reopening the store, and sent once."""
    first = await start(settings, store, clock)
    await enrol(first.phone, A)
    assert len(store.claim_due(DAY0_EVENING, 100)) == 3  # claimed, then the process "dies"
    await first.phone.app.shutdown()
    store.close()
    reopened = open_store(settings.database_path)
    second = await start(settings, reopened, clock)
    report = await second.run(DAY0_EVENING + timedelta(seconds=5))
    assert (report.claimed, report.messages) == (3, 2)
    rows = [r for r in reopened.deliveries(A) if r.due_at == DAY0_EVENING]
    assert {(r.state, r.attempts) for r in rows} == {("sent", 2)}
    assert (await second.run(DAY0_EVENING + timedelta(seconds=5))).messages == 0
    await second.phone.app.shutdown()
    reopened.close()


async def test_the_days_timeline_line_opens_only_its_first_message(bot):
    """The day's timeline line opens its first message only; later messages of the day carry none."""
    await enrol(bot.phone, A)
    await bot.run(DAY0_EVENING)
    await bot.run(DAY1_MORNING)
    await bot.run(DAY1_MIDDAY)
    texts = bot.reminders(A)
    assert texts[0].startswith("Day 0:") and texts[2].startswith("Day 1:")
    assert texts[1] == said("reminders.checkin_prompt", day=0)
    assert texts[3] == said("rhythm.open_midday", items=said("rhythm.sunscreen_midday"))  # at most once a day

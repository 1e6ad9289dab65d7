"""The safety net holds at the edges: warning signs are never swallowed, and alerts survive failures."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from tests.conftest import enrol, enrol_typing
from tests.test_dispatch import A
from tests.texts import said, shows

UTC = timezone.utc
CLINIC = -100777
THROAT = "My throat is swelling and I can't breathe"


def alerts(store):
    return store.alerts(open_only=False)


async def test_an_open_settings_question_never_swallows_a_red_flag(bot):
    """A warning sign typed while a /settings question waits gets the safety advice and is judged."""
    await enrol(bot.phone, A)
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Reminder times")
    bot.phone.clock.advance(timedelta(days=2))
    replies = await bot.phone.send(A, THROAT)
    assert replies[0].text.startswith("⚠️ Call 999 now")
    assert alerts(bot.store)[0].level == "emergency"


async def test_red_flags_before_enrolment_get_safety_advice_and_nothing_is_stored(phone):
    """Someone not enrolled who types a warning sign is told where to get help; nothing is stored."""
    replies = await phone.send(A, "I have a fever and pus")
    assert "call 999 now" in replies[0].text and "+44 20 7946 0000" in replies[0].text
    assert phone.store.patient(A) is None


async def test_a_long_message_with_a_red_flag_is_still_read(bot):
    """A warning sign at the end of a long message (past 500 and past 1000 characters) is acted on."""
    await enrol(bot.phone, A)
    for length in (600, 1200):
        text = "x " * (length // 2) + THROAT
        replies = await bot.phone.send(A, text)
        assert replies[0].text.startswith("⚠️ Call 999 now"), length
    assert len(alerts(bot.store)) == 1  # the same warning sign again in the same check-in: one alert


async def test_a_failed_closing_edit_still_gives_advice_and_alerts_the_clinic(tmp_path, clock):
    """If the check-in message cannot be edited at the end, the advice and the clinic alert still go out."""
    from bot.store import open_store
    from tests.conftest import make_settings, start
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_CHAT_ID=str(CLINIC))
    store = open_store(settings.database_path, settings.sealer())
    bot = await start(settings, store, clock)
    try:
        await enrol(bot.phone, A)
        bot.phone.clock.advance(timedelta(days=1))
        await bot.phone.send(A, "/checkin")
        for label in ("No", "Same", "Mild", "None", "None", "None", "Pus or yellow", "Done"):
            await bot.phone.tap(A, label)
        bot.telegram.fail_next("editMessageText", "bad_request", times=5)
        await bot.phone.tap(A, "Yes")  # fever: urgent
        assert shows(bot.telegram.chat(A)[-2].text, "triage.level_urgent")
        assert shows(bot.telegram.last(A).text, "clinic.alerted")
        assert bot.telegram.last(CLINIC).text.startswith("⚠️ " + said("checkin.level_label_urgent"))
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_worse_after_day_seven_opens_the_full_questions(phone):
    """After day 7, 'worse' is followed by the full symptom questions, not closed with 'nothing new'."""
    await enrol(phone, A)
    phone.clock.advance(timedelta(days=10))
    await phone.send(A, "/checkin")
    for label in ("No", "Worse"):
        await phone.tap(A, label)
    assert shows(phone.last(A).text, "checkin.q_redness")


async def test_unicode_digits_are_not_a_crash(phone, caplog):
    """A superscript digit typed as an answer gets a hint, never an error."""
    await enrol_typing(phone, A, skin=None)
    with caplog.at_level(logging.ERROR):
        replies = await phone.send(A, "²")
        assert shows(replies[0].text, "enrol.bad_skin")
        await phone.send(A, "skip")
        await phone.send(A, "/checkin")
        await phone.tap(A, "No")
        replies = await phone.send(A, "²")
    assert shows(replies[0].text, "checkin.hint")
    assert "failed" not in caplog.text


async def test_a_followup_survives_pause_and_resume(phone):
    """A follow-up after a monitor result is back in place after /pause then /resume."""
    await enrol(phone, A)
    await phone.send(A, "/checkin")
    for label in ("No", "Mild", "None", "Mild", "Moderate", "None of these", "No"):
        await phone.tap(A, label)
    followups = lambda: [(r.state, r.reason) for r in phone.store.deliveries(A) if r.kind == "followup"]  # noqa: E731
    assert followups() == [("pending", None)]
    await phone.send(A, "/pause 1")
    assert followups() == [("cancelled", "paused")]
    await phone.send(A, "/resume")
    assert followups() == [("pending", None)]


async def test_moving_the_treatment_date_keeps_the_new_days_reminders(bot):
    """Correcting the date re-plans the new day's reminders even where that step name was already sent."""
    await enrol(bot.phone, A, date_label="Yesterday")           # Sunday is day 0, Monday (today) day 1
    await bot.run(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))    # day 1's evening check-in goes out
    bot.phone.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    await bot.phone.send(A, "/settings")
    await bot.phone.tap(A, "Treatment date")
    await bot.phone.send(A, "2026-11-23")                        # no: Monday was day 0, so today is day 1
    pending = {r.step for r in bot.store.deliveries(A) if r.state == "pending"}
    assert {"checkin:1", "skincare-pm:1"} <= pending              # tonight's day-1 rows exist again
    assert any(r.step.startswith("checkin:1@") and r.state == "sent" for r in bot.store.deliveries(A))


async def test_a_button_on_an_inline_message_is_refused(phone, caplog):
    """A callback without a chat (an inline message) is answered 'expired', never an error."""
    data = phone.telegram.callback(A, "e1:date:today")
    del data["callback_query"]["message"]
    data["callback_query"]["inline_message_id"] = "abc"
    for prefix in ("e1:date:today", "ci1:go:1"):
        data["callback_query"]["data"] = prefix
        await phone.feed(dict(data, update_id=data["update_id"] + len(prefix)))
        assert shows(phone.telegram.callback_answers[-1].get("text", ""), "common.expired")
    assert "failed" not in caplog.text

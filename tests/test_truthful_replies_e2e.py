"""End to end: replies that used to be false or broken now tell the truth in whole, plain sentences."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import enrol
from tests.texts import said, shows

CHAT = 1001
URGENT_DAY_3 = ["No", "Worse", "Mild", "None", "Mild", "None", "Redness spreading", "Done", "Yes, sure", "No"]


def pending(phone) -> list:
    return [r for r in phone.store.deliveries(CHAT) if r.state == "pending"]


async def test_keep_after_stop_says_reminders_are_off_and_offers_them_back(phone):
    """After STOP, /start -> "Keep the current one" says messages are off (not "carry on") and can turn them on."""
    await enrol(phone)
    await phone.send(CHAT, "STOP")
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "Keep the current one")
    reply = phone.last(CHAT)
    assert not shows(reply.text, "enrol.kept") and said("export.reason_muted") in reply.text
    assert said("control.undo_yes") in reply.labels and pending(phone) == []
    await phone.tap(CHAT, "Yes, turn them back on")
    assert pending(phone) and said("progress.schedule_empty") not in (await phone.send(CHAT, "/schedule"))[0].text


async def test_urgent_advice_with_the_shipped_profile_reads_as_whole_sentences(phone):
    """The shipped clinic's out-of-hours sentence stands on its own: no "use If", no doubled full stop."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=3))
    await phone.send(CHAT, "/checkin")
    for label in URGENT_DAY_3:
        await phone.tap(CHAT, label)
    advice = phone.last(CHAT).text
    assert shows(advice, "triage.level_urgent") and "If we are closed, call NHS 111" in advice
    assert "use If" not in advice and ".." not in advice and not re.search(r"\.\s+\.", advice)


async def test_results_name_answers_in_plain_words(phone):
    """A result never shows token names such as "previous outcome urgent" or "breathing difficulty unsure"."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=3))
    await phone.send(CHAT, "/checkin")
    for label in URGENT_DAY_3:
        await phone.tap(CHAT, label)
    phone.clock.advance(timedelta(days=1))
    await phone.send(CHAT, "/checkin")
    await phone.tap(CHAT, "Not sure")  # the safety screen: "not sure" about trouble breathing
    results = [phone.last(CHAT).text]
    await phone.send(CHAT, "/checkin")
    for label in ["No", "Worse", "Mild", "None", "Mild", "None", "None of these", "No"]:
        await phone.tap(CHAT, label)
    results.append(phone.last(CHAT).text)
    assert "Because you told me" in results[0] and "Because you told me" in results[1]
    assert "not sure" in results[0] and "trouble breathing" in results[0]
    assert "last time you were" in results[1] and "worse than yesterday" in results[1]
    for text in results:
        assert "previous outcome" not in text and "breathing difficulty" not in text and "_" not in text


async def test_anything_bothering_button_leads_to_taps_it_announces(phone):
    """From day 8 the "anything bothering" button no longer offers to be told ("Yes, tell you") before buttons."""
    await enrol(phone)
    phone.clock.advance(timedelta(days=8))
    await phone.send(CHAT, "/checkin")
    for label in ["No", "Same"]:
        await phone.tap(CHAT, label)
    labels = phone.last(CHAT).labels
    assert said("checkin.opt_tell") in labels and not any("tell you" in label for label in labels)
    await phone.tap(CHAT, "Yes, show me")
    assert shows(phone.last(CHAT).text, "checkin.q_redness")

"""Triage rules v2 in the chat: unfinished check-ins triaged, urgent answers at once, typed signs read for
meaning, "still there?", the fast path, P1a and the 90-day cadence (issue 12's quoted v1 failures each fail
on the v1 code)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages import questionnaire as q
from tests.conftest import CLINIC_CHAT as CLINIC, START, enrol
from tests.texts import said, shows

CHAT = 1001


@pytest.fixture
def bot(clinic_bot):
    """The app with a clinic chat and its dispatcher, on a fixed clock."""
    return clinic_bot


def alerts(bot):
    return bot.store.alerts(open_only=False)


def verdicts(bot):
    return bot.store.verdicts(CHAT, bot.store.patient(CHAT).treatment.id)


def clinic_texts(bot):
    return [m.text for m in bot.telegram.chat(CLINIC)]


async def taps(bot, *labels):
    for label in labels:
        await bot.phone.tap(CHAT, label)


async def test_very_severe_pain_alerts_the_clinic_at_once_even_if_the_checkin_is_abandoned(bot):
    """P9a: 'Very severe' pain gives its advice and alerts the clinic before the last question, and only once."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=2))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Same", "Mild", "None")
    replies = await bot.phone.tap(CHAT, "Very severe")
    assert any(shows(r.text, "triage.level_urgent") for r in replies)
    assert shows(bot.phone.last(CHAT).text, "checkin.q_interference")  # it goes on below the advice
    assert any("URGENT" in t and "U7" in t for t in clinic_texts(bot))
    assert bot.store.open_checkin(CHAT) is not None  # the patient may finish, or not
    await bot.run(START + timedelta(days=2, hours=12, seconds=1))  # the patient never finishes
    assert bot.store.open_checkin(CHAT) is None
    [verdict] = verdicts(bot)
    assert verdict.partial and verdict.level == "urgent" and "pain:very_severe" in verdict.tokens
    assert len(alerts(bot)) == 1  # closing it after 12 h does not alert the same reason again


async def test_a_half_answered_checkin_is_triaged_when_the_window_closes(bot):
    """P5a: a check-in left open 12 h is triaged on the answers given, stored as partial, and alerts."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=4))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Better", "Severe")  # then silence
    assert alerts(bot) == []
    await bot.run(START + timedelta(days=4, hours=11))
    assert verdicts(bot) == []
    await bot.run(START + timedelta(days=4, hours=12, seconds=1))
    [verdict] = verdicts(bot)
    assert verdict.partial and verdict.level == "contact_provider"
    assert "redness:severe" in verdict.tokens and "swelling:none" not in verdict.tokens  # not reached: absent
    assert [r["rule"] for r in verdict.reasons][0] == "C8"
    [alert] = [t for t in clinic_texts(bot) if "C8" in t]
    assert shows(alert, "checkin.alert_partial")  # staff know the rest is unknown
    replies = await bot.phone.send(CHAT, "/progress")
    assert "Day 4: Contact clinic" in replies[-1].text and shows(replies[-1].text, "progress.unfinished")


async def test_a_checkin_without_any_answer_is_no_response(bot):
    """P5a: a check-in opened but never answered is no_response (monitor), not normal, and alerts nobody."""
    await enrol(bot.phone)
    await bot.phone.send(CHAT, "/checkin")
    await bot.run(START + timedelta(hours=12, seconds=1))
    [verdict] = verdicts(bot)
    assert verdict.level == "monitor" and verdict.reasons[0]["rule"] == "M10"
    assert alerts(bot) == []


async def test_a_replaced_checkin_is_triaged_on_its_answers(bot):
    """P5a: starting again triages the unfinished check-in first, marked partial."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=5))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Same", "Severe")
    await bot.phone.send(CHAT, "/checkin")
    await bot.phone.tap(CHAT, "Start again")
    [verdict] = verdicts(bot)
    assert verdict.partial and verdict.level == "contact_provider"


async def test_typed_lip_swelling_gets_urgent_advice_an_alert_and_a_one_tap_confirmation(bot):
    """U10: 'my lips are swelling' gets the lip advice and a clinic alert at once, then one tap confirms it."""
    await enrol(bot.phone)
    replies = await bot.phone.send(CHAT, "my lips are swelling")
    assert said("triage.rule_U4") in replies[0].text
    assert any("URGENT" in t for t in clinic_texts(bot))
    question = bot.phone.last(CHAT)
    assert said("checkin.q_confirm", question=said("checkin.now_lip_swelling")) in question.text
    await bot.phone.tap(CHAT, "Yes")
    assert ("confirm_lip_swelling", "yes") in bot.store.open_checkin(CHAT).answers
    await bot.phone.send(CHAT, "my lips are swelling")  # the same message again: no second alert
    assert len(alerts(bot)) == 1


async def test_no_fever_just_a_bit_red_alerts_nobody_and_asks_in_one_tap(bot):
    """A negated sign raises no alarm: the bot asks the matching question instead."""
    await enrol(bot.phone)
    replies = await bot.phone.send(CHAT, "no fever, just a bit red")
    assert alerts(bot) == [] and clinic_texts(bot) == []
    assert said("checkin.q_ask", question=said("checkin.now_fever")) in replies[-1].text
    await bot.phone.tap(CHAT, "No")
    while "Just to check" in bot.phone.last(CHAT).text:  # "a bit red" is asked about too
        await bot.phone.tap(CHAT, "None")
    assert shows(bot.phone.last(CHAT).text, "checkin.q_safety")  # then the check-in itself
    assert alerts(bot) == []


@pytest.mark.parametrize("text, alerted", [
    ("my lips are swelling", True), ("hives all over my arms", True), ("temp is 38.9", True),
    ("feeling really dizzy", True), ("brething is hard", True),
    ("no fever, just a bit red", False), ("breathing is fine, just a bit puffy", False),
    ("there's a faint redness left", False), ("can I use my eye cream yet?", False),
])
async def test_the_quoted_typed_messages_of_issue_12(bot, text, alerted):
    """Each typed message quoted in issue 12 alerts the clinic exactly when it carries an affirmed red flag."""
    await enrol(bot.phone)
    replies = await bot.phone.send(CHAT, text)
    assert replies, "every message gets an answer"
    assert bool(alerts(bot)) is alerted
    assert all(v.level not in {"urgent", "emergency"} for v in verdicts(bot)) is not alerted


async def test_a_typed_red_flag_inside_a_checkin_is_read_not_refused(bot):
    """Inside an open check-in a typed red flag gets its advice and alert; the check-in then goes on."""
    await enrol(bot.phone)
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No")
    replies = await bot.phone.send(CHAT, "my lips are swelling")
    assert not any(shows(r.text, "checkin.hint") for r in replies)
    assert any(shows(r.text, "triage.rule_U4") for r in replies) and alerts(bot)
    await bot.phone.tap(CHAT, "Not sure")  # the one-tap confirmation
    assert shows(bot.phone.last(CHAT).text, "checkin.q_redness")
    assert "lip_swelling:unsure" in q.to_tokens(bot.store.open_checkin(CHAT).answers)


async def test_day_nine_redness_still_there_reaches_c8_even_with_nothing_else(bot):
    """'Still there?' re-asks last time's redness by name, so day 9 reaches C8 although nothing else is named."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=7))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Same", "Mild", "None", "None", "None", "None of these", "No")
    bot.phone.clock.advance(timedelta(days=2))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Same")
    assert said("checkin.q_still", item=said("checkin.item_redness")) in bot.phone.last(CHAT).text
    await taps(bot, "Yes", "Mild", "No", "No")  # still there, mild; nothing else bothering; no fever
    verdict = verdicts(bot)[-1]
    assert verdict.day == 9 and verdict.level == "contact_provider" and verdict.reasons[0]["rule"] == "C8"


async def test_worse_with_nothing_named_asks_what_is_getting_worse(bot):
    """P1a: 'Worse' with every symptom answered none asks what is getting worse, and evaluates it."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=10))
    await bot.phone.send(CHAT, "/checkin")
    await taps(bot, "No", "Worse", "None", "None", "None", "None", "None of these", "No")
    assert shows(bot.phone.last(CHAT).text, "checkin.q_what_worse")
    await taps(bot, "Swelling", "Done", "Mild")
    verdict = verdicts(bot)[-1]
    assert "swelling:mild" in verdict.tokens and verdict.level == "contact_provider"  # C9 on day 10


async def test_checkins_are_scheduled_to_day_ninety(bot):
    """The care plan schedules check-ins on days 75 and 90, so C13 (spots from day 61) is asked."""
    await enrol(bot.phone)
    steps = {r.step for r in bot.store.deliveries(CHAT) if r.kind == "checkin"}
    assert {"checkin:60", "checkin:75", "checkin:90"} <= steps


# Typed answers for every question of the check-in, in three walks that together reach each one.
WALKS = [
    (3, False, {"safety": "no", "trend": "worse", "redness": "mild", "swelling": "none", "pain": "moderate",
                "interference": "a little bit", "itching": "none", "new": "rash, hives, dark spots, spreading",
                "rash_severity": "mild", "rash_onset": "not sure", "hives_where": "only treated skin",
                "spots_darker": "no", "spreading_sure": "not sure", "fever": "no"}),
    (10, True, {"safety": "no", "trend": "same", **{f"still_{i}": "no" for i in q.STILL_ORDER},
                "anything": "yes, show me", "redness": "none", "swelling": "none", "pain": "none", "itching": "none",
                "new": "none of these", "fever": "not sure"}),
    (12, False, {"safety": "no", "trend": "worse", "redness": "none", "swelling": "none", "pain": "none",
                 "itching": "none", "new": "nothing", "fever": "no", "what_worse": "redness, swelling, pain, itching",
                 "worse_redness": "mild", "worse_swelling": "mild", "worse_pain": "mild", "worse_itching": "mild"}),
]
EVERYTHING_LAST_TIME = ["redness:mild", "swelling:mild", "pain:mild", "itching:mild", "rash:mild", "hives", "pimples",
                        "pus", "blisters", "spreading_redness", "spots", "peeling", "bruising", "lip_swelling",
                        "eye_problem", "lumps", "scar_lines"]


async def test_every_question_accepts_a_typed_answer(bot):
    """Every question of the check-in, Q1 included, takes a typed answer in the chat (three walks reach them all)."""
    await enrol(bot.phone)
    treatment = bot.store.patient(CHAT).treatment.id
    typed: set[str] = set()
    for day, seeded, answers in WALKS:
        bot.phone.clock.set(START + timedelta(days=day))
        if seeded:  # last time the patient reported every item, so each is asked again by name
            bot.store.complete_checkin(None, CHAT, treatment, day - 1, None, "contact_provider", [],
                                       EVERYTHING_LAST_TIME, "v2", None, START + timedelta(days=day - 1))
        await bot.phone.send(CHAT, "/checkin")
        while (row := bot.store.open_checkin(CHAT)) is not None:
            question = q.next_question(row.answers, row.day, bot.store.rash_first_day(treatment) is not None,
                                       row.still, row.asks)
            if question is None:
                break
            await bot.phone.send(CHAT, answers[question.id])
            after = bot.store.checkin(row.id)
            assert len(after.answers) == len(row.answers) + 1, (question.id, answers[question.id])
            typed.add(question.id)
    assert typed == set(q.QUESTIONS)


async def test_the_checkin_takes_the_same_typed_yes_and_no_as_enrolment(bot):
    """'nah' and 'yep' answer a check-in question as they answer an enrolment question (one reader)."""
    await enrol(bot.phone)
    await bot.phone.send(CHAT, "/checkin")
    await bot.phone.send(CHAT, "nah")
    assert bot.store.open_checkin(CHAT).answers == [("safety", "no")]
    for answer in ("none", "none", "none", "none", "none of these"):
        await bot.phone.send(CHAT, answer)
    await bot.phone.send(CHAT, "yep")  # fever: yes
    assert "fever" in verdicts(bot)[-1].tokens


async def test_a_typed_sign_to_confirm_left_unanswered_counts_as_yes(bot):
    """P4c: 'yellow crusts' asks one tap first, raises no alarm yet, and unanswered for 12 h counts as Yes."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=3))
    replies = await bot.phone.send(CHAT, "there are yellow crusts on my cheek")
    assert said("checkin.q_confirm", question=said("checkin.now_yellow_crusts")) in replies[-1].text
    assert alerts(bot) == []
    await bot.run(START + timedelta(days=3, hours=12, seconds=1))
    [verdict] = verdicts(bot)
    assert verdict.partial and "yellow_crusts" in verdict.tokens and verdict.level == "contact_provider"
    assert any("C6" in t for t in clinic_texts(bot))


async def test_a_hedged_mention_asks_and_unanswered_raises_nothing(bot):
    """P4a/P4f: 'a bit dizzy' asks the Q1 safety screen in one tap; left unanswered it alarms nobody (M11)."""
    await enrol(bot.phone)
    replies = await bot.phone.send(CHAT, "I feel a bit dizzy")
    assert replies[-1].text.endswith(said("checkin.q_safety"))
    await bot.run(START + timedelta(hours=12, seconds=1))
    assert alerts(bot) == [] and [v.level for v in verdicts(bot)] == ["monitor"]


async def test_checkin_after_a_typed_sign_keeps_its_one_tap_question(bot):
    """/checkin right after 'there are yellow crusts' still asks that confirmation first and stores no empty day."""
    await enrol(bot.phone)
    await bot.phone.send(CHAT, "there are yellow crusts on my cheek")
    await bot.phone.send(CHAT, "/checkin")
    assert said("answers.sign_yellow_crusts") in bot.phone.last(CHAT).text
    assert verdicts(bot) == []


@pytest.mark.parametrize("days, alerted", [(14, True), (15, False)])
async def test_typed_blisters_follow_the_day_bounds_of_u3_and_c16(bot, days, alerted):
    """Typed blisters are urgent (U3/U10, an alert at once) to day 14 and a one-tap confirmation from day 15 (C16)."""
    await enrol(bot.phone)
    bot.phone.clock.advance(timedelta(days=days))
    replies = await bot.phone.send(CHAT, "I have blisters on my cheek")
    assert replies, "every message gets an answer"
    assert bool(alerts(bot)) is alerted
    if not alerted:
        assert said("answers.sign_blisters") in bot.phone.last(CHAT).text.lower()  # asked to confirm in one tap, no alarm yet

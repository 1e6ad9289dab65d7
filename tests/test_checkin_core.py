"""The check-in's pure core: typed answers, tick rules, the v2 question paths, partial check-ins and alerts."""

from __future__ import annotations

import pytest

from messages import checkin as core
from messages import questionnaire as q
from messages.catalog import load_catalog
from messages.triage import Reason, Verdict, evaluate_tokens
from messages.reading import read_message
from messages.words import Words

WORDS = Words.from_texts(load_catalog().texts)


@pytest.mark.parametrize("text, meaning", [
    ("yes", "yes"), ("Yep!", "yes"), ("ok", "yes"), ("sure", "yes"), ("I agree", "yes"), ("👍 yes", "yes"),
    ("no", "no"), ("nah", "no"), ("No thanks.", "no"), ("nope", "no"),
    ("not sure", "unsure"), ("dunno", "unsure"), ("Don’t know", "unsure"), ("idk", "unsure"),
    ("Not sure", "unsure"), ("maybe", "unsure"),
    ("yes and no", None), ("banana", None), ("", None), ("²", None),
    ("no, not really", "no"), ("No not really, thanks", "no"), ("yes yes", "yes"), ("yes please thanks", "yes"),
    ("no yes", None), ("thanks", None), ("i think so", None), ("not sure, maybe", "unsure"), ("it's fine", None),
])
def test_one_reader_of_typed_yes_no(text, meaning):
    """Typed yes / no / not sure read the same everywhere, from the catalog's word lists."""
    assert WORDS.yes_no(text) == meaning


# One typed answer per question, for EVERY question of the check-in (Q1 included).
TYPED = [
    ("safety", "no", "no"), ("safety", "yes", "yes"), ("safety", "not sure", "unsure"),
    ("trend", "better", "improving"), ("trend", "same", "same"), ("trend", "worse", "worsening"),
    ("trend", "dunno", "unsure"),
    ("redness", "mild", "mild"), ("redness", "3", "severe"), ("redness", "very severe", "very_severe"),
    ("swelling", "none", "none"), ("swelling", "moderate", "moderate"),
    ("pain", "severe", "severe"), ("pain", "not sure", "unsure"), ("pain", "4", "very_severe"),
    ("interference", "a little bit", "1"), ("interference", "very much", "4"),
    ("itching", "nothing", "none"), ("itching", "a bit", "mild"),
    ("new", "none of these", "none"), ("new", "rash and pimples", "rash,pimples"), ("new", "nothing", "none"),
    ("new", "Peeling, bruising", "peeling,bruising"),
    ("rash_severity", "mild", "mild"), ("rash_severity", "not sure", "unsure"),
    ("rash_onset", "today", "today"), ("rash_onset", "yesterday", "yesterday"), ("rash_onset", "2 days ago", "2_days"),
    ("rash_onset", "3 or more days ago", "3plus"), ("rash_onset", "not sure", "unsure"),
    ("hives_where", "only treated skin", "treated"), ("hives_where", "everywhere", "elsewhere"),
    ("hives_where", "not sure", "unsure"),
    ("spots_darker", "yes", "yes"), ("spots_darker", "no", "no"),
    ("spreading_sure", "yes, sure", "sure"), ("spreading_sure", "not sure", "unsure"),
    ("fever", "no", "no"), ("fever", "yep", "yes"), ("fever", "not sure", "unsure"),
    ("anything", "no", "none"), ("anything", "yes, show me", "tell"),
    ("what_worse", "redness", "redness"), ("what_worse", "none of these", "none"),
    *[(f"still_{item}", "yes", "yes") for item in q.STILL_ORDER],
    *[(f"still_{item}", "nah", "no") for item in q.STILL_ORDER],
    *[(f"worse_{item}", "severe", "severe") for item in q.SKIN_ITEMS],
    ("confirm_lip_swelling", "yes", "yes"), ("ask_fever", "no", "no"), ("confirm_redness", "mild", "mild"),
]


def test_the_typed_table_covers_every_question():
    """The table below names every question of the check-in, so none is left without a typed answer."""
    assert {question for question, _, _ in TYPED} >= set(q.QUESTIONS)


@pytest.mark.parametrize("question_id, text, value", TYPED)
def test_every_question_accepts_a_typed_answer(question_id, text, value):
    """A typed answer to the question on screen is read as that question's option."""
    assert core.read_typed(q.question(question_id), text, WORDS) == value


@pytest.mark.parametrize("selection, pick, after, answer", [
    ([], "none", [], "none"),                         # nothing ticked: None of these answers in one tap
    (["rash"], "none", ["none"], None),               # ticks would be lost: cleared, Done confirms
    (["none"], "none", [], None),
    (["rash"], "rash", [], None),                     # a second tap unticks
    (["none"], "pimples", ["pimples"], None),
    (["rash"], "pimples", ["rash", "pimples"], None),
])
def test_tick_rules(selection, pick, after, answer):
    """Taps on the multi-select question tick, untick and clear as the patient expects."""
    assert core.tick(selection, pick) == (after, answer)


@pytest.mark.parametrize("previous, still", [
    (["redness:mild", "swelling:none", "pain:moderate", "itching:none", "none"], ("redness", "pain")),
    (["rash:mild", "spots", "spots:darkening", "trend:same"], ("rash", "spots")),
    (["pus", "yellow_crusts", "lip_swelling:unsure", "spreading_redness:unsure"], ("pus", "spreading", "lips")),
    (["no_response", "previous_outcome:monitor"], ()),
    (["free_text:(redacted)", "hives:widespread", "risk:immunocompromised"], ("hives",)),
])
def test_still_there_items_come_from_the_previous_checkin(previous, still):
    """Every item at mild or above, or present, last time is asked again by name."""
    assert core.still_items(previous) == still


def test_still_there_skips_a_day_without_answers():
    """A no-response day in between does not forget what was there before it."""
    history = [["redness:mild", "trend:same"], ["no_response", "previous_outcome:normal"]]
    assert core.still_items_after(history) == ("redness",)
    assert core.still_items_after([]) == ()


def walk(answers, day, still=(), asks=(), onset_known=False):
    """The question ids a patient is asked, answering from ``answers`` (question -> value) until done."""
    given, asked = [], []
    while (question := q.next_question(given, day, onset_known, still, asks)) is not None:
        asked.append(question.id)
        given.append((question.id, answers[question.id]))
    return asked, q.to_tokens(given)


QUIET = {"safety": "no", "trend": "same", "anything": "none", "fever": "no", "redness": "none", "swelling": "none",
         "pain": "none", "itching": "none", "new": "none"}


def test_fast_path_after_day_seven():
    """After day 7: safety, trend, still-there items, anything bothering, then fever."""
    asked, tokens = walk({**QUIET, "still_redness": "yes", "redness": "mild"}, 9, still=("redness",))
    assert asked == ["safety", "trend", "still_redness", "redness", "anything", "fever"]
    assert "redness:mild" in tokens and "trend:same" in tokens
    assert evaluate_tokens(tokens, 9).level == "contact_provider"  # C8: redness still there on day 9


def test_show_me_opens_the_full_questions_on_the_fast_path():
    """'Yes, show me' on the fast path asks Q3-Q7."""
    asked, _ = walk({**QUIET, "anything": "tell"}, 10)
    assert asked == ["safety", "trend", "anything", "redness", "swelling", "pain", "itching", "new", "fever"]


def test_still_there_no_skips_its_question_and_records_none():
    """A 'No' to 'still there?' answers that item: it is not asked again."""
    asked, tokens = walk({**QUIET, "still_redness": "no"}, 3, still=("redness",))
    assert asked == ["safety", "trend", "still_redness", "swelling", "pain", "itching", "new", "fever"]
    assert "redness:none" in tokens


def test_still_there_presence_item_asks_its_follow_up():
    """A rash still there asks how bad it is; dark spots still there ask whether they are darkening."""
    answers = {**QUIET, "still_rash": "unsure", "rash_severity": "mild", "still_spots": "yes", "spots_darker": "no"}
    asked, tokens = walk(answers, 20, still=("rash", "spots"), onset_known=True)
    assert asked[:6] == ["safety", "trend", "still_rash", "rash_severity", "still_spots", "spots_darker"]
    assert {"rash:mild", "spots"} <= set(tokens)


def test_worse_with_nothing_named_asks_what_is_getting_worse():
    """P1a: 'worse' with no symptom named asks what is getting worse, and that answer is evaluated."""
    answers = {**QUIET, "trend": "worsening", "what_worse": "redness", "worse_redness": "moderate"}
    asked, tokens = walk(answers, 12)
    assert asked[-3:] == ["fever", "what_worse", "worse_redness"]
    assert "redness:moderate" in tokens


@pytest.mark.parametrize("answer, tokens", [
    ("treated", {"hives"}), ("elsewhere", {"hives:widespread"}), ("unsure", {"hives:widespread"}),
])
def test_hives_where_not_sure_resolves_upward(answer, tokens):
    """Q7b: Not sure counts as elsewhere too (P2)."""
    _, found = walk({**QUIET, "new": "hives", "hives_where": answer}, 2)
    assert tokens <= set(found)


def test_rash_onset_not_sure_gives_no_onset():
    """Q7a: Not sure about the onset stores no onset day (P3 then assumes today)."""
    assert q.rash_onset_day([("rash_onset", "unsure")], 5) is None
    assert q.rash_onset_day([("rash_onset", "2_days")], 5) == 3


@pytest.mark.parametrize("answers, asks, tokens", [
    ([], (), ["no_response"]),                                                    # P5a: nothing at all
    ([("safety", "no")], (), ["no_response"]),                                    # a No is not an answer
    ([("safety", "no"), ("trend", "same"), ("redness", "severe")], (), ["trend:same", "redness:severe"]),
    ([("safety", "no"), ("trend", "same"), ("pain", "very_severe")], (), ["trend:same", "pain:very_severe"]),
    ([], ("confirm_yellow_crusts",), ["yellow_crusts"]),                          # unanswered confirm = Yes
    ([], ("confirm_redness",), ["redness:unsure"]),
    ([], ("ask_fever",), ["no_response"]),                                        # unanswered ask: nothing
    ([("confirm_lip_swelling", "no")], ("confirm_lip_swelling",), ["no_response"]),
])
def test_an_unfinished_checkin_is_closed_on_the_answers_given(answers, asks, tokens):
    """P5a: questions not reached are absent (not none); unanswered confirmations count as Yes."""
    assert core.closing_tokens(answers, asks) == tokens


def verdict(level, *rules):
    return Verdict(level, tuple(Reason(rule, level, ()) for rule in rules), "v")


@pytest.mark.parametrize("earlier, later, level", [
    (None, verdict("normal", "N2"), "normal"),
    (verdict("urgent", "U7"), verdict("normal", "N2"), "urgent"),                  # never lower
    (verdict("urgent", "U10"), verdict("contact_provider", "C8"), "urgent"),
    (verdict("contact_provider", "C8"), verdict("urgent", "U4"), "urgent"),         # raise
])
def test_later_answers_raise_never_lower(earlier, later, level):
    """P9a / P4d: the check-in's verdict so far can only go up."""
    assert core.merge(earlier, later).level == level


@pytest.mark.parametrize("v, reasons", [
    (verdict("normal", "N1"), ()), (verdict("monitor", "M3"), ()),
    (verdict("contact_provider", "C8"), ("C8",)), (verdict("urgent", "U7"), ("U7",)),
])
def test_alerts_from_contact_provider_up(v, reasons):
    """The clinic is alerted for contact_provider and above, by reason."""
    assert core.alert_reasons(v) == reasons


def typed(level, rule, *signs):
    return Verdict(level, (Reason(rule, level, signs),), "v")


@pytest.mark.parametrize("v, keys", [
    (typed("urgent", "U10", "lip_swelling"), ("U10:lip_swelling",)),
    (typed("urgent", "U10", "fever", "chills"), ("U10:fever", "U10:chills")),
    (typed("emergency", "E4", "faint"), ("E4:faint",)),
    (Verdict("emergency", (Reason("E4", "emergency", ("faint",)), Reason("U4", "urgent", ("lip_swelling",)),
                           Reason("M2", "monitor", ("pimples",))), "v"), ("E4:faint", "U4")),
])
def test_a_typed_sign_is_its_own_alert_key(v, keys):
    """P9b: E4 and U10 stand for any typed sign, so each sign is alerted apart; a table rule is its own key."""
    assert core.alert_reasons(v) == keys


@pytest.mark.parametrize("earlier, later, answers", [
    (typed("urgent", "U10", "lip_swelling"), typed("urgent", "U10", "fever", "chills"),
     ("lip_swelling", "fever", "chills")),
    (typed("urgent", "U10", "fever"), typed("urgent", "U10", "fever"), ("fever",)),
    (typed("urgent", "U7", "pain:very_severe"), typed("urgent", "U7", "pain:severe"), ("pain:severe",)),
])
def test_a_typed_rule_keeps_every_sign_of_the_check_in(earlier, later, answers):
    """P9b: a second typed sign adds to E4 / U10 instead of replacing the first; a table rule takes its newest answers."""
    [reason] = core.merge(earlier, later).reasons
    assert reason.answers == answers


@pytest.mark.parametrize("levels, key", [
    (("emergency", "emergency"), "clinic.acknowledged_emergency"),
    (("urgent", "urgent"), "clinic.acknowledged_urgent"),
    (("urgent", "emergency"), "clinic.acknowledged_emergency"),  # the check-in went on to an emergency
    (("contact_provider", "contact_provider"), "clinic.acknowledged"),
    (("contact_provider", "urgent"), "clinic.acknowledged_urgent"),
])
def test_an_acknowledgement_repeats_the_highest_instruction(levels, key):
    """P10: the patient's "the team has seen it" repeats the urgent or emergency instruction of the check-in."""
    assert core.acknowledgement_key(levels) == key


@pytest.mark.parametrize("tokens, acts", [
    (["pain:very_severe"], True), (["lip_swelling"], True), (["redness:severe"], False), (["none"], False),
])
def test_urgent_answers_act_at_once(tokens, acts):
    """P9a: an urgent rule matched by the answers so far acts before the last question."""
    assert core.acts_now(evaluate_tokens(tokens, 2)) is acts


@pytest.mark.parametrize("question_id, text, kind", [
    ("redness", "my lips are swelling", "urgent"),
    ("redness", "I can't breathe", "emergency"),
    ("redness", "severe", "answer"),
    ("fever", "no fever, just a bit red", "asks"),
    ("confirm_fever", "no fever", "answer"), ("confirm_fever", "my son has a fever", "asks"),
    ("safety", "no", "answer"),
    (None, "thanks!", "nothing"),
])
def test_how_a_typed_text_reads(question_id, text, kind):
    """Signs first, then the answer to the question on screen, then asks, else nothing (M11)."""
    question = q.question(question_id) if question_id else None
    assert core.read_text(text, question, WORDS).kind == kind


def test_a_typed_urgent_sign_is_confirmed_in_one_tap():
    """U10: the urgent sign is then confirmed as a structured answer."""
    reading = core.read_text("my lips are swelling", None, WORDS)
    assert reading.signs == ("lip_swelling",) and reading.asks == ("confirm_lip_swelling",)
    assert q.to_tokens([("confirm_lip_swelling", "unsure")]) == ["lip_swelling:unsure"]


@pytest.mark.parametrize("immune, cold_sores, skin, tokens", [
    ("yes", "no", None, ["risk:immunocompromised"]), ("unsure", "yes", "V",
                                                      ["risk:immunocompromised", "risk:cold_sore_history",
                                                       "risk:fitzpatrick_iv_vi"]),
    ("no", "unsure", "II", []),
])
def test_risk_tokens(immune, cold_sores, skin, tokens):
    """Profile risks (P6): an unsure immune answer counts as yes."""
    assert core.risk_tokens(immune, cold_sores, skin) == tokens


@pytest.mark.parametrize("text, unsettled", [
    ("my lips feel a bit funny", ("lip_swelling",)), ("something's off with my throat", ("tongue_throat_swelling",)),
    ("breathing feels weird", ("breathing_difficulty",)), ("my eye feels weird", ("eye_problem",)),
    ("heart racing", ("breathing_difficulty",)), ("sore throat", ("tongue_throat_swelling",)),
    # settled, or hedged: asked about, but not unsettled (P4a, P4c, P4f's hypotheticals)
    ("I feel a bit dizzy", ()), ("I feel hot", ()), ("no fever", ()), ("my breathing is fine", ()),
    ("is it normal if my lips swell?", ()), ("what if my lips feel funny", ()), ("my son's eye looks odd", ()),
    ("lips felt funny yesterday, fine now", ()), ("my lips are swelling", ()), ("I can't breathe", ()),
])
def test_which_mentions_are_unsettled(text, unsettled):
    """P4f: a red-flag function mentioned in words that say something is off but not what, not negated, passed,
    possible or someone else's, is unsettled; a hedged degree ("a bit dizzy") or an affirmed sign is not."""
    assert read_message(text).unsettled == unsettled


@pytest.mark.parametrize("text, marks", [
    ("my lips feel a bit funny", ("p4f:ask_lip_swelling:lip_swelling", "p4f:safety:lip_swelling")),
    ("my eye feels weird", ("p4f:ask_eye_problem:eye_problem",)),
    ("something's off with my throat", ("p4f:safety:tongue_throat_swelling",)),
    ("I feel a bit dizzy", ()), ("no fever", ()),
])
def test_an_unsettled_mention_marks_its_questions(text, marks):
    """The one-tap questions asked about an unsettled mention are marked in the check-in's asks; marks are no
    questions (the check-in asks past them)."""
    reading = core.read_text(text, None, WORDS, day=2)
    assert tuple(a for a in reading.asks if a.startswith(q.UNSETTLED)) == marks
    asked = [a for a in reading.asks if not a.startswith(q.UNSETTLED)]
    answers = [(a, "no") for a in asked]
    assert q.next_question(answers, 2, False, (), reading.asks).id == ("safety" if "safety" not in asked else "trend")


MARKS = ("safety", "ask_lip_swelling", "p4f:ask_lip_swelling:lip_swelling", "p4f:safety:lip_swelling")


@pytest.mark.parametrize("answers, about", [
    ([], ("asked_about:lip_swelling",)),
    ([("safety", "no")], ("asked_about:lip_swelling",)),                       # the lips are still unsettled
    ([("safety", "no"), ("ask_lip_swelling", "no")], None),                    # answered: §2 decides
    ([("safety", "no"), ("ask_lip_swelling", "yes")], None),
])
def test_an_unanswered_question_about_an_unsettled_mention_is_contact_provider(answers, about):
    """P4f: closing a check-in with such a question unanswered gives contact_provider (P4f); answered, nothing."""
    verdict = core.closing_verdict(answers, MARKS, "v")
    if about is None:
        assert verdict is None
    else:
        assert (verdict.level, verdict.reasons) == ("contact_provider", (Reason("P4f", "contact_provider", about),))


def test_an_unanswered_hedged_question_is_not_p4f():
    """A hedged or negated mention's question ("a bit dizzy": the safety screen) unanswered adds nothing (M11)."""
    assert core.closing_verdict([], ("safety", "ask_fever"), "v") is None


@pytest.mark.parametrize("answers", [[], [("safety", "no")]])
def test_a_passed_emergency_sign_is_contact_provider_whatever_the_answers(answers):
    """P4i: an emergency sign typed as passed is marked in the check-in and closes as contact_provider (P4i)."""
    reading = core.read_text("I fainted in the shower this morning, feel ok now", None, WORDS, day=2)
    assert "p4i:faint" in reading.asks
    verdict = core.closing_verdict(answers, reading.asks, "v")
    assert verdict.level == "contact_provider" and verdict.reasons == (Reason("P4i", "contact_provider", ("faint",)),)

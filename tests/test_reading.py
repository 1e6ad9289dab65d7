"""Tests for the reader of typed messages (triage-rules.md P4a-P4d): signs, negations, other senses, typos, temperatures."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from messages.checkin import needs_alert as needs_alert_level
from messages.reading import Reading, Sign, free_text_token, read_message
from messages.reading_lexicon import load_lexicon, parse_lexicon, variants
from messages.reading_match import split
from messages.triage import LEVELS, evaluate_tokens
from tests.test_triage import imported_roots

# (typed message, day since treatment, level the check-in must get, whether the clinic is alerted).
# The level is the one recorded if every confirmation is answered Yes or left unanswered (P4c).
MESSAGES = [
    # quoted in issue 12 / rules v2
    ('my lips are swelling', 2, 'urgent', True),
    ('hives all over my arms', 1, 'urgent', True),
    ('temp is 38.9', 3, 'urgent', True),
    ('feeling really dizzy', 0, 'emergency', True),
    ('brething is hard', 1, 'emergency', True),
    ('no fever, just a bit red', 2, 'monitor', False),
    ('breathing is fine, just a bit puffy', 1, 'monitor', False),
    ("there's a faint redness left", 9, 'monitor', False),
    ('can I use my eye cream yet?', 4, 'monitor', False),
    ('no fever and my lips are swelling', 1, 'urgent', True),
    ("my upper lip - it's huge now", 0, 'urgent', True),
    ('my son has a fever', 3, 'monitor', False),
    ('fever last night, fine now', 2, 'monitor', False),
    ('my mum is confused after her treatment', 1, 'emergency', True),
    ('a bit pink and tight', 3, 'monitor', False),
    ('all good', 5, 'monitor', False),
    ('lips swelling', 0, 'urgent', True),
    ('hives all over', 1, 'urgent', True),
    ('temprature is high', 2, 'urgent', True),
    ('my throut feels tight', 0, 'emergency', True),
    ('room temperature', 1, 'monitor', False),
    ('just chilling on the sofa', 2, 'monitor', False),
    ('confused about when to use sunscreen', 2, 'monitor', False),
    ('pushing through the itch', 2, 'monitor', False),
    ('no fever', 3, 'monitor', False),
    ('not bleeding', 1, 'monitor', False),
    ('without pus', 4, 'monitor', False),
    ('no more blisters', 16, 'monitor', False),
    ("I've had no chills", 2, 'monitor', False),
    ('the rash has gone', 6, 'monitor', False),
    ('never had a cold sore', 1, 'monitor', False),
    ('woozy', 1, 'monitor', False),
    ('keeled over in the kitchen', 2, 'emergency', True),
    ('my mouth feels fat', 0, 'emergency', True),
    ("can't stop shivering", 2, 'urgent', True),
    ('a bit dizzy', 1, 'monitor', False),
    ('light-headed when I stand', 1, 'monitor', False),
    ('not sure if I have a fever', 2, 'urgent', True),
    # temperatures
    ('38,7', 2, 'urgent', True),
    ('101F', 3, 'urgent', True),
    ('39°', 1, 'urgent', True),
    ('temp 38.2', 0, 'urgent', True),
    ('thermometer says 100.8', 2, 'urgent', True),
    ('my temperature is 37.2', 2, 'monitor', False),
    ("I'm 39 years old, when can I exfoliate?", 3, 'monitor', False),
    ('treatment was on the 38th day? no, day 3', 3, 'monitor', False),
    ("I'll check again at 10:38", 2, 'monitor', False),
    ('day 40 and skin looks great', 40, 'monitor', False),
    ("it's 38 degrees outside today", 4, 'monitor', False),
    ('40', 2, 'urgent', True),
    ('took 2 paracetamol at 9', 1, 'monitor', False),
    ('temp was 38.5 last night but fine now', 2, 'monitor', False),
    # emergency in plain words
    ("I can't breathe properly", 0, 'emergency', True),
    ('throat feels tight', 1, 'emergency', True),
    ('my tongue is swollen', 0, 'emergency', True),
    ('I fainted this morning', 2, 'emergency', True),
    ('passed out after the shower', 1, 'emergency', True),
    ('slurred speech and confused', 1, 'emergency', True),
    ('wheezy and short of breath', 0, 'emergency', True),
    ("it's hard to swallow", 0, 'emergency', True),
    ('my voice has gone hoarse', 1, 'emergency', True),
    ('lips look blue', 0, 'emergency', True),
    ('dizzy and nearly fell', 1, 'emergency', True),
    ("she's hard to wake", 1, 'emergency', True),
    ('struggling to breathe', 0, 'emergency', True),
    ('feel like my throat is closing up', 0, 'emergency', True),
    # urgent in plain words
    ('feeling feverish', 3, 'urgent', True),
    ('my eye hurts', 1, 'urgent', True),
    ('blurry vision since this morning', 1, 'urgent', True),
    ("there's pus coming out", 4, 'urgent', True),
    ('the redness is spreading down my neck', 3, 'urgent', True),
    ('red streaks on my cheek', 2, 'urgent', True),
    ('a cold sore on my lip', 2, 'urgent', True),
    ('tiny blisters by my nose', 5, 'urgent', True),
    ('blisters on my chin', 20, 'contact_provider', True),
    ('the pain is unbearable', 1, 'urgent', True),
    ('excruciating burning', 0, 'urgent', True),
    ("I've got the chills", 2, 'urgent', True),
    ('burning up and shivery', 3, 'urgent', True),
    ('hives on my chest and arms', 0, 'urgent', True),
    ("can't open my eye", 1, 'urgent', True),
    ('my lips are a bit swollen', 1, 'urgent', True),
    ('lip is puffy', 2, 'urgent', True),
    ('swollen lips', 0, 'urgent', True),
    ("it's oozing yellow stuff", 4, 'urgent', True),
    ('looks infected', 4, 'urgent', True),
    ('the rash is spreading', 3, 'urgent', True),
    ('still feverish today', 4, 'urgent', True),
    # typos
    ('my lipps are swolen', 1, 'urgent', True),
    ('feverr', 3, 'urgent', True),
    ('cant breath', 0, 'emergency', True),
    ('blistres near my mouth', 3, 'urgent', True),
    ('tounge feels thick', 0, 'emergency', True),
    ('excrutiating pain', 1, 'urgent', True),
    ('shiverring all night', 2, 'urgent', True),
    # contact / monitor signs to confirm
    ('yellow crusts on my chin', 4, 'contact_provider', True),
    ('honey coloured crusts', 3, 'contact_provider', True),
    ('hard lumps under the skin', 30, 'contact_provider', True),
    ('grid lines where the pen went', 20, 'contact_provider', True),
    ('my dark spots are getting darker', 25, 'contact_provider', True),
    ('still red', 9, 'contact_provider', True),
    ('redness not going away', 12, 'contact_provider', True),
    ('the rash is getting worse', 4, 'contact_provider', True),
    ("I've got spots", 3, 'monitor', False),
    ('loads of whiteheads', 5, 'monitor', False),
    ('skin is peeling', 3, 'monitor', False),
    ('some bruising on my forehead', 2, 'monitor', False),
    ('hives on my cheeks', 1, 'contact_provider', True),
    ("my skin is still red and it's day 10", 10, 'contact_provider', True),
    ("it's getting worse", 4, 'monitor', False),
    # negations, other senses, someone else, passed
    ('no swelling of my lips and breathing is ok', 1, 'monitor', False),
    ('my eyes are fine, just dry skin', 3, 'monitor', False),
    ('not dizzy at all', 2, 'monitor', False),
    ('no pain, no fever, no rash', 5, 'monitor', False),
    ('my husband has the chills', 2, 'monitor', False),
    ("my daughter's lips are swollen from a bee sting", 1, 'monitor', False),
    ("I had a fever yesterday but it's gone now", 3, 'monitor', False),
    ('was dizzy earlier, fine now', 1, 'monitor', False),
    ('faint marks still visible', 12, 'monitor', False),
    ('eye makeup ok yet?', 5, 'monitor', False),
    ('the red light mask, can I use it?', 6, 'monitor', False),
    ('a faint pink tinge', 4, 'monitor', False),
    ('the fever has gone', 3, 'monitor', False),
    ('my lips are dry and my cheeks are swollen', 2, 'monitor', False),
    ('no fever, chills or rash', 2, 'urgent', True),
    # ellipsis, vague throat, pain scores
    ("my lips are not swollen but my tongue is", 1, 'emergency', True),
    ("my lips are swollen and my tongue too", 0, 'emergency', True),
    ("allergic reaction I think, face swelling up and my throat feels weird", 0, 'monitor', False),
    ("pain is 9/10", 1, 'urgent', True),
    ("there are little yellow crusty bits", 5, 'contact_provider', True),
    ("my lips are swollen, my face is fine", 1, 'urgent', True),
    ("my face is swollen but not my lips", 2, 'monitor', False),
    ("is it normal that my lips are swollen?", 1, 'urgent', True),
    ("my breathing is ok but my lips are huge", 0, 'urgent', True),
    ("I'm worried it's infected", 5, 'urgent', True),
    ("itchy all over my body with welts", 1, 'urgent', True),
    ("on 12/10 I had treatment, all fine", 3, 'monitor', False),
    # a negation of something else does not negate the sign
    ("I can't sleep because my throat is swelling", 1, 'emergency', True),
    ("can't sleep because of the itching", 2, 'contact_provider', True),  # counted, and severe (C11)
    ("I didn't notice any blisters", 3, 'monitor', False),
    ("there is no sign of pus", 4, 'monitor', False),
    ("no idea why my lips are swelling", 1, 'urgent', True),
    ("my lips are not really swollen", 1, 'monitor', False),
    # chit-chat and questions
    ('thanks!', 1, 'monitor', False),
    ('when can I wear makeup?', 2, 'monitor', False),
    ('is it ok to wash my face tonight?', 0, 'monitor', False),
    ('hello', 0, 'monitor', False),
    ('what sunscreen should I use?', 3, 'monitor', False),
    ('can I go to the gym?', 1, 'monitor', False),
    ('looking great today, thank you', 6, 'monitor', False),
    ('should I worry if I get a fever?', 2, 'monitor', False),
    ('what if my lips swell?', 1, 'monitor', False),
    ('how long does redness last', 2, 'monitor', False),
    ('can I use retinol yet', 6, 'monitor', False),
    ('ok', 3, 'monitor', False),
    ('my skin feels tight', 1, 'monitor', False),
    ('skin looks much better', 7, 'monitor', False),
]


def _verdict(message: str, day: int):
    token = free_text_token(message)
    return evaluate_tokens([token] if token else [], day)


def test_the_message_table_is_large_enough() -> None:
    """The table holds at least 100 typed messages, with alerting and non-alerting ones."""
    assert len(MESSAGES) >= 100
    assert {alert for *_, alert in MESSAGES} == {True, False}
    assert len({message for message, *_ in MESSAGES}) == len(MESSAGES)


@pytest.mark.parametrize(("message", "day", "level", "alert"), MESSAGES)
def test_typed_messages_get_their_level_and_alert(message: str, day: int, level: str, alert: bool) -> None:
    """Each typed message gets exactly its level (never under-triaged) and alerts the clinic only from contact_provider up."""
    verdict = _verdict(message, day)
    assert verdict.level == level
    assert needs_alert_level(verdict.level) is alert


@pytest.mark.parametrize(
    ("message", "signs"),
    [
        ("my lips are swelling", [Sign("lip_swelling", "urgent")]),
        ("no fever and my lips are swelling", [Sign("fever", "ask"), Sign("lip_swelling", "urgent")]),
        ("no fever or chills", [Sign("fever", "ask"), Sign("chills", "ask")]),
        ("breathing is fine, just a bit puffy", [Sign("breathing_difficulty", "ask"), Sign("swelling", "ask")]),
        ("my upper lip - it's huge now", [Sign("lip_swelling", "urgent")]),
        ("my upper lip. it's huge now", [Sign("lip_swelling", "ask")]),  # v3 P4f: the lips, unsettled, are asked about
        ("can I use my eye cream yet?", []),
        ("my son has a fever", [Sign("fever", "ask")]),
        ("my son has a fever and my lips are swelling", [Sign("fever", "ask"), Sign("lip_swelling", "urgent")]),
        ("my son is poorly. He has a fever", [Sign("fever", "ask")]),
        ("fever last night, fine now", [Sign("fever", "ask")]),
        ("fever last night, still shivery now", [Sign("fever", "urgent"), Sign("chills", "urgent")]),
        ("not sure if my throat is swelling", [Sign("tongue_throat_swelling", "emergency")]),
        ("a fever blister on my lip", [Sign("cold_sores", "urgent")]),
        ("dark spots on my cheeks", [Sign("spots", "confirm")]),
        ("spots on my chin", [Sign("pimples", "confirm")]),
        # swelling, not an eye problem (P4a); it confirms from day 8 (C9), so without a day it is confirmed
        ("swelling round my eyes", [Sign("swelling", "confirm")]),
        ("my eye is red and sore", [Sign("eye_problem", "urgent")]),
        ("my lips are red and swollen", [Sign("lip_swelling", "urgent"), Sign("redness", "confirm")]),
        ("the dark patches are getting bigger", [Sign("spots:darkening", "confirm")]),
        ("the redness is getting bigger", [Sign("redness", "confirm"), Sign("spreading_redness", "urgent")]),
        ("redness won't go away", [Sign("redness", "confirm")]),
        ("the rash has gone", []),
        ("my temperature is 37.2", [Sign("fever", "ask")]),
        ("all good", []),
        # v3 P4i: a typed rash confirms from day 8, so without a day (the safer reading) it is confirmed
        ("allergic reaction I think, my throat feels weird", [Sign("rash", "confirm"), Sign("tongue_throat_swelling", "ask")]),
        ("my lips are not swollen but my tongue is", [Sign("lip_swelling", "ask"), Sign("tongue_throat_swelling", "emergency")]),
        # a patient link that is also part of a sign still ties the relative to the treatment (her face is swollen)
        ("my daughter can't swallow and her face is swollen", [Sign("breathing_difficulty", "emergency"),
                                                                 Sign("swelling", "confirm")]),
        ("my daughter can't swallow", [Sign("breathing_difficulty", "ask")]),
        # a state with no part in its own clause is the treated skin's, whatever another clause names
        ("my breathing is ok, the rest is puffy", [Sign("breathing_difficulty", "ask"), Sign("swelling", "confirm")]),
        ("the rash is puffy", [Sign("rash", "confirm")]),
        # a part said to be fine in an earlier clause is settled: a later clause's state is not said of it
        ("breathing is fine, throat is fine, just a bit tight", [Sign("breathing_difficulty", "ask"),
                                                                 Sign("tongue_throat_swelling", "ask")]),
        ("my throat, it feels tight", [Sign("tongue_throat_swelling", "emergency")]),
    ],
)
def test_signs_and_actions(message: str, signs: list[Sign]) -> None:
    """P4a-P4c: the reader finds exactly these signs with these actions (no day given: the safer reading)."""
    assert list(read_message(message).signs) == signs


@pytest.mark.parametrize(
    ("message", "day", "action"),
    [("blisters on my chin", 14, "urgent"), ("blisters on my chin", 15, "confirm"),
     ("a cold sore", 14, "urgent"), ("a cold sore", 15, "confirm"),
     ("still red", 7, "ask"), ("still red", 8, "confirm"), ("still red", None, "confirm")],
)
def test_day_bounds_of_typed_signs(message: str, day: int | None, action: str) -> None:
    """U3/C16 and the day-8 redness row: the day changes what a typed sign does, and no day reads it the safer way."""
    assert [sign.action for sign in read_message(message, day=day).signs] == [action]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("brething is hard", "breathing is hard"), ("my temprature is 39", "my temperature is 39"),
     ("my throut is closing", "my throat is closing"), ("feverr", "fever"), ("my lipps are swolen", "my lips are swollen"),
     ("blistres", "blisters"), ("shiverring", "shivering"), ("excrutiating", "excruciating")],
)
def test_one_typo_in_a_long_word_is_forgiven(typed: str, meant: str) -> None:
    """P4a: one letter added, dropped, changed or swapped in a word of 5+ letters still matches."""
    assert read_message(typed).signs == read_message(meant).signs != ()


@pytest.mark.parametrize("message", ["my hives", "lives", "hikes", "fewer", "threat", "jumps", "feeling", "healing"])
def test_english_words_are_not_typos(message: str) -> None:
    """A word that is itself English is never read as a typo of a sign ("lives" is not "hives")."""
    if message == "my hives":
        assert read_message(message).signs == (Sign("hives", "confirm"),)
    else:
        assert read_message(message).signs == ()


@pytest.mark.parametrize(("word", "matches"), [("feverish", True), ("feverishly", False), ("fevers", True),
                                               ("wheezy", True), ("wheezing", True), ("blisters", True)])
def test_word_endings(word: str, matches: bool) -> None:
    """P4a: plural and -s/-ed/-ing/-y/-ish endings match, -ly does not ("feverishly")."""
    assert bool(read_message(f"I am {word}").signs) is matches


@pytest.mark.parametrize(
    ("message", "fever"),
    [("38,7", True), ("101F", True), ("39°", True), ("39 C", True), ("temp 42.9", True), ("temp 43.5", False),
     ("temp 37.9", False), ("100.4 F", True), ("temperature 108", True), ("temperature 109", False),
     ("I'm 39", False), ("39 years old", False), ("day 40", False), ("at 10:38", False), ("the 39th", False),
     ("it's 38 degrees outside", False), ("my temperature was 38 this morning", True), ("40", True)],
)
def test_temperatures(message: str, fever: bool) -> None:
    """P4a: 38.0-42.9 °C / 100.4-108 °F near a temperature word (or alone) is fever; ages, days, dates, times are not."""
    assert ("fever" in read_message(message).urgent) is fever


def test_verdict_asks_list_confirmations_and_questions() -> None:
    """Verdict.asks names what the bot would ask to confirm: urgent and confirm signs, negated or hedged mentions."""
    assert _verdict("no fever, yellow crusts on my chin", 4).asks == ("fever", "yellow_crusts")
    assert _verdict("my lips are swelling", 4).asks == ("lip_swelling",)  # U10, then "are your lips swelling?"
    assert _verdict("my throat is closing up", 4).asks == ()  # emergency: Q1 follows, not a confirmation


def test_free_text_never_lowers_a_structured_level() -> None:
    """P4d: a typed message added to structured answers never lowers their level."""
    structured = evaluate_tokens("redness:severe;trend:improving", 4)
    with_text = evaluate_tokens(["redness:severe", "trend:improving", free_text_token("skin is peeling, all good")], 4)
    assert structured.level == with_text.level == "contact_provider"


def test_free_text_token_keeps_meaningful_punctuation() -> None:
    """The free_text token keeps clause marks, decimals and degrees; ';' (the token separator) becomes ','."""
    assert free_text_token("Temp 38,7;  lips OK") == "free_text:Temp_38,7,_lips_OK"
    assert free_text_token("👍") is None


def test_a_long_message_is_read_to_telegrams_limit_and_no_further() -> None:
    """A red flag at the end of a maximal Telegram message is read; text past the cap is ignored, so cost is bounded."""
    lexicon = load_lexicon()
    assert lexicon.max_chars >= 4096
    padding = "my skin looks fine today and I am using the cream. " * 200
    assert read_message(padding[: 4096 - 25] + " my lips are swelling").level == "urgent"
    assert read_message(padding * 50 + " my lips are swelling").level == "monitor"


def test_the_spelling_spells_out_contractions_and_accents() -> None:
    """Message and lexicon are normalised alike: accents off, can't/cant -> can not, it's -> it is."""
    normalise = load_lexicon().normalise
    assert normalise("Can't bréathe, it's BAD") == "can not breathe, it is bad"
    assert normalise("cant") == "can not"
    assert "feverish" in variants("fever") and "feverishly" not in variants("fever")


def test_reading_convenience_views() -> None:
    """Reading exposes tokens per action and the level the message alone calls for."""
    reading = Reading((Sign("fever", "urgent"), Sign("pus", "ask"), Sign("lumps", "confirm")))
    assert (reading.urgent, reading.ask, reading.confirm, reading.emergency) == (("fever",), ("pus",), ("lumps",), ())
    assert reading.level == "urgent" and Reading().level == "monitor"


# ------------------------------------------------------------------ lexicon file

def _data() -> dict:
    return tomllib.loads(resources.files("messages").joinpath("lexicon/en.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["token"]["fever"].update(action="panic"), "token.fever"),
        (lambda d: d["token"].update(banana={"action": "urgent", "forms": ["banana"]}), "token.banana"),
        (lambda d: d["token"]["fever"].update(sometimes=["x"]), "token.fever.*sometimes"),
        (lambda d: d["pair"].append({"token": "fever", "parts": ["elbow"], "states": ["swell"]}), "pair"),
        (lambda d: d["token"]["rash"].update(confirm_with=["nope"]), "confirm_with"),
        (lambda d: d.update(version=""), "version"),
        (lambda d: d["spelling"].update(letters={"Ue": "u"}), "spelling.letters"),
        (lambda d: d["cues"].update(owners="my"), "cues.owners"),
    ],
)
def test_lexicon_validation_names_the_problem(change, message: str) -> None:
    """A mistake in the lexicon file raises ValueError naming the token or key."""
    data = _data()
    change(data)
    with pytest.raises(ValueError, match=message):
        parse_lexicon(data)


def test_lexicon_is_versioned_and_covers_every_sign_of_the_p4a_table() -> None:
    """The shipped lexicon has a version and an entry for every token of the P4a table."""
    lexicon = load_lexicon()
    assert lexicon.version and lexicon is load_lexicon()
    table = {"breathing_difficulty", "tongue_throat_swelling", "faint", "confusion", "fever", "chills", "pus",
             "spreading_redness", "cold_sores", "blisters", "lip_swelling", "hives:widespread", "eye_problem",
             "pain:very_severe", "yellow_crusts", "lumps", "scar_lines", "spots:darkening", "rash", "redness",
             "trend:worsening"}
    assert table <= set(lexicon.tokens)


def test_reader_modules_import_only_the_standard_library() -> None:
    """The reader stays pure: standard library and `messages` only."""
    allowed = {"__future__", "dataclasses", "functools", "importlib", "re", "tomllib", "types", "typing",
               "unicodedata", "messages"}
    for path in Path(__file__).parent.parent.joinpath("messages").glob("reading*.py"):
        assert imported_roots(path) <= allowed, path.name


# ---------------------------------------------------------------- properties

# (affirmed wording, the same sign negated, the level of the rule it triggers)
AFFIRMED_NEGATED = [
    ("I can't breathe", "breathing is fine", "emergency"),
    ("my throat is closing", "my throat is not closing", "emergency"),
    ("I fainted", "I have not fainted", "emergency"),
    ("I feel confused", "I am not confused", "emergency"),
    ("I have a fever", "I have no fever", "urgent"),
    ("temp is 38.9", "no fever, temp is 37.1", "urgent"),
    ("I've got the chills", "no chills", "urgent"),
    ("there is pus", "there is no pus", "urgent"),
    ("the redness is spreading", "the redness is not spreading", "urgent"),
    ("a cold sore on my lip", "never had a cold sore", "urgent"),
    ("blisters on my cheek", "no blisters", "urgent"),
    ("my lips are swelling", "my lips are not swelling", "urgent"),
    ("hives all over my body", "no hives", "urgent"),
    ("my eye hurts", "my eyes are fine", "urgent"),
    ("the pain is unbearable", "the pain is not unbearable", "urgent"),
    ("yellow crusts on my chin", "no yellow crusts", "contact_provider"),
    ("hard lumps under the skin", "no lumps", "contact_provider"),
]
CONTEXT = ["", "thanks for the tips", "I used the cream this morning", "when can I wear makeup?", "all good otherwise"]
STRUCTURED = ["redness:mild", "swelling:moderate", "pain:mild", "itching:mild", "pimples", "peeling", "trend:improving",
              "trend:worsening", "risk:immunocompromised", "previous_outcome:contact_provider", "none", "spots"]


def _rank(tokens: list[str], day: int) -> int:
    return LEVELS.index(evaluate_tokens(tokens, day).level)


@given(st.sampled_from(AFFIRMED_NEGATED), st.sampled_from(CONTEXT), st.integers(0, 14),
       st.lists(st.sampled_from(STRUCTURED), max_size=3))
def test_negating_an_affirmed_sign_never_raises_the_level(case, context: str, day: int, tokens: list[str]) -> None:
    """Negating an affirmed sign in a message never raises the check-in's level."""
    affirmed, negated, _ = case
    assert _rank(tokens + [free_text_token(f"{context}. {negated}")], day) <= \
        _rank(tokens + [free_text_token(f"{context}. {affirmed}")], day)


@given(st.sampled_from(AFFIRMED_NEGATED), st.sampled_from(CONTEXT), st.sampled_from(CONTEXT), st.integers(0, 14),
       st.lists(st.sampled_from(STRUCTURED), max_size=3))
def test_an_affirmed_red_flag_never_gets_less_than_its_rule(case, before: str, after: str, day: int,
                                                             tokens: list[str]) -> None:
    """An affirmed sign, whatever surrounds it and whatever else was answered, gets at least its rule's level."""
    affirmed, _, level = case
    message = f"{before}. {affirmed}. {after}"
    assert _rank(tokens + [free_text_token(message)], day) >= LEVELS.index(level)


WORDS = st.sampled_from(["no", "fever", "lips", "swollen", "not", "sure", "my", "son", "38,5", "°", "-", ",", ".", "?",
                         "but", "it", "is", "fine", "now", "last", "night", "throat", "tight", "can't", "breathe",
                         "a", "bit", "dizzy", "still", "red", "rash", "spreading", "if", "hives", "all", "over",
                         "arms", "temp", "101", "f", "_", ";", ":", "é", "💥", "\n"])


@given(st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=25).map(" ".join)), st.integers(0, 100))
def test_any_text_reads_and_triages_without_error(text: str, day: int) -> None:
    """Whatever is typed, the reader returns known actions and the message triages to a valid level."""
    assert all(sign.action in ("emergency", "urgent", "confirm", "ask") for sign in read_message(text, day=day).signs)
    token = free_text_token(text)
    if token:
        assert evaluate_tokens([token], day).level in LEVELS


# ------------------------------------------------------------------ v3 readings (P4f, P4h, P4i)

@pytest.mark.parametrize(
    ("message", "signs", "safety"),
    [
        ("my lips feel a bit funny", [Sign("lip_swelling", "ask")], True),
        ("something's off with my throat", [Sign("tongue_throat_swelling", "ask")], True),
        ("breathing feels weird", [Sign("breathing_difficulty", "ask")], True),
        ("my eyes feel a bit odd", [Sign("eye_problem", "ask")], False),
        ("a cold sore on my lip", [Sign("cold_sores", "urgent")], False),
        ("redness around my mouth", [Sign("redness", "ask")], False),
    ],
)
def test_unsettled_mentions_of_a_red_flag_function_are_asked(message: str, signs: list[Sign], safety: bool) -> None:
    """P4f: a red-flag function the reader cannot settle is asked about; for the emergency families that is Q1."""
    reading = read_message(message, day=2)
    assert list(reading.signs) == signs
    assert reading.safety_question is safety


@pytest.mark.parametrize(
    ("message", "token"),
    [("I fainted this morning, feel ok now", "faint"), ("tongue swelling has gone down", "tongue_throat_swelling"),
     ("passed out last night but fine now", "faint"), ("wheezing stopped", "breathing_difficulty")],
)
def test_a_passed_emergency_sign_is_kept_as_passed(message: str, token: str) -> None:
    """P4i: an emergency sign said to have passed is "passed": contact_provider (reason P4i) and the Q1 safety screen."""
    reading = read_message(message, day=2)
    assert reading.passed == (token,) and reading.level == "contact_provider" and reading.safety_question
    verdict = _verdict(message, 2)
    assert verdict.level == "contact_provider" and verdict.reasons[0].rule == "P4i"


@pytest.mark.parametrize(
    ("message", "passed"),
    [("I fainted last night. Feel fine now.", True), ("I was wheezing yesterday. All good now", True),
     ("I passed out this morning. Fine now but my lips are swelling", False),  # a sign of its own
     ("I was confused yesterday. My husband is fine now.", False),  # someone else is fine
     ("I fainted last night. Still not fine", False),  # persistence
     ("I fainted last night. Fine now after paracetamol", False)],  # a medicine (P4i)
)
def test_the_sentence_after_a_past_emergency_sign_may_say_it_passed(message: str, passed: bool) -> None:
    """P4i: "I fainted last night. Feel fine now." has passed like "..., fine now", unless the next sentence names a
    sign, someone else, persistence or a medicine of its own."""
    reading = read_message(message, day=2)
    assert bool(reading.passed) is passed and reading.safety_question
    assert (reading.level == "contact_provider") is passed


def test_passed_still_negates_signs_that_are_not_emergencies() -> None:
    """P4i: "gone" and "passed" still negate the other signs (a fever last night, fine now, is asked about)."""
    assert read_message("fever last night, fine now").signs == (Sign("fever", "ask"),)
    assert not read_message("fever last night, fine now").safety_question


@pytest.mark.parametrize(
    ("message", "action"),
    [("had 38.4 this morning, feel rough", "ask"), ("39.5 last night, 37.2 now after paracetamol", "urgent"),
     ("temp thirty eight point five", "urgent"), ("38 and a half degrees", "urgent"),
     ("a hundred and one degrees", "urgent"), ("fever last night but fine now after ibuprofen", "urgent"),
     ("temperature went down after paracetamol", "urgent"), ("paid 38.50 for the serum", None),
     ("I'm thirty eight years old", None)],
)
def test_temperatures_without_a_word_in_words_and_after_medicine(message: str, action: str | None) -> None:
    """P4i: a bare decimal in a feel-unwell message asks; numbers in words count; medicine does not make a fever pass."""
    fever = [sign.action for sign in read_message(message).signs if sign.token == "fever"]
    assert fever == ([action] if action else [])


@pytest.mark.parametrize(
    ("message", "token"),
    [("my lios are swollen", "lip_swelling"), ("tung is swollen", "tongue_throat_swelling"),
     ("cnat breathe", "breathing_difficulty"), ("my eys hurt", "eye_problem"), ("fevr and aches", "fever"),
     ("i feel fiant", "faint")],
)
def test_one_typo_in_a_short_sign_word(message: str, token: str) -> None:
    """P4i: one typo in lip(s), eye(s), tongue, throat, breathe, fever, swollen, faint, and in "can't", still reads."""
    assert token in [sign.token for sign in read_message(message).signs]


@pytest.mark.parametrize("message", ["my hips hurt", "my lisp", "I want to know", "done, thanks", "a dye job"])
def test_real_words_near_short_sign_words_are_not_typos(message: str) -> None:
    """The safelist (en_words.txt) keeps real words from reading as typos: "hips" is not "lips", "want" is not "can't"."""
    assert not {"lip_swelling", "eye_problem", "breathing_difficulty"} & {s.token for s in read_message(message).signs}
    assert "not" not in load_lexicon().normalise(message).split()


@pytest.mark.parametrize(
    ("message", "token"),
    [("👄 swollen", "lip_swelling"), ("👅 swelling", "tongue_throat_swelling"), ("🤒", "fever"),
     ("😵", "faint"), ("👁️ hurts", "eye_problem"), ("🫁", "breathing_difficulty")],
)
def test_emoji_count_as_their_words(message: str, token: str) -> None:
    """P4i: 👄 lips, 👅 tongue, 🫁 breathing, 👁️ eye, 🤒 fever, 😵 dizzy; an emoji message is a free_text token too."""
    assert token in [sign.token for sign in read_message(message).signs]
    assert free_text_token(message) is not None


@pytest.mark.parametrize(
    "message",
    ["that bill was hard to swallow", "sorry for the confusion", "my heart was in my mouth when I saw it",
     "I'm dying to know", "this cream is fire", "my phone is burning up", "the screen went black"],
)
def test_idioms_about_things_are_another_sense(message: str) -> None:
    """P4h: a red-flag phrase said of a thing, not the body, is another sense: no sign, no question."""
    assert read_message(message).signs == ()


def test_hyperbole_about_the_body_stays_a_sign() -> None:
    """P4h: "can't breathe 😂" is still read as the sign; the bot does not guess it is a joke."""
    assert read_message("can't breathe 😂 this serum smells").emergency == ("breathing_difficulty",)


@pytest.mark.parametrize(("message", "day", "token", "action"),
                         [("I have a rash", 7, "rash", "ask"), ("I have a rash", 8, "rash", "confirm"),
                          ("brown patches still there", 61, "spots", "confirm"),
                          ("lip tingling", 2, "cold_sores", "ask"), ("pain 8/10", 1, "pain:severe", "confirm"),
                          ("pain is a 9", 1, "pain:very_severe", "urgent")])
def test_day_and_score_readings_of_p4i(message: str, day: int, token: str, action: str) -> None:
    """P4i: typed rash confirms from day 8, dark spots confirm (C13 from day 61), lip tingling asks, scores read."""
    assert Sign(token, action) in read_message(message, day=day).signs


@pytest.mark.parametrize(("message", "action"), [
    ("my daughter fainted at school so I need to move my appointment", "ask"),
    ("my son collapsed at football, can I still come to my appointment?", "ask"),
    ("my husband found me collapsed after my treatment, need to cancel my next session", "emergency"),
    ("my wife collapsed after her treatment so I need to cancel my appointment", "emergency"),
    ("I fainted so I need to move my appointment", "emergency"),
])
def test_moving_an_appointment_does_not_make_someone_else_the_patient(message: str, action: str) -> None:
    """P4a: "my appointment" said only to move or cancel it ties no one else's sign to the treatment (cues.rebooking);
    a link of its own ("after her treatment", "after my treatment") still does."""
    assert read_message(message).signs[0] == Sign("faint", action)


def test_a_lexicon_without_the_rebooking_cues_still_loads() -> None:
    """cues.rebooking is optional: a lexicon written before it (another language's) loads with it empty."""
    data = tomllib.loads(resources.files("messages").joinpath("lexicon/en.toml").read_text(encoding="utf-8"))
    del data["cues"]["rebooking"]
    assert parse_lexicon(data).cues["rebooking"] == ()


def test_words_are_unicode_letters() -> None:
    """Words are runs of Unicode letters: accents and ß do not split a word (P4a, STYLE §10)."""
    assert load_lexicon().normalise("Straße café") == "straße cafe"
    assert [w.text for w in split("Straße, café", load_lexicon()).words] == ["straße", "cafe"]


def test_a_lexicon_spells_its_own_letters_after_the_accents() -> None:
    """[spelling.letters] joins a language's other spellings of a letter ("ue" for "ü", "ss" for "ß") after the
    accents are off, in messages and phrases alike; a lexicon without the table is unchanged ("Straße" above)."""
    data = _data()
    data["spelling"]["letters"] = {"ß": "ss", "ue": "u"}
    data["token"]["fever"]["forms"].append("Schüttelfrost")
    lexicon = parse_lexicon(data)
    assert lexicon.normalise("Straße, Schuettelfrost") == "strasse, schuttelfrost"
    assert read_message("Schuettelfrost", lexicon).urgent == ("fever",)


@pytest.mark.parametrize(("message", "token"), [("pain 7 out of 10", "pain:severe"), ("pain 7/10", "pain:severe"),
                                                ("pain 10 out of 10", "pain:very_severe")])
def test_the_scale_of_a_pain_score_is_not_a_score(message: str, token: str) -> None:
    """In "pain 7 out of 10" the 10 is the scale: the score is 7 (C10), never 10 (U7)."""
    signs = {sign.token for sign in read_message(message, day=1).signs}
    assert token in signs and (token == "pain:very_severe" or "pain:very_severe" not in signs)


@pytest.mark.parametrize(("message", "token"), [("pain 5/10", "pain:moderate"), ("it hurts, 4 out of 10", "pain:moderate"),
                                                ("pain is 6 out of 10", "pain:moderate"), ("pain 3/10", "pain")])
def test_a_middling_pain_score_is_moderate_pain(message: str, token: str) -> None:
    """C10: a score from [pain_score] moderate_from (4) to below severe_from is pain:moderate, below it plain pain."""
    signs = {sign.token for sign in read_message(message, day=1).signs}
    assert token in signs and not signs & {"pain:severe", "pain:very_severe"}
    assert token == "pain:moderate" or "pain:moderate" not in signs


def test_a_lexicon_without_moderate_from_asks_a_middling_score() -> None:
    """Without [pain_score] moderate_from, a score below severe_from stays plain pain (its severity asked)."""
    data = _data()
    del data["pain_score"]["moderate_from"]
    assert {sign.token for sign in read_message("it hurts, 5/10", parse_lexicon(data), day=1).signs} == {"pain"}


def test_a_sign_placed_long_ago_before_it_has_passed() -> None:
    """P4i: "as a child I fainted once" is a passed emergency sign, like "I fainted once as a child"."""
    assert read_message("as a child I fainted once").passed == ("faint",)
    assert read_message("I fainted once as a child").passed == ("faint",)


@pytest.mark.parametrize(("typed", "meant"), [("the room is spining", "the room is spinning"),
                                              ("the room is spinnig", "the room is spinning")])
def test_a_made_up_inflection_may_still_be_a_typo(typed: str, meant: str) -> None:
    """P4a: "spining" is not a word, so it is a typo of "spinning" even though it looks like an ending of "spin"; a
    real plural ("fevers") stays itself."""
    assert read_message(typed).signs == read_message(meant).signs != ()


@pytest.mark.parametrize("message", ["can I go back to washing my face with warm water?", "washing my face tonight"])
def test_a_real_inflection_is_not_a_typo_of_another(message: str) -> None:
    """ "washing" is an ending of "wash", not a typo of "rashing": it raises no rash question."""
    assert read_message(message).signs == ()


def test_a_typo_in_the_writers_own_appointment_still_frees_someone_elses_sign() -> None:
    """A one-typo treatment link inside the writer's diary ("miss my apointment") does not make the daughter the patient."""
    typed = read_message("my daughter collapsed at football so I will miss my apointment")
    plain = read_message("my daughter collapsed at football so I will miss my appointment")
    assert typed.signs == plain.signs == (Sign("faint", "ask"),)

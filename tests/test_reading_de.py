"""The German typed-message table (tests/data/typed_de.tsv) and the German lexicon (messages/lexicon/de.toml).

The table's rows are tested with the others' in tests/test_reading_table.py: every row is assessed with the same
pure function as the chat (``messages.assessment.assess``), for a patient
writing in German, and gets exactly its level; every safety row gets the
emergency advice or Q1 at once. The table is written in German as patients in
Germany, Austria and Switzerland write, by family of meaning, not translated.
"""

from __future__ import annotations


import pytest

from messages.assessment import assess
from messages.reading import read_message
from messages.reading_lexicon import load_lexicon
from messages.reading_match import split

DE = load_lexicon("de")


def _signs(text: str, day: int = 2) -> dict[str, str]:
    return {sign.token: sign.action for sign in read_message(text, DE, day=day).signs}


def test_swelling_lips_and_breathing_badly_on_day_1_is_an_emergency() -> None:
    """ "meine Lippen schwellen an und ich bekomme schlecht Luft": the lips are urgent, the breathing an emergency."""
    result = assess("meine Lippen schwellen an und ich bekomme schlecht Luft", 1, "de")
    assert result.level == "emergency" and result.safety_question
    assert _signs("meine Lippen schwellen an und ich bekomme schlecht Luft", 1) == {
        "lip_swelling": "urgent", "breathing_difficulty": "emergency"}


@pytest.mark.parametrize("text", ["heiß", "heiss", "HEISS"])
def test_sharp_s_is_one_word_and_reads_as_ss(text: str) -> None:
    """ "heiß" is one word, spelled like "heiss" (a Swiss keyboard has no ß)."""
    assert [w.text for w in split(text, DE).words] == ["heiss"]
    assert _signs(f"mir ist {text} und kalt") == {"fever": "urgent"}


@pytest.mark.parametrize("text", ["Schüttelfrost", "Schuettelfrost", "Schuttelfrost", "SCHÜTTELFROST"])
def test_umlauts_typed_as_ue_or_plain_read_the_same(text: str) -> None:
    """ü, ue and u are one letter to the reader: "Schuettelfrost" is "Schüttelfrost"."""
    assert _signs(text) == {"chills": "urgent"}
    assert DE.normalise("Übelkeit Uebelkeit Ubelkeit") == "ubelkeit ubelkeit ubelkeit"


@pytest.mark.parametrize("text", ["38,9 Fieber", "Fieber 38,9", "das Thermometer zeigt 38,9", "39 Grad",
                                  "achtunddreißig Komma neun Fieber", "neununddreißig Fieber", "38 einhalb Fieber"])
def test_a_decimal_comma_or_a_number_in_words_is_a_fever(text: str) -> None:
    """ "38,9 Fieber" is urgent (U10), like a temperature in words."""
    assert _signs(text)["fever"] == "urgent"
    assert assess(text, 2, "de").level == "urgent"


@pytest.mark.parametrize("text", ["ich bin 38 Jahre alt", "die Creme hat 38,50 Euro gekostet", "Temperatur 36,8",
                                  "ich bin 39 und habe Schmerzen"])
def test_ages_prices_and_normal_temperatures_are_not_a_fever(text: str) -> None:
    assert _signs(text).get("fever") in (None, "ask")


def test_a_pain_score_out_of_ten_reads_its_score_not_the_scale() -> None:
    """ "Schmerzen 7 von 10" is severe pain (C10), not very severe: the 10 is the scale."""
    assert _signs("Schmerzen 7 von 10") == {"pain": "ask", "pain:severe": "confirm"}
    assert _signs("Schmerzen 10 von 10")["pain:very_severe"] == "urgent"


def test_negation_before_or_after_its_sign_and_its_scope() -> None:
    """ "kein Fieber, aber ..." negates the fever only; a German negation may follow its sign."""
    assert _signs("kein Fieber, aber meine Lippen schwellen an") == {"fever": "ask", "lip_swelling": "urgent"}
    assert _signs("weder Fieber noch Schüttelfrost") == {"fever": "ask", "chills": "ask"}
    assert _signs("Fieber habe ich keins") == {"fever": "ask"}
    assert _signs("die Lippen schwellen nicht an") == {"lip_swelling": "ask"}


def test_a_relative_writing_about_the_patient_is_the_patient() -> None:
    """ "meine Mutter ... nach der Behandlung" is the patient; "mein Sohn hat Fieber" is someone else."""
    assert _signs("meine Mutter ist nach der Behandlung total verwirrt")["confusion"] == "emergency"
    assert _signs("mein Sohn hat Fieber") == {"fever": "ask"}


def test_passed_and_hypothetical() -> None:
    """ "jetzt geht es wieder" after a past emergency sign is passed (P4i), also when "als Kind" comes first;
    "was wenn" and "falls" make a sign a possibility (asked)."""
    assert _signs("ich bin gestern umgekippt, jetzt geht es wieder")["faint"] == "passed"
    assert _signs("als Kind bin ich mal umgekippt")["faint"] == "passed"
    assert _signs("was wenn ich heute Nacht keine Luft bekomme?") == {"breathing_difficulty": "ask"}
    assert _signs("falls meine Lippen anschwellen") == {"lip_swelling": "ask"}


def test_a_hypothetical_reaches_over_the_comma_german_sets_before_wenn() -> None:
    """ "ist es normal, wenn die Lippen anschwellen?" asks (P4f); "..., dass meine Lippen geschwollen sind?" says
    they are, so it is urgent (U10)."""
    assert _signs("ist es normal, wenn die Lippen anschwellen?") == {"lip_swelling": "ask"}
    assert _signs("ist es normal, dass meine Lippen geschwollen sind?") == {"lip_swelling": "urgent"}


def test_persistence_affirms() -> None:
    """ "immer noch" affirms: the face still red on day 10 is redness to confirm."""
    assert _signs("mein Gesicht ist immer noch rot", day=10)["redness"] == "confirm"


def test_idioms_are_other_senses() -> None:
    """A bill hard to swallow, a breathtaking result, an apology for the confusion and nearly fainting at the
    bill raise nothing (P4h)."""
    for text in ("die Rechnung war schwer zu schlucken", "das Ergebnis ist atemberaubend",
                 "Entschuldigung für die Verwirrung", "ich bin fast in Ohnmacht gefallen als ich die Rechnung sah"):
        assert not assess(text, 2, "de").reading.signs, text


def test_a_part_placed_with_an_article_is_where_another_sign_is() -> None:
    """ "der dunkle Fleck an der Wange wird größer": the spot grows (C13); the cheek is only where it is."""
    assert _signs("der dunkle Fleck an der Wange wird größer", day=30) == {"spots": "confirm",
                                                                          "spots:darkening": "confirm"}


def test_a_real_german_word_is_not_a_typo_but_a_typo_is_read() -> None:
    """ "rennt" is not "brennt" and "heißer" is not "heiser" (de_words.txt); "bekome" is "bekomme"."""
    assert "pain" not in _signs("meine Tochter rennt herum")
    assert "breathing_difficulty" not in _signs("heute ist es heißer als gestern")
    assert _signs("ich bekome keine luft")["breathing_difficulty"] == "emergency"
    assert _signs("meine zunhe ist geschwolen")["tongue_throat_swelling"] == "emergency"


def test_other_languages_read_as_before() -> None:
    """English and Spanish still read as before beside the German lexicon."""
    assert assess("I can't breathe", 0).level == "emergency"
    assert assess("no puedo respirar", 0, "es").level == "emergency"
    assert assess("ich kann nicht atmen", 0, "de").level == "emergency"


def test_a_breaker_word_in_an_idiom_breaks_no_clause() -> None:
    """ "außer Atem" is out of breath (``cues.unbroken``); "außer" before anything else still ends a clause."""
    assert _signs("ich bin völlig außer Atem")["breathing_difficulty"] == "emergency"
    words = split("alles gut außer die Lippen schwellen", DE).words
    assert words[0].clause != words[-1].clause


def test_an_idiom_reaches_over_the_comma_german_sets_before_als() -> None:
    """ "fast in Ohnmacht gefallen, als ich die Rechnung sah" is about the bill (P4h); a faint with another
    "als" clause stays a faint."""
    assert "faint" not in _signs("bin fast in Ohnmacht gefallen, als ich die Rechnung gesehen habe")
    assert _signs("bin umgekippt, als ich aufgestanden bin")["faint"] == "emergency"


def test_a_thing_named_as_a_place_or_cause_is_not_what_the_sign_is_said_of() -> None:
    """ "im Auto weggetreten" and "von dem Serum ohnmächtig" are about the body; "das Auto ist zusammengebrochen"
    is about the car (P4h)."""
    assert _signs("ich bin im Auto einfach weggetreten")["faint"] == "emergency"
    assert _signs("kann man von dem Serum ohnmächtig werden?")["faint"] == "ask"
    assert "faint" not in _signs("mein Auto ist zusammengebrochen")


def test_a_link_to_the_treatment_ties_the_relative_in_brackets_or_with_a_typo() -> None:
    """ "Mein Freund (Behandlung heute früh) lallt" and "seit der Behandlugn verwirrt" are the patient's signs;
    "my own appointment" still ties no one else's sign to the treatment."""
    assert _signs("Mein Freund (Behandlung heute früh) lallt")["confusion"] == "emergency"
    assert _signs("meine Mutter ist seit der Behandlugn verwirrt")["confusion"] == "emergency"
    assert _signs("mein Sohn hat Fieber, kann ich trotzdem zu meinem Termin kommen?")["fever"] == "ask"


def test_a_short_question_answered_no_denies_its_sign() -> None:
    """ "Eiter? Nein, nur Schüppchen" asks, no alarm (``cues.answer_no``); "Eiter? Ja" is pus."""
    assert _signs("Eiter? Nein, das sind nur Schüppchen")["pus"] == "ask"
    assert _signs("Eiter? Ja, leider")["pus"] == "urgent"
    assert _signs("Ist das hier an der Stirn wirklich Eiter? Nein, oder?")["pus"] == "urgent"


def test_a_short_question_after_a_question_about_a_possibility_is_an_example() -> None:
    """ "Woran erkenne ich eine Allergie? Atemnot?" names an example: the bot asks, no alarm; said as a
    statement, or after a question that asks about no possibility, it is the sign."""
    assert _signs("Woran erkenne ich eine Allergie? Atemnot?")["breathing_difficulty"] == "ask"
    assert _signs("Woran erkenne ich eine Allergie? Ich habe Atemnot.")["breathing_difficulty"] == "emergency"
    assert _signs("Ist das normal? Atemnot?")["breathing_difficulty"] == "emergency"
    assert _signs("Woran erkenne ich eine Allergie? Seit einer Stunde bekomme ich keine Luft, was soll ich tun?")[
        "breathing_difficulty"] == "emergency"


def test_severity_in_words_is_confirmed_and_the_day_decides() -> None:
    """ "knallrot" on day 6 is C8, on day 0 expected (M11); "extrem geschwollen" on day 1 is C17."""
    assert assess("die Wangen sind noch knallrot", 6, "de").level == "contact_provider"
    assert assess("die Wangen sind noch knallrot", 0, "de").level == "monitor"
    assert assess("das Gesicht ist extrem geschwollen", 1, "de").level == "contact_provider"
    assert _signs("unerträglicher Juckreiz")["itching:severe"] == "confirm"


def test_a_past_frame_before_the_comma_puts_the_sign_after_it_in_the_past() -> None:
    """ "Hatte nachts das Gefühl, der Hals macht zu. Jetzt alles normal" has passed (P4i, ``cues.framing``);
    without the frame, or without a word of its passing, the throat is still an emergency."""
    assert _signs("Hatte nachts kurz das Gefühl, der Hals macht zu. Jetzt ist alles wieder normal.", 1) == {
        "tongue_throat_swelling": "passed"}
    assert _signs("Hatte nachts kurz das Gefühl, der Hals macht zu", 1) == {"tongue_throat_swelling": "emergency"}
    assert _signs("Gestern hatte ich Microneedling, jetzt kann ich nicht atmen. Alles gut sonst", 1) == {
        "breathing_difficulty": "emergency"}


def test_a_lexicon_without_framing_words_frames_nothing() -> None:
    """``cues.framing`` is optional: a lexicon that leaves it out parses with no framing words."""
    assert load_lexicon("en").cues["framing"] == ()

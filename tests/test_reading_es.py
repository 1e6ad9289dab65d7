"""The Spanish typed-message table (tests/data/typed_es.tsv) and the Spanish lexicon (messages/lexicon/es.toml).

The table's rows are tested with the others' in tests/test_reading_table.py: every row is assessed with the
same pure function as the chat (``messages.assessment.assess``), for a patient
writing in Spanish, and gets exactly its level; every safety row gets the
emergency advice or Q1 at once. The table is written in Spanish as patients in
Spain and Latin America write, by family of meaning, not translated.
"""

from __future__ import annotations


import pytest

from messages.assessment import assess
from messages.reading import read_message
from messages.reading_lexicon import load_lexicon

ES = load_lexicon("es")


def _signs(text: str, day: int = 2) -> dict[str, str]:
    return {sign.token: sign.action for sign in read_message(text, ES, day=day).signs}


@pytest.mark.parametrize("text", ["respiración rara", "respiracion rara", "RESPIRACIÓN RARA"])
def test_accents_and_case_do_not_matter(text: str) -> None:
    """Accents are removed and case folded before comparing: with or without the tilde is the same word."""
    assert _signs(text) == {"breathing_difficulty": "ask"}


def test_n_for_ntilde_and_chat_spellings() -> None:
    """ñ typed as n and "q" for "que" read the same ("me cuesta respirar q me ahogo")."""
    assert _signs("la lengua no me cabe en la boca q me ahogo")["breathing_difficulty"] == "emergency"
    assert _signs("la luz me hace daño")["eye_problem"] == _signs("la luz me hace dano")["eye_problem"] == "urgent"
    assert _signs("me castanetean los dientes")["chills"] == "urgent"
    signs = _signs("el dolor es insoportable, no pego ojo en toda la noche")
    assert signs["pain:very_severe"] == "urgent" and "eye_problem" not in signs


@pytest.mark.parametrize("text, token", [("tengo 38,5 de fiebre", "fever"), ("el termómetro marca 39,2", "fever"),
                                         ("38 y medio de temperatura", "fever")])
def test_a_decimal_comma_is_a_temperature(text: str, token: str) -> None:
    """ "38,5" is 38.5 °C: a fever (P4a), like "38 y medio"."""
    assert _signs(text)[token] == "urgent"


@pytest.mark.parametrize("text", ["tengo 38 años", "pagué 38,50 euros por la crema", "temperatura 36,8"])
def test_ages_prices_and_normal_temperatures_are_not_a_fever(text: str) -> None:
    assert _signs(text).get("fever") in (None, "ask")


def test_negation_scope_ends_at_pero() -> None:
    """ "no tengo fiebre pero ..." negates the fever only: the clause breaker ends the negation's scope."""
    assert _signs("no tengo fiebre pero se me hinchan los labios") == {"fever": "ask", "lip_swelling": "urgent"}
    assert _signs("sin fiebre ni escalofríos") == {"fever": "ask", "chills": "ask"}


def test_a_relative_writing_about_the_patient_is_the_patient() -> None:
    """ "mi madre ... tratamiento" is the patient, written about; "mi hijo tiene fiebre" is someone else."""
    assert _signs("mi madre está desorientada después del tratamiento")["confusion"] == "emergency"
    assert _signs("mi hijo tiene fiebre") == {"fever": "ask"}


@pytest.mark.parametrize("text, token, action", [
    ("mi marido dice que tengo fiebre", "fever", "urgent"),
    ("mi novio dice que hago ruido al respirar", "breathing_difficulty", "emergency"),
    ("mi marido dice que tiene fiebre", "fever", "ask"),
])
def test_a_first_person_verb_opening_the_sign_makes_it_the_writers(text: str, token: str, action: str) -> None:
    """ "mi marido dice que tengo fiebre": the "tengo" that opens the sign says whose fever it is; "tiene" does not."""
    assert _signs(text)[token] == action


def test_the_my_of_a_relative_does_not_make_the_patient_link_the_writers_own() -> None:
    """ "mi abuela es la paciente": the "mi" names the grandmother, so the link ties her signs to the treatment;
    "mi" of the writer's own session ("mi sesión") still keeps a child's fever the child's."""
    assert _signs("mi abuela es la paciente, dice cosas sin sentido")["confusion"] == "emergency"
    assert _signs("mi madre es la paciente y tiene fiebre") == {"fever": "urgent"}
    assert _signs("mi hijo tiene fiebre, mañana tengo mi sesión") == {"fever": "ask"}


def test_passed_and_hypothetical() -> None:
    """ "ya se me pasó" after a past emergency sign is passed (P4i); "y si" makes it a possibility (asked)."""
    assert _signs("anoche me costaba respirar, ya se me pasó")["breathing_difficulty"] == "passed"
    assert _signs("¿y si me cuesta respirar esta noche?") == {"breathing_difficulty": "ask"}


def test_persistence_affirms() -> None:
    """ "sigue" affirms: "la rojez no se va, sigue igual" on day 10 is redness to confirm."""
    assert _signs("sigo con la cara roja", day=10)["redness"] == "confirm"


def test_a_real_spanish_word_is_not_a_typo_but_a_typo_is_read() -> None:
    """ "puse" is not "pus" (es_words.txt); "respirr" is "respirar" and "lenga" is "lengua"."""
    assert "pus" not in _signs("ya me puse la crema")
    assert _signs("no puedo respirr")["breathing_difficulty"] == "emergency"
    assert _signs("tengo la lenga hinchada")["tongue_throat_swelling"] == "emergency"


def test_english_reading_is_unchanged_by_the_spanish_lexicon() -> None:
    """The English reader still reads English as before (the default lexicon)."""
    assert assess("I can't breathe", 0).level == "emergency"
    assert assess("no puedo respirar", 0, "es").level == "emergency"


def test_severity_of_swelling_in_words() -> None:
    """ "muy hinchada" is swelling:severe and "hinchadísima" swelling:very_severe, each confirmed in one tap:
    §2 decides by the day (C9 from day 4, C17 on days 0-3, M4 for severe on days 0-3)."""
    assert assess("sigo muy hinchada", 5, "es").level == "contact_provider"
    assert assess("estoy muy hinchada", 1, "es").level == "monitor"
    assert assess("tengo la cara hinchadísima", 1, "es").level == "contact_provider"


def test_a_weakened_immune_system_named_in_spanish() -> None:
    """ "tomo inmunosupresores" is risk:immunocompromised, confirmed: alone no alarm, beside crusts U8 (urgent)."""
    assert _signs("tomo inmunosupresores") == {"risk:immunocompromised": "confirm"}
    assert assess("tomo inmunosupresores y tengo costras amarillas", 5, "es").level == "urgent"


def test_going_anyway_to_ones_own_session_does_not_make_a_child_the_patient() -> None:
    """ "¿puedo ir igual a la sesión?" is the writer's own diary (cues.rebooking), though "igual" alone is an
    uncertainty word: the son's fever stays his, asked about, not an urgent sign of the patient."""
    assert _signs("mi hijo tiene fiebre, ¿puedo ir igual a la sesión?") == {"fever": "ask"}
    assert _signs("mi hijo tiene fiebre desde la sesión") == {"fever": "urgent"}


def test_a_past_tense_inside_the_sign_words_places_the_sign_in_the_past() -> None:
    """ "me faltaba el aire" holds its own past tense: with "ahora normal" after it the sign has passed (P4i),
    alone it is still an emergency."""
    assert _signs("me faltaba el aire al subir, ahora normal") == {"breathing_difficulty": "passed"}
    assert _signs("me faltaba el aire al subir") == {"breathing_difficulty": "emergency"}

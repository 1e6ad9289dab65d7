"""The Spanish catalog says the main flows in Spanish: consent, the check-in, the way out in an emergency."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from bot.clinic_profile import default_clinic_file, load_clinic
from messages.answer_words import describe
from messages.catalog import SHARED_LINES, load_catalog
from tests.test_catalog_texts import NOT_PATIENT_FACING, SAMPLE, _tokens, problems

ES = load_catalog("es")
EN = load_catalog()
CLINIC = load_clinic(default_clinic_file())
VALUES = {**SAMPLE, **CLINIC.contact_values()}
# Words the English emergency line and advice are made of; none may be left in the Spanish ones.
ENGLISH = {"call", "now", "trouble", "breathing", "swallowing", "swelling", "lips", "tongue", "throat", "or",
           "the", "of", "and", "if", "you", "have", "feel", "faint", "confused", "then", "answer", "emergency"}
SHIPPED_OWN = {"out_of_hours"}  # the clinic's own sentence, in the clinic profile's language


def render(key: str, **values) -> str:
    given = {**VALUES, **values}
    return ES.render(key, **given, **{name: "algo" for name in ES.placeholders(key) - set(given) - set(SHARED_LINES)})


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text.lower()))


def spanish_only(text: str) -> set[str]:
    """English words left in ``text`` once the clinic's own values (name, out-of-hours advice) are taken out."""
    for name in ("clinic_name", "out_of_hours", "emergency_number", "clinic_phone"):
        text = text.replace(VALUES[name], " ") if VALUES[name] else text
    return words(text) & ENGLISH


def test_every_english_file_and_key_has_its_spanish_text():
    """The Spanish catalog has every key of the English one (beside the typed-word data) with the same placeholders."""
    shipped = {key for key in ES.texts if not key.startswith(("words.", "formats."))}
    spanish = set()
    folder = resources.files("messages").joinpath("catalog", "es")
    for entry in folder.iterdir():
        if entry.name.endswith(".toml") and entry.name not in ("meta.toml", "words.toml", "formats.toml"):
            spanish |= {f"{entry.name.removesuffix('.toml')}.{name}" for name in _keys(tomllib.loads(entry.read_text("utf-8")))}
    assert shipped - spanish == set()
    assert {key: (EN.placeholders(key), ES.placeholders(key)) for key in spanish
            if EN.placeholders(key) != ES.placeholders(key)} == {}


def _keys(table: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, value in table.items():
        plural = isinstance(value, dict) and "other" in value and all(isinstance(v, str) for v in value.values())
        out |= _keys(value, f"{prefix}{name}.") if isinstance(value, dict) and not plural else {prefix + name}
    return out


def test_the_spanish_catalog_is_marked_not_reviewed():
    """Until the clinic's clinician has read it, the Spanish catalog says so, and names its language."""
    meta = tomllib.loads(resources.files("messages").joinpath("catalog", "es", "meta.toml").read_text("utf-8"))
    assert meta == {"name": "Español", "reviewed": False}


def test_every_patient_facing_spanish_text_renders_cleanly():
    """Each Spanish text renders with the shipped clinic and has no placeholder, blank or doubled punctuation left."""
    bad = {}
    for key in sorted(ES.texts):
        if NOT_PATIENT_FACING.match(key):
            continue
        text = render(key)
        found = [issue for issue in problems(text, CLINIC.out_of_hours) if issue != "a broken sentence"]
        if text.count("¿") != text.count("?") or text.count("¡") != text.count("!"):
            found.append("an unpaired ¿? or ¡!")
        if found:
            bad[key] = (found, text[:120])
    assert bad == {}


def test_only_words_that_are_the_same_in_both_languages_stay_as_in_english():
    """A text equal to the English one is a word both languages share, never a key left untranslated."""
    same = {key for key in ES.texts if not key.startswith(("words.", "formats.")) and ES.texts[key] == EN.texts[key]}
    assert same <= {"answers.sign_pus", "checkin.level_label_normal", "checkin.opt_no", "checkin.opt_none_new",
                    "common.answer_no", "enrol.no", "clinic.caption_part", "clinic.reference_name",
                    "enrol.answer_set", "rhythm.joiner", "worklist.enrolled_line", "worklist.refused_line"}


def test_the_emergency_line_is_spanish_and_names_the_number():
    """The way out every non-answer carries is Spanish, with the clinic's emergency number, and no English word."""
    line = render("common.emergency_line")
    assert CLINIC.emergency_number in line and spanish_only(line) == set()
    assert line.startswith("Si le cuesta respirar o tragar")
    for key in [k for k, t in ES.texts.items() if "{emergency_line}" in t]:
        text = render(key)
        assert text.endswith(line) and spanish_only(text) == set(), key


@pytest.mark.parametrize("key", ["checkin.safety_advice_emergency", "checkin.safety_advice_not_enrolled",
                                 "triage.level_emergency", "clinic.acknowledged_emergency", "enrol.welcome",
                                 "common.help", "control.checkin_warning"])
def test_emergency_advice_gives_the_number_in_spanish(key):
    """Every text that sends the patient to emergency services gives the number, in Spanish sentences."""
    text = render(key)
    assert CLINIC.emergency_number in text and spanish_only(text) == set()
    assert re.search(r"(?i)llame (ahora )?al " + re.escape(CLINIC.emergency_number), text)


def test_consent_names_its_own_buttons():
    """The consent asks in Spanish and, when repeated, names the very buttons it shows."""
    welcome = render("enrol.welcome", name_part=", Ana")
    assert welcome.startswith("¡Hola, Ana! Soy el asistente") and welcome.endswith("¿Está de acuerdo?")
    assert "/mydata" in welcome and "/delete" in welcome and CLINIC.name in welcome
    yes, no = ES.render("enrol.consent_yes"), ES.render("enrol.consent_no")
    assert (yes, no) == ("Estoy de acuerdo", "No, gracias")
    for key in ("enrol.consent_again", "enrol.consent_hint"):
        assert yes in render(key) and no in render(key), key
    assert "nada" in ES.render("enrol.declined") and "/start" in ES.render("enrol.declined")


@pytest.mark.parametrize("key, buttons", [
    ("checkin.m11", ["checkin.start_button"]),
    ("checkin.pick_first", ["checkin.sign_none"]),
    ("control.welcome_back_again", ["control.welcome_back_yes", "control.welcome_back_no"]),
    ("enrol.bad_skin", ["enrol.skin_skip"]),
    ("enrol.zone_here", ["enrol.zone_share"]),
    ("common.settings_hint", ["common.settings_date", "common.settings_zone", "common.settings_times",
                              "common.settings_quiet", "common.settings_health", "common.settings_done",
                              "midday.settings_button"]),
])
def test_texts_that_name_a_button_use_its_spanish_label(key, buttons):
    """A text telling the patient which button to tap names it exactly as the button reads."""
    text = render(key, topic=ES.render("enrol.topic_immune"))
    assert [b for b in buttons if ES.render(b, **VALUES).rstrip(" ✓") not in text] == []


def test_yes_no_question_names_the_three_buttons():
    """The yes/no refusal names the Sí, No and not-sure buttons the question shows."""
    text = render("enrol.bad_yes_no", topic=ES.render("enrol.topic_cold_sores"))
    assert text == "Para la pregunta sobre herpes labial en el pasado, pulse Sí, No o No estoy seguro/a (o escríbalo)."
    assert all(ES.render(f"enrol.{b}") in text for b in ("yes", "no", "unsure"))


def test_check_in_reads_in_spanish():
    """The check-in's title, safety question, one-tap questions and closing lines are Spanish sentences."""
    assert render("checkin.title", day=3) == "Control · día 3"
    assert render("checkin.q_safety").startswith("Ahora mismo, ¿le cuesta respirar o tragar?")
    assert render("checkin.because", answers="enrojecimiento de intensidad leve") == \
        "Porque me ha dicho: enrojecimiento de intensidad leve"
    now = [key for key in ES.texts if key.startswith("checkin.now_")]
    assert now and [key for key in now if not (ES.texts[key].startswith("¿") and ES.texts[key].endswith("?"))] == []
    asked = render("checkin.q_confirm", question=ES.render("checkin.now_lip_swelling"))
    assert asked == "Gracias por decírmelo. Solo para asegurarme: ¿se le están hinchando los labios ahora mismo?"
    assert render("checkin.q_still", item=ES.render("checkin.item_swelling")) == \
        "La última vez me dijo que tenía hinchazón. ¿Continúa?"
    for level in ("normal", "monitor", "contact_provider", "urgent", "emergency"):
        assert spanish_only(render(f"triage.level_{level}")) == set(), level


@pytest.mark.parametrize("token", _tokens())
def test_every_answer_reads_in_plain_spanish(token):
    """Each check-in token has its own Spanish words, agreeing in gender ("hinchazón de intensidad moderada")."""
    said = describe(ES, token)
    assert said != ES.render("answers.unknown") and ":" not in said and not problems(said, "")
    assert said != describe(EN, token) or said == "pus"


def test_severity_agrees_with_every_item():
    """The level agrees with "intensidad", so it reads right for a feminine item as for a masculine one."""
    assert describe(ES, "swelling:moderate") == "hinchazón de intensidad moderada"
    assert describe(ES, "redness:very_severe") == "enrojecimiento de intensidad muy alta"
    assert describe(ES, "pain:none") == "sin dolor"

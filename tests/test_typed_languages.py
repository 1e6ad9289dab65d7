"""Dates, times and yes/no typed in German and Spanish, as natives type them: through the pure readers, and
through the real Application set to that language."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

import pytest

from bot.store import open_store
from messages.catalog import load_catalog
from messages.parsing import date_problem, date_readings, parse_quiet, parse_times, settings_item
from messages.words import Words
from tests.conftest import make_settings, open_phone

TODAY = date(2026, 12, 10)  # a Thursday
D = lambda month, day: date(2026, month, day)  # noqa: E731


@lru_cache(maxsize=None)
def words(language: str) -> Words:
    return Words.from_texts(load_catalog(language).texts)


DATES = [
    ("de", "heute", [D(12, 10)]), ("de", "Heute", [D(12, 10)]), ("de", "gestern", [D(12, 9)]),
    ("de", "vorgestern", [D(12, 8)]), ("de", "morgen", [D(12, 11)]), ("de", "übermorgen", [D(12, 12)]), ("de", "letzten Dienstag", [D(12, 8)]),
    ("de", "letzten Donnerstag", [D(12, 3)]), ("de", "vergangenen Freitag", [D(12, 4)]),
    ("de", "nächsten Montag", [D(12, 14)]), ("de", "am Dienstag", [D(12, 8), D(12, 15)]),
    ("de", "es war am Montag", [D(12, 7), D(12, 14)]), ("de", "vor zwei Tagen", [D(12, 8)]),
    ("de", "vor 3 Tagen", [D(12, 7)]), ("de", "vor einer Woche", [D(12, 3)]), ("de", "in 3 Tagen", [D(12, 13)]),
    ("de", "am 3. Dezember", [D(12, 3)]), ("de", "3. Dezember 2026", [D(12, 3)]), ("de", "am 28. Nov.", [D(11, 28)]),
    ("de", "1. März", [date(2027, 3, 1)]), ("de", "20.11.2026", [D(11, 20)]), ("de", "heute Morgen", [D(12, 10)]),
    ("de", "gestern Abend", [D(12, 9)]),
    ("es", "hoy", [D(12, 10)]), ("es", "ayer", [D(12, 9)]), ("es", "anteayer", [D(12, 8)]),
    ("es", "antier", [D(12, 8)]), ("es", "mañana", [D(12, 11)]), ("es", "pasado mañana", [D(12, 12)]), ("es", "el martes pasado", [D(12, 8)]),
    ("es", "el jueves pasado", [D(12, 3)]), ("es", "el próximo lunes", [D(12, 14)]),
    ("es", "el lunes que viene", [D(12, 14)]), ("es", "el martes", [D(12, 8), D(12, 15)]),
    ("es", "hace dos días", [D(12, 8)]), ("es", "hace 3 dias", [D(12, 7)]), ("es", "hace una semana", [D(12, 3)]),
    ("es", "en 3 días", [D(12, 13)]), ("es", "dentro de 2 días", [D(12, 12)]),
    ("es", "el 3 de diciembre", [D(12, 3)]), ("es", "3 de diciembre de 2026", [D(12, 3)]),
    ("es", "el 28 de noviembre", [D(11, 28)]), ("es", "20/11/2026", [D(11, 20)]), ("es", "esta mañana", [D(12, 10)]),
    ("es", "anoche", [D(12, 9)]),
]

NOT_A_DAY = [
    ("de", "letzte Woche", "vague"), ("de", "neulich", "vague"), ("de", "31. Juni", "impossible"),
    ("de", "30. Februar", "impossible"), ("es", "la semana pasada", "vague"), ("es", "hace unos días", "vague"),
    ("es", "31 de junio", "impossible"), ("es", "30 de febrero", "impossible"),
]

TIMES = [
    ("de", "halb acht", [time(7, 30)]), ("de", "um halb neun", [time(8, 30)]), ("de", "halb eins", [time(12, 30)]),
    ("de", "viertel nach sieben", [time(7, 15)]), ("de", "viertel vor neun", [time(8, 45)]),
    ("de", "dreiviertel acht", [time(7, 45)]), ("de", "19 Uhr", [time(19)]), ("de", "um 20 Uhr", [time(20)]),
    ("de", "um 7:30 Uhr", [time(7, 30)]), ("de", "um 19.30", [time(19, 30)]), ("de", "mittags", [time(12)]),
    ("de", "Mitternacht", [time(0)]), ("de", "7 Uhr und 21 Uhr", [time(7), time(21)]),
    ("de", "halb acht und 21 Uhr", [time(7, 30), time(21)]),
    ("es", "a las siete y media", [time(7, 30)]), ("es", "las ocho menos cuarto", [time(7, 45)]),
    ("es", "las siete y cuarto", [time(7, 15)]), ("es", "las nueve y media", [time(9, 30)]),
    ("es", "7 y media", [time(7, 30)]), ("es", "a las 19", [time(19)]), ("es", "a las 21:00", [time(21)]),
    ("es", "mediodía", [time(12)]), ("es", "medianoche", [time(0)]), ("es", "8 y 21", [time(8), time(21)]),
    ("es", "a las 7:30 y a las 21:00", [time(7, 30), time(21)]),
    ("es", "a las siete y media y a las nueve", [time(7, 30), time(9)]),
]

YES_NO = [
    ("de", "ja", "yes"), ("de", "Ja!", "yes"), ("de", "ja klar", "yes"), ("de", "jo", "yes"), ("de", "klar", "yes"),
    ("de", "passt", "yes"), ("de", "genau", "yes"), ("de", "ja, gerne", "yes"), ("de", "ja bitte", "yes"),
    ("de", "nö", "no"), ("de", "ne", "no"), ("de", "nee", "no"), ("de", "nein", "no"), ("de", "NEIN", "no"),
    ("de", "nein danke", "no"), ("de", "weiß nicht", "unsure"), ("de", "weiss nicht", "unsure"),
    ("de", "keine Ahnung", "unsure"), ("de", "vielleicht", "unsure"),
    ("es", "sí", "yes"), ("es", "si", "yes"), ("es", "sí, claro", "yes"), ("es", "claro", "yes"),
    ("es", "claro que sí", "yes"), ("es", "vale", "yes"), ("es", "dale", "yes"), ("es", "venga", "yes"),
    ("es", "sip", "yes"), ("es", "¡Sí!", "yes"), ("es", "no", "no"), ("es", "para nada", "no"),
    ("es", "no, gracias", "no"), ("es", "nop", "no"), ("es", "no sé", "unsure"), ("es", "ni idea", "unsure"),
    ("es", "quizás", "unsure"),
]

QUIET = [
    ("de", "22 bis 7", (time(22), time(7))), ("de", "von 22:30 bis 7 Uhr", (time(22, 30), time(7))),
    ("de", "keine", "off"), ("de", "nein", "off"),
    ("es", "de 22 a 7", (time(22), time(7))), ("es", "desde las 23 hasta las 7 y media", (time(23), time(7, 30))),
    ("es", "ninguna", "off"), ("es", "no", "off"),
]

SIGNS = ("rash", "pimples", "peeling", "redness", "pus", "lips")
SEVERAL = [
    ("de", "Ausschlag und Pickel", ("rash", "pimples")), ("de", "Rötung, Schuppung und Eiter", ("redness", "peeling", "pus")),
    ("es", "granos y descamación", ("pimples", "peeling")), ("es", "enrojecimiento, pus y labios", ("redness", "pus", "lips")),
]

SETTINGS = [
    ("de", "halb acht", "times"), ("de", "Zeitzone ändern", "zone"), ("de", "das Behandlungsdatum", "date"),
    ("de", "fertig", "done"), ("es", "a las siete y media", "times"), ("es", "cambiar la fecha", "date"),
    ("es", "zona horaria", "zone"), ("es", "listo", "done"), ("de", "Sprache", "language"), ("de", "Fotos", "photos"),
    ("es", "idioma", "language"), ("es", "cambiar el idioma", "language"), ("es", "fotos", "photos"),
]


@pytest.mark.parametrize("language, typed, expected", SETTINGS)
def test_the_settings_item_typed_in_the_language(language, typed, expected):
    """At the open /settings menu, the item named (or a time typed in words) in the language."""
    assert settings_item(typed, words(language), TODAY) == expected


@pytest.mark.parametrize("language, typed, expected", SEVERAL)
def test_several_signs_typed_in_one_message(language, typed, expected):
    """Signs joined with the language's "and" ("und", "y") are each read."""
    assert words(language).read_many(typed, SIGNS) == expected


@pytest.mark.parametrize("language, typed, expected", DATES)
def test_a_typed_date_reads_as_its_day(language, typed, expected):
    """A date typed in the language's words reads as its day (two for a bare weekday: asked)."""
    assert date_readings(typed, TODAY, words(language)) == expected


@pytest.mark.parametrize("language, typed, problem", NOT_A_DAY)
def test_a_vague_or_impossible_date_is_said_so(language, typed, problem):
    """A vague date is asked again, an impossible one named impossible, never guessed."""
    assert date_readings(typed, TODAY, words(language)) == [] and date_problem(typed, TODAY, words(language)) == problem


@pytest.mark.parametrize("language, typed, expected", TIMES)
def test_a_typed_time_reads_as_its_hour(language, typed, expected):
    """Times in the language's words read as the clock says them ("halb acht" is 7:30)."""
    assert parse_times(typed, words(language)) == expected


@pytest.mark.parametrize("language, typed, expected", QUIET)
def test_typed_quiet_hours_read_as_typed(language, typed, expected):
    """Quiet hours "from ... to ..." in the language's words, or none."""
    assert parse_quiet(typed, words(language)) == expected


@pytest.mark.parametrize("language, typed, expected", YES_NO)
def test_a_typed_yes_or_no_reads_as_it_means(language, typed, expected):
    """Yes, no and not sure as natives type them."""
    assert words(language).yes_no(typed) == expected


@pytest.mark.parametrize("language", ["de", "es"])
def test_each_language_has_forty_cases_at_least(language):
    """The table covers each language broadly."""
    assert sum(1 for table in (DATES, NOT_A_DAY, TIMES, QUIET, SEVERAL, SETTINGS, YES_NO) for row in table if row[0] == language) >= 40


def test_english_still_reads_as_before():
    """The same readers in English: unchanged."""
    english = words("en")
    assert date_readings("last tuesday", TODAY, english) == [D(12, 8)]
    assert date_readings("2 days ago", TODAY, english) == [D(12, 8)]
    assert date_readings("tuesday", TODAY, english) == [D(12, 8), D(12, 15)]
    assert parse_times("half past seven and quarter to nine", english) == [time(7, 30), time(8, 45)]
    assert english.yes_no("yeah sure") == "yes" and english.yes_no("nope") == "no"
    assert parse_quiet("from 11 pm until 7 am", english) == (time(23), time(7))


CHAT = 1001


@pytest.mark.parametrize("language, answers, treated, times, health", [
    ("de", ("ja klar", "Berlin", "letzten Dienstag", "halb acht und 21 Uhr", "nein", "weiß nicht", "Typ 3"),
     date(2026, 11, 17), (time(7, 30), time(21)), ("no", "unsure", "III")),
    ("es", ("sí, claro", "Madrid", "hace dos días", "a las siete y media y a las 21", "no", "no sé", "tipo 4"),
     date(2026, 11, 21), (time(7, 30), time(21)), ("no", "unsure", "IV")),
])
async def test_enrolment_typed_in_the_language(tmp_path, clock, language, answers, treated, times, health):
    """The real bot set to German or Spanish takes a whole enrolment typed in that language."""
    settings = make_settings(tmp_path, AFTERCARE_LANGUAGE=language)
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    try:
        await phone.send(CHAT, "/start")
        for answer in answers:
            await phone.send(CHAT, answer)
        patient = store.patient(CHAT)
        assert patient.treatment.treatment_date == treated
        assert (patient.morning, patient.evening) == times
        assert (patient.immunocompromised, patient.cold_sore_history, patient.skin_type) == health
    finally:
        await phone.app.shutdown()
        store.close()

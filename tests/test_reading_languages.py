"""Every installed lexicon reads every message (rules v3 P4g), from the table tests/data/typed_mixed.tsv.

A sign told in another installed language than the patient's is read like one in their own; what the patient's
own language names (someone else's, another sense, negated) is decided by it alone; a text in a language no
lexicon reads is "unread": Q1 in one tap, and (through the real Application) the clinic chat gets it marked
"not read by the bot", while the patient is told so with the emergency line.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from messages.assessment import assess
from messages.catalog import catalog_languages
from messages.reading import installed_languages, read_all
from messages.reading_lexicon import load_lexicon
from tests.conftest import CLINIC_CHAT
from tests.test_languages_e2e import CHAT, enrol_in, phone, said  # noqa: F401 (phone is a fixture)

TABLE = Path(__file__).parent / "data" / "typed_mixed.tsv"


def rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = rows()


def test_the_mixed_table_covers_both_directions_and_unread_texts():
    assert len(ROWS) >= 45 and len({(r["text"], r["language"]) for r in ROWS}) == len(ROWS)
    assert {r["language"] for r in ROWS} >= {"en", "es"} and sum(r["unread"] == "yes" for r in ROWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["text"][:30])
def test_each_mixed_message(row):
    """The level, the safety question and "unread" the message gets for a patient writing in ``language``."""
    result = assess(row["text"], int(row["day"]), row["language"])
    assert result.level == row["level"], row["text"]
    assert result.safety_question == (row["safety"] == "yes"), row["text"]
    assert result.reading.unread == (row["unread"] == "yes"), row["text"]


def test_every_installed_lexicon_is_read():
    """Each shipped lexicon (messages/lexicon/<code>.toml) takes part, and each names its own language."""
    assert set(installed_languages()) >= {"en", "es"}
    for language in installed_languages():
        assert load_lexicon(language).language == language


@pytest.mark.parametrize("language", [code for code in installed_languages() if code != "en"])
def test_each_translated_lexicon_is_marked_unreviewed_with_its_own_words(language):
    """A lexicon other than the English source carries reviewed = false until the clinic's clinician has read it
    (aftercare doctor --strict fails on it), names its language, and has its own words file and version."""
    import tomllib

    data = tomllib.loads((Path(__file__).parent.parent / "messages" / "lexicon" / f"{language}.toml").read_text("utf-8"))
    lexicon = load_lexicon(language)
    assert data["reviewed"] is False and not lexicon.reviewed and data["language"] == lexicon.language == language
    assert data["words_file"] == f"{language}_words.txt" and data["endings"]
    assert lexicon.version == data["version"]


def test_a_sign_read_in_another_language_keeps_its_reading():
    reading = read_all("me cuesta respirar", load_lexicon("en"), day=1)
    assert reading.emergency == ("breathing_difficulty",) and reading.safety_question and not reading.unread


async def test_a_french_emergency_is_relayed_marked_unread_and_asked_q1(phone):  # noqa: F811
    """A patient whose Telegram says "fr" gets English; their French emergency gets the P4g reply (the emergency
    line), the Q1 screen in one tap, and reaches the clinic chat quoted as written, marked "not read by the bot"."""
    await enrol_in(phone, "en")
    before = len(phone.telegram.chat(CLINIC_CHAT))
    sent = await phone.send(CHAT, "je n'arrive plus à respirer et mes lèvres gonflent")
    texts = [m.text for m in sent]
    assert said(phone, "en", "clinic.unread_relayed") in texts
    assert any("call 999" in text.lower() for text in texts)
    assert any(m.buttons and any(":safety:" in d for row in m.buttons for _, d in row) for m in sent)  # Q1
    relayed = phone.telegram.chat(CLINIC_CHAT)[before:]
    assert len(relayed) == 1 and relayed[0].text.startswith("❓ NOT READ BY THE BOT")
    assert "je n'arrive plus à respirer et mes lèvres gonflent" in relayed[0].text


async def test_a_french_emergency_with_no_clinic_chat_is_kept_said_so_and_asked_q1(tmp_path, clock):
    """With no clinic chat to read it, an unread emergency gets the P4g reply that it was kept for the team
    (never "sent"), the emergency line and Q1 in one tap."""
    from bot.store import open_store
    from tests.conftest import enrol, make_settings, open_phone
    settings = make_settings(tmp_path)  # the example profile: no clinic chat
    store = open_store(settings.database_path, settings.sealer())
    bare = await open_phone(settings, store, clock)
    try:
        await enrol(bare, CHAT)
        sent = await bare.send(CHAT, "je n'arrive plus à respirer et mes lèvres gonflent")
        texts = [m.text for m in sent]
        assert said(bare, "en", "clinic.unread_kept") in texts
        assert said(bare, "en", "clinic.unread_relayed") not in texts
        assert any("call 999" in text.lower() for text in texts)
        assert any(m.buttons and any(":safety:" in d for row in m.buttons for _, d in row) for m in sent)
    finally:
        await bare.app.shutdown()
        store.close()


async def test_an_english_emergency_from_a_spanish_patient_alerts(phone):  # noqa: F811
    """A patient who chose Spanish writes in English: still read, the emergency advice in Spanish, an alert."""
    await enrol_in(phone, "es")
    before = len(phone.telegram.chat(CLINIC_CHAT))
    await phone.send(CHAT, "my lips are swelling and I can't breathe")
    alerts = phone.telegram.chat(CLINIC_CHAT)[before:]
    assert alerts and "EMERGENCY" in alerts[0].text
    assert "my lips are swelling and I can't breathe" in alerts[0].text


async def test_an_everyday_english_message_is_not_unread(phone):  # noqa: F811
    await enrol_in(phone, "en")
    before = len(phone.telegram.chat(CLINIC_CHAT))
    await phone.send(CHAT, "see you on Monday, thanks a lot")
    assert phone.telegram.chat(CLINIC_CHAT)[before:] == []


def test_languages_with_a_catalog_but_no_lexicon_are_known():
    """Every shipped lexicon has a shipped catalog, so a language whose warning signs are read is also spoken."""
    assert set(catalog_languages()) >= set(installed_languages())


# (language, a typed No to Q1, an everyday question on day 4 and its approved answer, a typed emergency)
TYPED_CARE = [
    ("en", "no, nothing like that", "can I wear makeup now?", "questions.makeup_ok",
     "my lips are swelling and I can hardly breathe"),
    ("de", "nein, nichts davon", "darf ich jetzt Make-up tragen?", "questions.makeup_ok",
     "meine Lippen schwellen an und ich bekomme schlecht Luft"),
    ("es", "no, nada de eso", "¿puedo maquillarme ya?", "questions.makeup_ok",
     "tengo los labios hinchados y me cuesta respirar"),
]


@pytest.mark.parametrize("language, no, question, answer_key, emergency", TYPED_CARE, ids=[c[0] for c in TYPED_CARE])
async def test_typed_care_in_each_language(phone, language, no, question, answer_key, emergency):  # noqa: F811
    """Through the real Application, in each shipped language: a check-in answered by typing (Q1's No), an everyday
    question answered with the clinic's approved text in the patient's language, and a typed emergency alerted to
    the clinic (in its language, the patient's words as written, their language named)."""
    from datetime import timedelta

    await enrol_in(phone, language)
    phone.clock.advance(timedelta(days=4))
    await phone.send(CHAT, "/checkin")
    await phone.send(CHAT, no)
    row = phone.store.open_checkin(CHAT)
    assert row is not None and ("safety", "no") in row.answers
    sent = await phone.send(CHAT, question)
    assert any(said(phone, language, answer_key) in m.text for m in sent)
    before = len(phone.telegram.chat(CLINIC_CHAT))
    await phone.send(CHAT, emergency)
    alerts = [m.text for m in phone.telegram.chat(CLINIC_CHAT)[before:]]
    assert alerts and alerts[0].startswith("⚠️ EMERGENCY") and emergency in alerts[0]
    assert ("Patient's language:" in alerts[0]) == (language != "en")

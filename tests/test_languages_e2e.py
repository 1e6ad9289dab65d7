"""A language per patient, through the real Application, for every language folder in messages/catalog/.

Each shipped language (and a temporary one, "it", written here into AFTERCARE_CATALOG_DIR with every text
marked, so that a text left in English is seen) is walked through: the choice at /start proposed from Telegram's
``language_code``, consent, enrolment, /mydata, a tapped check-in (its alert reaching the clinic chat in the
clinic's language, naming the patient's), /settings' language item, /clinic, /pause and /delete.
"""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.services import SERVICES_KEY
from messages.catalog import catalog_languages
from messages.formatting import join_list
from tests.conftest import CLINIC_ADMIN, CLINIC_CHAT, make_settings, open_phone

CHAT = 1001
TEMP = "it"  # a language no clinic ships here: its catalog is written by the fixture
MARK = "«it» "  # every text of the temporary language starts with it
LANGUAGES = sorted({*catalog_languages(), TEMP})
# Areas whose texts are said, not read: the temporary language marks them all (typed words stay English).
READ_AREAS = {"words", "formats"}


def marked(value: str | dict) -> str:
    """A TOML value with MARK before each text (a plural table's forms each)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{form} = {marked(text)}" for form, text in value.items()) + " }"
    return json.dumps(MARK + value, ensure_ascii=False)


def write_temp_language(folder: Path) -> None:
    """The temporary language: every said English text with MARK in front, and its meta.toml."""
    target = folder / TEMP
    target.mkdir(parents=True)
    (target / "meta.toml").write_text('name = "Italiano"\nreviewed = false\n', encoding="utf-8")
    english = resources.files("messages").joinpath("catalog", "en")
    for entry in english.iterdir():
        area = entry.name.removesuffix(".toml")
        if not entry.name.endswith(".toml") or entry.name == "meta.toml" or area in READ_AREAS:
            continue
        lines = [f"{key} = {marked(value)}" for key, value in tomllib.loads(entry.read_text(encoding="utf-8")).items()]
        (target / entry.name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def clinic_offering(tmp_path: Path, languages: list[str]) -> str:
    """The example profile offering ``languages``, its staff chat in English, with one nurse on staff."""
    from bot.clinic_profile import default_clinic_file
    text = Path(default_clinic_file()).read_text(encoding="utf-8")
    text = text.replace('subdivision = "ENG"\n', f'subdivision = "ENG"\nlanguages = {json.dumps(languages)}\n'
                                                 f'clinic_language = "en"\n').replace("staff = []", "staff = [7]")
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
async def phone(tmp_path, clock):
    """The bot of a clinic offering every language, with a clinic chat."""
    catalogs = tmp_path / "catalog"
    write_temp_language(catalogs)
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_FILE=clinic_offering(tmp_path, LANGUAGES),
                             AFTERCARE_CATALOG_DIR=str(catalogs), AFTERCARE_CLINIC_CHAT_ID=str(CLINIC_CHAT),
                             AFTERCARE_ADMIN_IDS=str(CLINIC_ADMIN))
    from bot.store import open_store
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


def said(phone, code: str, key: str, /, **values) -> str:
    """What the bot says for ``key`` in the language ``code``."""
    svc = phone.app.bot_data[SERVICES_KEY]
    with svc.speaking(code):
        return svc.text(key, **values)


def name_of(phone, language: str) -> str:
    return phone.app.bot_data[SERVICES_KEY].language_name(language)


async def start_in(phone, language_code: str):
    """/start from an app whose Telegram language is ``language_code``; the bot's answers."""
    update = phone.telegram.message(CHAT, "/start")
    update["message"]["from"]["language_code"] = language_code
    return await phone.feed_and_read(update, CHAT)


async def press_ending(phone, suffix: str, chat_id: int = CHAT):
    """Tap the button of the newest message with buttons whose callback data ends with ``suffix``."""
    message = next(m for m in reversed(phone.telegram.chat(chat_id)) if m.buttons)
    data = next(d for row in message.buttons for _, d in row if d.endswith(suffix))
    return await phone._callback(chat_id, phone.telegram.callback(chat_id, data, message_id=message.message_id))


async def enrol_in(phone, language: str) -> None:
    """Choose ``language`` at /start (proposed by Telegram), consent, and answer every question with buttons."""
    await start_in(phone, language)
    await press_ending(phone, f":{language}")
    await press_ending(phone, ":consent:yes")
    await phone.send(CHAT, "London")
    for suffix in (":date:today", ":times:default", ":immune:no", ":cold_sores:no", ":skin:skip"):
        await press_ending(phone, suffix)


def assert_marked(phone, since: int) -> None:
    """For the temporary language: every text and button the patient got since ``since`` is in it."""
    for message in phone.telegram.chat(CHAT)[since:]:
        assert message.text.startswith(MARK.strip()), message.text
        for row in message.buttons:
            for label, _ in row:
                assert MARK.strip() in label or label in {"Italiano", "English"}, label


@pytest.mark.parametrize("language", LANGUAGES)
async def test_start_proposes_the_telegram_language_first(phone, language):
    """/start before consent asks the language, the Telegram one first with a "?", in that language."""
    sent = await start_in(phone, language)
    assert sent[-1].text == said(phone, language, "language.choose")
    assert sent[-1].labels[0] == said(phone, language, "language.proposed_button", language=name_of(phone, language))
    assert len(sent[-1].labels) == len(LANGUAGES)
    assert phone.store.patient(CHAT) is None  # nothing stored before consent


async def test_a_language_not_offered_gets_the_choice_and_meanwhile_english(phone):
    """A French app (French not offered) gets every language to choose from, asked in English, none proposed."""
    sent = await start_in(phone, "fr")
    assert sent[-1].text == said(phone, "en", "language.choose")
    assert not any(label.endswith("?") for label in sent[-1].labels)
    await press_ending(phone, ":en")
    assert phone.telegram.last(CHAT).text.startswith(said(phone, "en", "enrol.welcome", name_part=", Ana")[:40])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_whole_care_in_the_chosen_language(phone, language):
    """Enrolment, /mydata, a tapped check-in, /clinic, /pause and /delete all speak the chosen language; the
    clinic's alert is in English and names the patient's language."""
    await enrol_in(phone, language)
    patient = phone.store.patient(CHAT)
    assert patient.enrolled and patient.language == language
    since = len(phone.telegram.chat(CHAT))
    await phone.send(CHAT, "/mydata")
    assert any(said(phone, language, "language.mydata", language=name_of(phone, language)) in m.text
               for m in phone.telegram.chat(CHAT)[since:])
    phone.clock.advance(timedelta(days=4))
    await phone.send(CHAT, "/checkin")
    for suffix in (":safety:no", ":trend:improving", ":redness:severe", ":swelling:none", ":pain:mild",
                   ":itching:none", ":new:+none", ":fever:no"):
        await press_ending(phone, suffix)
    alert = phone.telegram.last(CLINIC_CHAT).text
    assert alert.startswith(said(phone, "en", "checkin.level_label_contact_provider")) or "Ana" in alert
    staff_line = said(phone, "en", "language.alert_language", language=name_of(phone, language))
    assert (staff_line in alert) == (language != "en")
    if language == TEMP:
        assert MARK.strip() not in alert  # the clinic reads its own language
    await phone.send(CHAT, "/clinic")
    assert phone.telegram.last(CHAT).text == said(phone, language, "clinic.ask_message")
    await phone.send(CHAT, "Eine Frage zu meinem Termin, gracias")
    relayed = phone.telegram.last(CLINIC_CHAT).text
    assert "Eine Frage zu meinem Termin, gracias" in relayed  # the patient's words as written
    assert (staff_line in relayed) == (language != "en")
    await phone.send(CHAT, "/pause")
    assert phone.telegram.last(CHAT).text == said(phone, language, "control.ask_pause")
    await phone.send(CHAT, "/delete")
    assert phone.telegram.last(CHAT).text == said(phone, language, "control.ask_delete")
    await press_ending(phone, ":del:yes")
    assert phone.telegram.last(CHAT).text == said(phone, language, "control.deleted")
    assert phone.store.patient(CHAT) is None
    if language == TEMP:
        assert_marked(phone, since)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_settings_changes_the_language(phone, language):
    """/settings' Language item switches the patient to another language, stored and spoken from then on."""
    await enrol_in(phone, "en" if language != "en" else TEMP)
    await phone.send(CHAT, "/settings")
    await press_ending(phone, ":settings:language")
    await press_ending(phone, f":{language}")
    assert phone.store.patient(CHAT).language == language
    assert phone.telegram.last(CHAT).text == said(phone, language, "language.chosen",
                                                  language=name_of(phone, language))
    await phone.send(CHAT, "/pause")
    assert phone.telegram.last(CHAT).text == said(phone, language, "control.ask_pause")


TYPED_ITEMS = [("en", "change language please", "language"), ("de", "Sprache", "language"),
               ("es", "quiero cambiar el idioma", "language"), ("en", "photos", "photos"), ("de", "Fotos", "photos"),
               ("es", "fotos", "photos")]


@pytest.mark.parametrize("language, typed, item", TYPED_ITEMS)
async def test_the_language_and_photo_items_typed_at_the_settings_menu(phone, language, typed, item):
    """At the open /settings menu, "Sprache", "idioma" or "photos" typed opens that item's question, as its button
    does, in the patient's language."""
    await enrol_in(phone, language)
    await phone.send(CHAT, "/settings")
    await phone.send(CHAT, typed)
    if item == "language":
        expected = said(phone, language, "language.current", language=name_of(phone, language))
    else:
        expected = said(phone, language, "photos.settings_off", days=join_list(language, ["1", "3", "7"]))
    assert phone.telegram.last(CHAT).text == expected


@pytest.mark.parametrize("language, title", [("de", "Nachsorge nach Microneedling"),
                                             ("es", "Cuidados tras el microneedling")])
async def test_the_enrolment_summary_names_the_plan_in_the_patients_language(phone, language, title):
    """The summary after enrolment names the plan in the patient's language, not in the plan file's English."""
    await enrol_in(phone, language)
    summary = [text for text in phone.telegram.texts(CHAT) if title in text]
    assert summary and not any("Microneedling aftercare" in text for text in phone.telegram.texts(CHAT))


async def test_commands_and_descriptions_per_language(phone):
    """Start-up sets the command menu and both descriptions for each offered language, and a default in English."""
    await phone.app.post_init(phone.app)
    menus = phone.telegram.menus
    assert set(menus) == {None, *LANGUAGES}
    for code in [None, *LANGUAGES]:
        commands = menus[code]["commands"]
        commands = json.loads(commands) if isinstance(commands, str) else commands
        described = {c["command"]: c["description"] for c in commands}
        assert described["help"] == said(phone, code or "en", "commands.help")
        assert menus[code]["description"] == said(phone, code or "en", "language.bot_description")
        assert menus[code]["short_description"] == said(phone, code or "en", "language.bot_short_description")

"""Every language folder of the catalog says everything English says: the same keys, the same placeholders, and
every text renders with the values the code passes (those of test_catalog_texts.py)."""

from __future__ import annotations

import string
import tomllib
from datetime import datetime, timezone
from importlib import resources

import pytest

from messages.catalog import DEFAULT_LANGUAGE, META, load_catalog
from messages.formatting import written_date
from messages.reading import installed_languages
from messages.reading_lexicon import load_lexicon
from tests.test_catalog_texts import NOT_PATIENT_FACING, SAMPLE, clinic, problems  # noqa: F401 (clinic: a fixture)

FOLDER = resources.files("messages").joinpath("catalog")
LANGUAGES = sorted(entry.name for entry in FOLDER.iterdir() if entry.is_dir() and entry.name != DEFAULT_LANGUAGE)
TYPED_ONLY = {"words.toml", "formats.toml"}


def _areas(language: str) -> dict[str, dict[str, str]]:
    """Each ``<area>.toml`` of the language's own folder (no English fallback), as flat key -> text."""
    out: dict[str, dict[str, str]] = {}
    for entry in FOLDER.joinpath(language).iterdir():
        if entry.name.endswith(".toml") and entry.name != META:
            table = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name.removesuffix(".toml")] = _flat(table)
    return out


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


ENGLISH = _areas(DEFAULT_LANGUAGE)


def _files(language: str) -> set[str]:
    return {entry.name for entry in FOLDER.joinpath(language).iterdir() if entry.name.endswith(".toml")}


def _placeholders(text: str) -> set[str]:
    return {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(text) if field}


def test_there_are_languages_besides_english():
    """German and Spanish are shipped."""
    assert {"de", "es"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_area_and_key_of_english_is_there(language):
    """The language has every file and every key English has, and no key English lacks."""
    own = _areas(language)
    for area in own:  # whatever is there matches English key for key
        assert set(own[area]) == set(ENGLISH.get(area, {})), area
    if _files(language) <= TYPED_ONLY:
        pytest.skip(f"{language}: only the typed word lists and date formats so far")
    assert set(own) == set(ENGLISH)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_has_the_placeholders_of_english(language):
    """Each translated text uses exactly the placeholders of its English text, so the code fills them all."""
    own = _areas(language)
    def fits(area: str, key: str, text: str) -> bool:
        english = _placeholders(ENGLISH[area][key])
        if area == "formats":  # CLDR patterns (no placeholders), with a time where English has one
            return not _placeholders(text) and ("HH" in ENGLISH[area][key]) == ("HH" in text)
        return _placeholders(text) == english

    wrong = {f"{area}.{key}": (_placeholders(text), _placeholders(ENGLISH[area][key]))
             for area, texts in own.items() for key, text in texts.items()
             if key in ENGLISH.get(area, {}) and not fits(area, key, text)}
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_renders_with_the_values_the_code_passes(language, clinic):  # noqa: F811
    """Every text of the language renders with the sample values and each clinic profile, leaving no brace, and a
    patient-facing one with no doubled punctuation, blank left by an empty field or out-of-hours advice inside a
    sentence (the checks of test_catalog_texts.py)."""
    catalog = load_catalog(language)
    values = {**SAMPLE, **clinic.contact_values()}
    bad = {}
    for key in sorted(catalog.texts):
        text = catalog.render(key, **{name: values.get(name, "etwas") for name in catalog.placeholders(key)})
        if "{" in text or "}" in text or "\n\n\n" in text:
            bad[key] = text[:120]
        elif not NOT_PATIENT_FACING.match(key) and (issues := problems(text, clinic.out_of_hours)):
            bad[key] = (issues, text[:120])
    assert bad == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_meta_names_the_language_and_whether_it_was_reviewed(language):
    """meta.toml says the language's own name and whether a clinician has read it."""
    if _files(language) <= TYPED_ONLY:
        pytest.skip(f"{language}: only the typed word lists and date formats so far")
    meta = tomllib.loads(FOLDER.joinpath(language, META).read_text(encoding="utf-8"))
    assert isinstance(meta["name"], str) and meta["name"] and isinstance(meta["reviewed"], bool)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_format_is_a_pattern_babel_writes(language):
    """Each date style of the language is a CLDR pattern that Babel writes with that language's own names."""
    catalog = load_catalog(language)
    for key in (k for k in catalog.texts if k.startswith("formats.")):
        written = written_date(language, catalog.render(key), datetime(2026, 11, 20, 9, 5, tzinfo=timezone.utc))
        assert "20" in written and "{" not in written, (key, written)

@pytest.mark.parametrize("language", [DEFAULT_LANGUAGE, *LANGUAGES])
def test_every_sign_a_lexicon_reads_has_its_own_question_in_the_language(language):
    """Every sign token any installed lexicon reads has its own one-tap question ("is the treated skin very
    swollen right now?") in the language, so no sign is asked with the generic "is this happening right now?"."""
    catalog = load_catalog(language)
    tokens = {token for code in installed_languages() for token in load_lexicon(code).tokens}
    assert sorted(t for t in tokens if not catalog.has("checkin.now_" + t.replace(":", "_"))) == []

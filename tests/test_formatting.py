"""Plurals, lists and relative times per language (messages/formatting.py, CLDR through Babel), and plural tables in
the catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messages.catalog import Catalog, load_catalog
from messages.formatting import ago, join_list, language_name, plural_form


@pytest.mark.parametrize("language, count, form", [
    ("en", 1, "one"), ("en", 0, "other"), ("en", 3, "other"), ("de", 1, "one"), ("de", 2, "other"),
    ("es", 1, "one"), ("es", 5, "other"), ("pl", 3, "few"), ("pl", 5, "many"), ("ru", 21, "one"),
])
def test_plural_forms_follow_each_languages_rules(language, count, form):
    """The plural category of a count is the language's own (Polish has "few" and "many")."""
    assert plural_form(language, count) == form


@pytest.mark.parametrize("language, joined", [("en", "A, B and C"), ("de", "A, B und C"), ("es", "A, B y C")])
def test_lists_are_joined_the_languages_way(language, joined):
    """Three items are joined with the language's "and", English without an Oxford comma (British source)."""
    assert join_list(language, ["A", "B", "C"]) == joined
    assert join_list(language, ["A"]) == "A" and join_list(language, []) == ""


@pytest.mark.parametrize("language, minutes, said", [
    ("en", 5, "5 minutes ago"), ("en", 1, "1 minute ago"), ("de", 5, "vor 5 Minuten"), ("es", 5, "hace 5 minutos"),
    ("en", 0, "1 minute ago"),
])
def test_relative_times_in_words(language, minutes, said):
    """How long ago, in the language's words (never "0 minutes ago")."""
    assert ago(language, timedelta(minutes=minutes)) == said


def test_a_plural_table_picks_the_form_of_the_count():
    """A catalog text may be a table of plural forms; "other" is what checks of keys and placeholders read."""
    catalog = Catalog("en", {"t.days": "{count} days"}, {"t.days": {"one": "{count} day", "other": "{count} days"}})
    assert catalog.render("t.days", count=1) == "1 day" and catalog.render("t.days", count=4) == "4 days"
    assert load_catalog("en").render("control.pause_days", days=1, count=1) == "1 day"


def test_english_meta_names_the_language_and_is_reviewed():
    """messages/catalog/en/meta.toml: English, reviewed (the clinic's source text)."""
    catalog = load_catalog("en")
    assert catalog.name == "English" and catalog.reviewed is True
    assert language_name("de") == "Deutsch"


@pytest.mark.parametrize("lines, problem", [
    ('languages = ["en", "qq"]', "'qq' is not a language code"),
    ('languages = "en"', "languages must list language codes"),
    ('clinic_language = "fr"', "clinic_language 'fr' has no catalog"),
    ('clinic_language = "xx-yy-zz"', "clinic_language must be a language code"),
])
def test_the_clinic_profile_checks_its_languages(tmp_path, lines, problem):
    """Offered languages must be real codes, and the clinic chat's language needs a catalog."""
    from pathlib import Path

    from bot.clinic_profile import ClinicFileError, default_clinic_file, load_clinic

    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace('subdivision = "ENG"\n',
                                                                           f'subdivision = "ENG"\n{lines}\n')
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClinicFileError) as error:
        load_clinic(path)
    assert any(problem in p for p in error.value.problems)


def test_the_clinic_profile_languages_default_to_aftercare_language(tmp_path):
    """A profile naming no languages offers AFTERCARE_LANGUAGE only, and its chat speaks it; named ones are kept."""
    from pathlib import Path

    from bot.clinic_profile import default_clinic_file, load_clinic, render_clinic

    profile = load_clinic(default_clinic_file())
    assert profile.offered_languages("en") == ("en",) and profile.staff_language("en") == "en"
    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace(
        'subdivision = "ENG"\n', 'subdivision = "ENG"\nlanguages = ["de", "en"]\nclinic_language = "en"\n')
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_clinic(path)
    assert profile.offered_languages("en") == ("de", "en") and profile.staff_language("de") == "en"
    path.write_text(render_clinic(profile), encoding="utf-8")
    assert load_clinic(path) == profile  # written back by setup unchanged

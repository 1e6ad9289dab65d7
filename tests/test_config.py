"""Settings: read from a mapping (and .env), frozen, and every bad value named in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clinic_profile import default_clinic_file
from bot.config import ConfigError, environment_with_dotenv, load_settings, read_dotenv
from tests.conftest import TOKEN


def env(tmp_path, **overrides):
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path), **overrides}


def test_defaults_need_only_a_token(tmp_path):
    """With only a token the shipped clinic profile, Telegram's URLs and no clinic chat are used."""
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.api_url == "https://api.telegram.org/bot" and str(settings.data_dir) == "data"
    assert settings.clinic_file == default_clinic_file() and settings.clinic.name == "Example Skin Clinic"
    assert settings.clinic_chat_id is None and settings.admin_ids == frozenset()
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize("overrides, named", [
    ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
    ({"TELEGRAM_BOT_TOKEN": "no-colon"}, "TELEGRAM_BOT_TOKEN does not look like"),
    ({"AFTERCARE_CLINIC_CHAT_ID": "staff"}, "AFTERCARE_CLINIC_CHAT_ID must be a whole number"),
    ({"AFTERCARE_ADMIN_IDS": "12, bob"}, "AFTERCARE_ADMIN_IDS must be comma-separated"),
    ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL must start with http"),
    ({"AFTERCARE_CLINIC_FILE": "/nonexistent/clinic.toml"}, "AFTERCARE_CLINIC_FILE: clinic file"),
])
def test_bad_values_name_the_variable(tmp_path, overrides, named):
    """A missing or malformed value stops start-up with one line naming the variable."""
    with pytest.raises(ConfigError) as error:
        load_settings(env(tmp_path, **overrides))
    assert named in str(error.value) and "\n" not in str(error.value)
    assert TOKEN not in str(error.value)


@pytest.mark.parametrize("edit, named", [
    (lambda t: t.replace('phone = "+44 20 7946 0000"\n', ""), "[clinic] phone is missing"),
    (lambda t: t.replace('morning = "08:00"', 'morning = "8 o\'clock"'), "[reminders] morning must be a time"),
    (lambda t: t.replace('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'), "not a known IANA zone"),
    (lambda t: t + "\n[sunscreen]\nstart_day = 1\nend_day = 30\n", "[sunscreen] moved to the care plan"),
    (lambda t: t + "\n[[[", "cannot be read"),
])
def test_a_malformed_clinic_profile_names_the_file_and_field(tmp_path, edit, named):
    """A broken clinic profile is refused with its path and the field at fault."""
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(edit(Path(default_clinic_file()).read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(env(tmp_path, AFTERCARE_CLINIC_FILE=str(clinic)))
    assert named in str(error.value) and str(clinic) in str(error.value)


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    """.env supplies values; a real environment variable overrides it; comments and quotes are handled."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nexport AFTERCARE_ADMIN_IDS='1,2'\nTELEGRAM_BOT_TOKEN=\"1:from-file\"\n\n")
    assert read_dotenv(dotenv) == {"AFTERCARE_ADMIN_IDS": "1,2", "TELEGRAM_BOT_TOKEN": "1:from-file"}
    merged = environment_with_dotenv({"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv)
    assert merged["TELEGRAM_BOT_TOKEN"] == TOKEN and merged["AFTERCARE_ADMIN_IDS"] == "1,2"
    assert load_settings(merged).admin_ids == frozenset({1, 2})


def test_a_corrupt_dotenv_line_is_named(tmp_path):
    """A .env line that is not KEY=VALUE stops start-up with the file and line number."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("TELEGRAM_BOT_TOKEN=1:x\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"\.env line 2: expected KEY=VALUE"):
        read_dotenv(dotenv)

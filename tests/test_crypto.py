"""Encryption at rest: what patients type is sealed with a key kept outside the data folder."""

from __future__ import annotations

import io
import logging
import os
from contextlib import redirect_stderr

import pytest

from bot.serve import run
from bot.tools.cli import keygen_command
from bot.config import ConfigError, load_settings
from bot.crypto import DataKeyError, Sealer, new_key
from bot.store import open_store
from tests.conftest import DATA_KEY, TOKEN, enrol

CHAT = 1001
NAME = "Zanzibarina"
WORDS = "my throat feels tight zebraquartz"


def raw_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("aftercare.db"))


async def test_typed_words_and_names_never_reach_the_disk_in_clear(phone, settings):
    """A patient's name and free text are unreadable in the raw database bytes, yet readable through the store."""
    await phone.send(CHAT, "/start", first_name=NAME)
    await phone.feed(phone.telegram.callback(CHAT, phone.last(CHAT).data_for("I agree"), first_name=NAME))
    await phone.send(CHAT, "Use Europe/London")
    await phone.tap(CHAT, "Today")
    for label in ("Use 08:00", "No", "No", "Skip"):
        await phone.tap(CHAT, label)
    await phone.send(CHAT, WORDS)
    data = raw_bytes(settings.data_dir)
    assert NAME.encode() not in data and b"zebraquartz" not in data
    assert phone.store.patient(CHAT).display_name == NAME
    export = phone.store.export_patient(CHAT)
    assert export["patients"][0]["display_name"] == NAME
    assert export["verdicts"][0]["patient_text"] == WORDS


async def test_wrong_key_is_refused_when_the_store_opens(phone, settings):
    """A database written with one key will not open with another."""
    await enrol(phone)
    with pytest.raises(DataKeyError):
        open_store(settings.database_path, Sealer(new_key()))


@pytest.fixture
def root_logging():
    """`run` configures logging before it opens the store: put the root logger back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


def test_run_refuses_a_missing_or_wrong_key(tmp_path, root_logging):
    """`aftercare run` stops with a clear line when the key is missing or is not this database's."""
    base = {"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path),
            "TELEGRAM_API_URL": "http://127.0.0.1:9/bot"}
    err = io.StringIO()
    with redirect_stderr(err):
        assert run(base) == 2
    assert "AFTERCARE_DATA_KEY_FILE (or AFTERCARE_DATA_KEY) is not set" in err.getvalue()
    open_store(tmp_path / "aftercare.db", Sealer(DATA_KEY)).close()
    err = io.StringIO()
    with redirect_stderr(err):
        assert run({**base, "AFTERCARE_DATA_KEY": new_key()}) == 2
    assert "does not match this database" in err.getvalue()


@pytest.mark.parametrize("key", ["not-a-key", "x" * 44])
def test_malformed_key_names_the_variable(tmp_path, key):
    """A malformed key is a configuration error naming the variable, never echoing the key."""
    with pytest.raises(ConfigError, match="AFTERCARE_DATA_KEY:") as error:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": key})
    assert key not in str(error.value)


def test_key_file_inside_the_data_folder_is_refused(tmp_path):
    """Keeping the key beside the data would let a copy of the folder be read: refused."""
    key_file = tmp_path / "key"
    key_file.write_text(new_key())
    with pytest.raises(ConfigError, match="outside the data folder"):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path),
                       "AFTERCARE_DATA_KEY_FILE": str(key_file)})


def test_keygen_writes_an_owner_only_key_and_never_overwrites(tmp_path, capsys):
    """`aftercare keygen` writes a usable key 0600 and refuses to replace an existing one."""
    path = tmp_path / "aftercare.key"
    assert keygen_command([str(path)]) == 0
    assert os.stat(path).st_mode & 0o777 == 0o600
    Sealer(path.read_text().strip())
    before = path.read_text()
    assert keygen_command([str(path)]) == 2
    assert path.read_text() == before
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_DIR": str(tmp_path / "data"),
                              "AFTERCARE_DATA_KEY_FILE": str(path)})
    assert settings.data_key == before.strip() and before.strip() not in repr(settings)

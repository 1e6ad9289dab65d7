"""`aftercare fleet`: several clinics on one host, each in its own folder with its own .env, token, data folder
and key; the list refused before anything runs when two clinics share a name, folder, data folder or token; and
`fleet doctor` and `fleet backup` run as one process per clinic, one clinic's fault staying its own."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.crypto import write_key_file
from bot.store import open_store
from bot.tools.fleet import fleet_command
from tests.conftest import DATA_KEY

OTHER_KEY = "eDIhXF6U0ZCqzUkP7pLtp2h1v1Fb7oHl2lqGQgGm0fc="
RIVERSIDE_TOKEN = "111111:riverside-token-abcdefghijklmnopqrstu"
NORTHGATE_TOKEN = "222222:northgate-token-abcdefghijklmnopqrstu"


def clinic_folder(root: Path, name: str, key: str | None = None, **env: str) -> Path:
    """A clinic's folder as `aftercare setup` leaves it: .env, and a database in ./data sealed with its key."""
    folder = root / name
    folder.mkdir()
    key_file = folder / ".aftercare.key"
    if key is None:
        write_key_file(key_file)
    else:
        key_file.write_text(key)
        os.chmod(key_file, 0o600)
    lines = {"AFTERCARE_DATA_KEY_FILE": ".aftercare.key", **env}
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    settings = load_settings({"AFTERCARE_DATA_DIR": str(folder / "data"), "AFTERCARE_DATA_KEY_FILE": str(key_file)},
                             require_token=False)
    (folder / "data").mkdir(mode=0o700)
    open_store(settings.database_path, settings.sealer()).close()
    return folder


def fleet(root: Path, *argv: str, runner=None, environ: dict | None = None) -> tuple[int, str]:
    out = io.StringIO()
    more = {"runner": runner} if runner else {}
    code = fleet_command({"AFTERCARE_FLEET_FILE": str(root / "fleet.txt"), **(environ or {})}, list(argv),
                         out=out, **more)
    return code, out.getvalue()


def never(argv, folder, environ):
    raise AssertionError("nothing may run for a refused fleet")


def test_fleet_list_names_each_clinic_its_folder_and_service(tmp_path):
    """`fleet list` reads the fleet file (comments, relative folders from the file's folder) and names each
    clinic with its folder and its service instance."""
    clinic_folder(tmp_path, "riverside", TELEGRAM_BOT_TOKEN=RIVERSIDE_TOKEN)
    clinic_folder(tmp_path, "northgate", TELEGRAM_BOT_TOKEN=NORTHGATE_TOKEN)
    (tmp_path / "fleet.txt").write_text("# the chain\nriverside riverside\nnorthgate  ./northgate  # new\n")
    code, out = fleet(tmp_path, "list", runner=never)
    assert code == 0
    assert out.splitlines() == [f"riverside: {tmp_path / 'riverside'} (service aftercare@riverside)",
                                f"northgate: {tmp_path / 'northgate'} (service aftercare@northgate)"]


@pytest.mark.parametrize("case,says", [
    ("token", "riverside and northgate share one bot token (TELEGRAM_BOT_TOKEN; two bots on one token take each "
              "other's messages): create a bot per clinic with @BotFather: each clinic needs its own token"),
    ("data", "riverside and northgate share the data folder {root}/shared-data: each clinic needs its own data "
             "folder"),
    ("folder", "riverside and northgate share the folder {root}/riverside: each clinic needs its own folder"),
    ("name", "riverside ({root}/riverside) and riverside ({root}/northgate) share the name riverside: each clinic "
             "needs its own name"),
])
def test_two_clinics_on_one_token_data_folder_folder_or_name_are_refused(tmp_path, case, says):
    """Two clinics on one token, one data folder, one folder or one name: every command is refused with the
    clash named, and nothing runs; the token itself is never printed."""
    shared = {"AFTERCARE_DATA_DIR": "../shared-data"} if case == "data" else {}
    clinic_folder(tmp_path, "riverside", TELEGRAM_BOT_TOKEN=RIVERSIDE_TOKEN, **shared)
    clinic_folder(tmp_path, "northgate",
                  TELEGRAM_BOT_TOKEN=RIVERSIDE_TOKEN if case == "token" else NORTHGATE_TOKEN, **shared)
    second = {"folder": "northgate riverside", "name": "riverside northgate"}.get(case, "northgate northgate")
    (tmp_path / "fleet.txt").write_text(f"riverside riverside\n{second}\n")
    code, out = fleet(tmp_path, "doctor", runner=never)
    assert code == 2
    assert f"error: {says.format(root=tmp_path)}" in out.splitlines()
    assert out.splitlines()[-1] == f"nothing was run: fix {tmp_path / 'fleet.txt'} or the clinics' .env first"
    assert RIVERSIDE_TOKEN not in out


@pytest.mark.parametrize("text,says", [
    ("Riverside /srv/x\n", "line 1: expected `NAME FOLDER`"),
    ("riverside\n", "line 1: expected `NAME FOLDER`"),
    ("# nobody yet\n", "lists no clinic"),
    (None, "there is no fleet file"),
])
def test_a_malformed_or_missing_fleet_file_is_one_line_with_its_fix(tmp_path, text, says):
    """A line without a folder, a name that cannot be a service instance, an empty or missing file: one line, exit 2."""
    if text is not None:
        (tmp_path / "fleet.txt").write_text(text)
    code, out = fleet(tmp_path, "status", runner=never)
    assert code == 2 and out.startswith("error: ") and says in out and len(out.splitlines()) == 1


@pytest.mark.process
def test_fleet_doctor_and_backup_run_each_clinic_in_its_own_process(tmp_path):
    """Over two clinic folders, `fleet doctor` runs each clinic's own doctor (its .env, not the operator's
    variables): a damaged database in one fails that clinic only; `fleet backup DIR` writes each clinic's backup
    into DIR/NAME/, sealed with that clinic's own key."""
    riverside = clinic_folder(tmp_path, "riverside", key=DATA_KEY)
    northgate = clinic_folder(tmp_path, "northgate", key=OTHER_KEY)
    (tmp_path / "fleet.txt").write_text("riverside riverside\nnorthgate northgate\n")
    operator = {**os.environ, "AFTERCARE_DATA_DIR": str(tmp_path / "nowhere")}  # must not reach a clinic
    code, out = fleet(tmp_path, "backup", str(tmp_path / "copies"), environ=operator)
    assert code == 0, out
    for name, key in (("riverside", DATA_KEY), ("northgate", OTHER_KEY)):
        [copy] = (tmp_path / "copies" / name).glob("aftercare-*.db")
        settings = load_settings({"AFTERCARE_DATA_DIR": str(tmp_path / name / "data"), "AFTERCARE_DATA_KEY": key},
                                 require_token=False)
        open_store(copy, settings.sealer()).close()  # opens with this clinic's key
    assert out.splitlines()[-1] == "fleet backup: 2 of 2 clinics ok"
    with open(northgate / "data" / "aftercare.db", "r+b") as handle:
        handle.write(b"\0" * 100)  # the SQLite header gone
    code, out = fleet(tmp_path, "doctor", environ=operator)
    lines = out.splitlines()
    assert code == 1
    assert f"== riverside ({riverside}): ok" in lines
    assert f"== northgate ({northgate}): FAILED (exit 1)" in lines
    assert any(line.startswith("   problem: database: ") for line in lines[lines.index(
        f"== northgate ({northgate}): FAILED (exit 1)"):])
    assert lines[-1] == "fleet doctor: 1 of 2 clinics ok; look at northgate"

"""`aftercare doctor`: one line per check, non-zero exit on any problem, never the token."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from bot.tools.doctor import doctor_command
from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
from bot.store import open_store
from bot.crypto import Sealer, new_key
from tests.conftest import DATA_KEY, TOKEN


def run(environ, request=None, key: str | None = DATA_KEY) -> tuple[int, list[str]]:
    """The doctor's exit code and lines; the data key is set unless ``key`` is None."""
    out = io.StringIO()
    code = doctor_command({**environ, **({"AFTERCARE_DATA_KEY": key} if key else {})}, out=out, request=request)
    return code, out.getvalue().splitlines()


def problems(lines):
    return [line for line in lines if line.startswith("problem:")]


def test_all_good_without_token(tmp_path):
    """A fresh data folder and no token: every check passes and the token check is skipped."""
    os.chmod(tmp_path, 0o700)
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert code == 0 and problems(lines) == []
    assert any("care plan microneedling" in line for line in lines)
    assert any("token not checked" in line for line in lines)
    assert not (tmp_path / "aftercare.db").exists()  # the doctor does not create the database


def test_existing_database_is_checked(tmp_path):
    """An existing owner-only database with every migration passes."""
    os.chmod(tmp_path, 0o700)
    open_store(tmp_path / "aftercare.db", Sealer(DATA_KEY)).close()
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert code == 0 and any("owner-only, intact, and opens with the data key" in line for line in lines)


def test_missing_or_wrong_data_key_is_a_problem(tmp_path):
    """No data key, or a key that is not this database's, is reported: the bot would not start."""
    os.chmod(tmp_path, 0o700)
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)}, key=None)
    assert code == 1 and "no data key is set" in problems(lines)[0]
    open_store(tmp_path / "aftercare.db", Sealer(DATA_KEY)).close()
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)}, key=new_key())
    assert code == 1 and "does not match this database" in problems(lines)[0]
    before = (tmp_path / "aftercare.db").read_bytes()
    run({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert (tmp_path / "aftercare.db").read_bytes() == before  # the doctor only reads


def test_world_readable_database_is_a_problem(tmp_path):
    """A database file readable by others is reported with the fix, and exits non-zero."""
    os.chmod(tmp_path, 0o700)
    open_store(tmp_path / "aftercare.db").close()
    os.chmod(tmp_path / "aftercare.db", 0o644)
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert code == 1 and "chmod 600" in problems(lines)[0]


def test_open_data_folder_and_missing_folder(tmp_path):
    """A group-readable data folder and a missing one are problems."""
    os.chmod(tmp_path, 0o755)
    assert "chmod 700" in problems(run({"AFTERCARE_DATA_DIR": str(tmp_path)})[1])[0]
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path / "nope")})
    assert code == 1 and "does not exist" in problems(lines)[0]


def test_bad_configuration_names_the_variable(tmp_path):
    """A malformed setting is one problem line naming the variable."""
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_CLINIC_CHAT_ID": "abc"})
    assert code == 1 and len(lines) == 1 and lines[0].startswith("problem:") and "AFTERCARE_CLINIC_CHAT_ID" in lines[0]


def test_missing_clinic_file(tmp_path):
    """A clinic profile that does not exist is reported."""
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_CLINIC_FILE": str(tmp_path / "x.toml")})
    assert code == 1 and "AFTERCARE_CLINIC_FILE" in problems(lines)[0]


def test_clinic_plan_that_does_not_exist(tmp_path):
    """A clinic profile naming an unknown care plan is a problem."""
    from bot.clinic_profile import default_clinic_file
    from pathlib import Path
    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace('plan = "microneedling"', 'plan = "peel"')
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(text, encoding="utf-8")
    os.chmod(tmp_path, 0o700)
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_CLINIC_FILE": str(clinic)})
    assert code == 1 and "'peel'" in problems(lines)[0]


def test_token_accepted_by_telegram(tmp_path):
    """With a token, getMe against the (fake) Bot API must succeed; the token is never printed."""
    os.chmod(tmp_path, 0o700)
    telegram = FakeTelegram()
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN}, FakeRequest(telegram))
    assert code == 0 and any("@aftercare_test_bot" in line for line in lines)
    assert any(method == "getMe" for method, _ in telegram.calls)
    assert all(TOKEN not in line and TOKEN.split(":")[1] not in line for line in lines)


def test_token_rejected_or_unreachable(tmp_path):
    """A rejected token and an unreachable API are one problem line each, without the token."""
    os.chmod(tmp_path, 0o700)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN}
    for kind, expected in (("forbidden", "rejected"), ("network", "could not reach")):
        telegram = FakeTelegram()
        telegram.fail_next("getMe", kind, times=5)
        code, lines = run(environ, FakeRequest(telegram))
        assert code == 1 and expected in problems(lines)[0]
        assert TOKEN not in "\n".join(lines)


def test_an_older_database_lists_the_migrations_to_come(tmp_path):
    """A database from an earlier version passes and names the migrations the next start applies."""
    import sqlite3

    from sqlite_utils import Database

    from bot.store.migrations import migrations
    os.chmod(tmp_path, 0o700)
    path = tmp_path / "aftercare.db"
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="0005_patient_quiet_hours")
    conn.close()
    os.chmod(path, 0o600)
    code, lines = run({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert code == 0 and any("will be applied at the next start: 0005_patient_quiet_hours" in l for l in lines)


def offering(tmp_path: Path, languages: list[str], reviewed: bool) -> dict[str, str]:
    """The environment of a clinic whose profile offers ``languages``, with an Italian catalog folder (its
    meta.toml ``reviewed`` as given) in AFTERCARE_CATALOG_DIR."""
    from bot.clinic_profile import default_clinic_file

    os.chmod(tmp_path, 0o700)
    catalogs = tmp_path / "catalog"
    (catalogs / "it").mkdir(parents=True)
    (catalogs / "it" / "meta.toml").write_text(f'name = "Italiano"\nreviewed = {str(reviewed).lower()}\n',
                                               encoding="utf-8")
    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace(
        'subdivision = "ENG"\n', f'subdivision = "ENG"\nlanguages = {json.dumps(languages)}\n')
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(text, encoding="utf-8")
    return {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_CLINIC_FILE": str(clinic),
            "AFTERCARE_CATALOG_DIR": str(catalogs)}


def test_catalog_gaps_of_an_offered_language_are_warnings(tmp_path):
    """An offered language without a folder, with keys missing, other placeholders or not reviewed is warned about,
    and --strict fails on it; English alone passes."""
    environ = offering(tmp_path, ["en", "it", "pt"], reviewed=False)
    (tmp_path / "catalog" / "it" / "commands.toml").write_text('help = "Cosa posso fare {oops}"\n', encoding="utf-8")
    code, lines = run(environ)
    warned = [line for line in lines if line.startswith("warning:") and "language" in line]
    assert code == 0 and any("language pt: offered, but there is no catalog folder" in line for line in warned)
    assert any("language it:" in line and "missing versus English" in line for line in warned)
    assert any("language it: placeholders differ from English in commands.help" in line for line in warned)
    assert any("language it: meta.toml says reviewed = false" in line for line in warned)
    assert not any("language en" in line for line in warned)
    out = io.StringIO()
    assert doctor_command({**environ, "AFTERCARE_DATA_KEY": DATA_KEY}, out=out, argv=["--strict"]) == 1


def test_an_offered_language_needs_a_reviewed_warning_sign_lexicon(tmp_path):
    """Rules P4g: an offered language without a lexicon, or with one not marked reviewed, is warned about (so
    --strict fails); English, the source lexicon, passes."""
    code, lines = run(offering(tmp_path, ["en", "de", "es", "it"], reviewed=True))
    warned = [line for line in lines if line.startswith("warning:") and "lexicon" in line]
    assert code == 0
    assert any("language it: offered, but there is no warning-sign lexicon messages/lexicon/it.toml" in line
               for line in warned)
    for code_ in ("de", "es"):
        assert any(f"language {code_}: its warning-sign lexicon" in line and "reviewed = false" in line
                   for line in warned)
    assert not any("language en" in line for line in warned)
    assert any("language en: warning-sign lexicon" in line and "reviewed" in line for line in lines)

"""Going live safely: the go-live warnings at start-up and in `aftercare doctor`, every command's --help,
one clear line for an unusable data folder, and where a malformed token came from."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.clinic_profile import default_clinic_file
from bot.crypto import write_key_file
from bot.readiness import fictional_phone
from bot.tools import cli
from bot.tools.doctor import doctor_command
from tests.conftest import DATA_KEY
from tests.doubles.bot_api_server import FakeBotServer
from tests.test_process import ROOT, BotProcess, bot_env, polling

READY = {"AFTERCARE_CLINIC_CHAT_ID": "-1001234567890", "AFTERCARE_ADMIN_IDS": "4242"}


def own_profile(folder: Path) -> str:
    """A clinic profile like the example's, with a real-looking phone number; returns its path."""
    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace("+44 20 7946 0000", "+44 161 496 1234")
    path = folder / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def doctor(environ: dict[str, str], *argv: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = doctor_command({"AFTERCARE_DATA_KEY": DATA_KEY, **environ}, out=out, argv=list(argv))
    return code, out.getvalue().splitlines()


def warnings(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("warning:")]


@pytest.mark.parametrize("phone, fictional", [("+44 20 7946 0000", True), ("020 7946 0123", True),
                                              ("+44 (0)20 7946-0999", False), ("+44 161 496 1234", False)])
def test_fictional_phone_numbers(phone, fictional):
    """The example profile's drama-range number is recognised, however it is written; real ones are not."""
    assert fictional_phone(phone) is fictional


def test_doctor_warns_about_example_profile_no_clinic_chat_and_no_admins(tmp_path):
    """With the shipped defaults the doctor passes but warns three times, and --strict fails on them."""
    os.chmod(tmp_path, 0o700)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path)}
    code, lines = doctor(environ)
    found = warnings(lines)
    assert code == 0 and len(found) == 3, lines
    assert "+44 20 7946 0000" in found[0] and "AFTERCARE_CLINIC_CHAT_ID" in found[1] and "/clinicid" in found[1]
    assert "AFTERCARE_ADMIN_IDS" in found[2] and "/myid" in found[2]
    assert doctor(environ, "--strict")[0] == 1


def test_doctor_strict_passes_once_the_clinic_is_set_up(tmp_path):
    """An own profile, a clinic chat and an admin: no warnings, and --strict passes."""
    os.chmod(tmp_path, 0o700)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path / "data"), "AFTERCARE_CLINIC_FILE": own_profile(tmp_path), **READY}
    code, lines = doctor(environ, "--strict")
    assert code == 1 and "does not exist; create it" in "\n".join(lines)  # a named folder must exist, as for run
    (tmp_path / "data").mkdir(mode=0o700)
    code, lines = doctor(environ, "--strict")
    assert code == 0 and warnings(lines) == [], lines


def test_doctor_is_fine_with_the_default_data_folder_missing(tmp_path, monkeypatch):
    """`./data` not existing yet is fine: `aftercare run` creates it."""
    monkeypatch.chdir(tmp_path)
    code, lines = doctor({})
    assert code == 0 and any("does not exist yet; it is created (owner-only) on first start" in l for l in lines)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_command_prints_its_help(command, capsys, tmp_path, monkeypatch):
    """`aftercare COMMAND --help` prints that command's usage and exits 0, without doing anything."""
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main([command, "--help"])
    except SystemExit as stop:  # argparse's own --help exits
        code = stop.code
    assert code == 0
    assert capsys.readouterr().out.startswith(f"usage: aftercare {command}")
    assert list(tmp_path.iterdir()) == []  # nothing was created: the command did not run


def test_no_command_prints_the_commands_and_how_to_start(capsys):
    """`aftercare` alone lists every command, says how to start, and exits 2 (as the README says)."""
    assert cli.main([]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert "aftercare setup" in out and "aftercare run" in out and "python3 tasks.py run" in out
    assert cli.main(["--help"]) == 0
    assert cli.main(["nonsense"]) == 2


# Run as root, a process may write anywhere through CAP_DAC_OVERRIDE, so a read-only folder is no test. The
# child drops that one capability from its bounding set before it execs the CLI: it stays the same user, so it
# can still run this checkout's python wherever the checkout lies (a private 0700 folder included; switching
# to another user could not), and keeps CAP_DAC_READ_SEARCH, which never grants a write. Not root: nothing
# to drop, the folder's mode is enough.
WITHOUT_DAC_OVERRIDE = """
import ctypes, os, sys
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE = 24, 1
if os.geteuid() == 0 and ctypes.CDLL(None, use_errno=True).prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
    sys.exit(77)
os.execv(sys.executable, [sys.executable, "-m", "bot.tools.cli", *sys.argv[1:]])
"""


def unprivileged_run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m bot.tools.cli ARGS`` as this user, but never able to write past a folder's mode."""
    done = subprocess.run([sys.executable, "-c", WITHOUT_DAC_OVERRIDE, *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    if done.returncode == 77:
        pytest.skip("running as root without CAP_SETPCAP: cannot give up CAP_DAC_OVERRIDE for this test")
    return done


@pytest.fixture
def unwritable():
    """A data folder its own user cannot write (read-only by its mode, and no DAC override: see above)."""
    base = Path(tempfile.mkdtemp(prefix="aftercare-ro-"))
    data = base / "data"
    data.mkdir()
    os.chmod(data, 0o555)
    key = base / "data.key"
    write_key_file(key)
    yield base
    os.chmod(data, 0o755)
    shutil.rmtree(base)


@pytest.mark.process
def test_an_unwritable_data_folder_is_one_clear_line(unwritable):
    """doctor and run both name the folder and the user in one line: no traceback."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(unwritable),
           "MPLCONFIGDIR": str(unwritable), "AFTERCARE_DATA_DIR": str(unwritable / "data"),
           "AFTERCARE_DATA_KEY_FILE": str(unwritable / "data.key"), "AFTERCARE_LOG_FORMAT": "json",
           "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9/bot"}
    checked = unprivileged_run(["doctor"], env, unwritable)
    problems = [line for line in checked.stdout.splitlines() if line.startswith("problem:")]
    assert checked.returncode == 1 and "Traceback" not in checked.stdout + checked.stderr
    assert any("is not writable by the user" in line and str(unwritable / "data") in line for line in problems)
    started = unprivileged_run(["run"], env, unwritable)
    assert started.returncode == 2 and started.stdout == "", started.stderr
    assert started.stderr.count("\n") == 1 and "is not writable by the user" in started.stderr, started.stderr


@pytest.mark.process
def test_a_malformed_token_says_where_it_came_from(tmp_path):
    """A token that is not digits:letters stops start-up with a line naming the .env file it was read from."""
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=pasted the wrong thing\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "AFTERCARE_LOG_FORMAT": "json"}
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "does not look like a bot token" in result.stderr
    assert f"read from TELEGRAM_BOT_TOKEN in {(tmp_path / '.env').resolve()}" in result.stderr
    assert "pasted the wrong thing" not in result.stderr  # never the value itself


@pytest.mark.process
@pytest.mark.parametrize("ready", [False, True])
def test_start_up_warns_loudly_until_the_clinic_is_set_up(tmp_path, ready):
    """Start-up logs a not_ready warning for the fictional phone, the missing clinic chat and the missing
    admins (and starts anyway); with all three set, none."""
    (tmp_path / "data").mkdir()
    write_key_file(tmp_path / "data.key")
    extra = {"AFTERCARE_CLINIC_FILE": own_profile(tmp_path), **READY} if ready else {}
    with FakeBotServer() as server:
        process = BotProcess(tmp_path, {**bot_env(tmp_path, server), "TELEGRAM_BOT_TOKEN": server.token, **extra})
        try:
            polling(server, process)
        finally:
            assert process.terminate() == 0
    entries = [json.loads(line) for line in process.output().splitlines() if line.strip()]
    loud = [e["msg"] for e in entries if e["event"] == "not_ready"]
    if ready:
        assert loud == []
    else:
        assert len(loud) == 4 and all(m.startswith("NOT READY FOR PATIENTS") for m in loud)
        assert "+44 20 7946 0000" in loud[0] and "AFTERCARE_CLINIC_CHAT_ID" in loud[1]
        assert "AFTERCARE_ADMIN_IDS" in loud[2] and "starting anyway" in loud[3]


def test_upgrade_check_reports_pending_migrations_and_a_rules_change(tmp_path, capsys):
    """After an upgrade, `aftercare upgrade-check` names the migrations the next start applies and says that
    the triage rules differ from those that judged the stored check-ins; with nothing to do, it says so."""
    import sqlite3

    from sqlite_utils import Database

    from bot.store import open_store
    from bot.store.migrations import migrations
    from bot.tools.upgrade import upgrade_check_command
    from messages.triage_rules import load_rules

    os.chmod(tmp_path, 0o700)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY}
    assert upgrade_check_command(environ, []) == 0 and "nothing to upgrade" in capsys.readouterr().out
    open_store(tmp_path / "aftercare.db").close()
    assert upgrade_check_command(environ, []) == 0
    assert "no migrations pending and the triage rules are unchanged" in capsys.readouterr().out

    (tmp_path / "aftercare.db").unlink()
    conn = sqlite3.connect(tmp_path / "aftercare.db")
    migrations.apply(Database(conn), stop_before="0005_patient_quiet_hours")
    stamp = "2026-11-01T09:00:00+00:00"
    conn.execute("INSERT INTO patients (chat_id, status, consent_at, created_at, updated_at)"
                 " VALUES (1, 'active', ?, ?, ?)", [stamp] * 3)
    conn.execute("INSERT INTO treatments (id, chat_id, plan, treatment_date, created_at)"
                 " VALUES (1, 1, 'microneedling', '2026-11-01', ?)", [stamp])
    conn.execute("INSERT INTO verdicts (chat_id, treatment_id, day, level, reasons, tokens, rules_version,"
                 " created_at) VALUES (1, 1, 0, 'normal', '[]', '[]', '2025-01-01.1', ?)", [stamp])
    conn.commit()
    conn.close()
    assert upgrade_check_command(environ, []) == 0
    out = capsys.readouterr().out
    assert "will be applied at the next start: 0005_patient_quiet_hours" in out and "back up first" in out
    assert f"the triage rules change from version 2025-01-01.1 to {load_rules().version}" in out
    code, lines = doctor({"AFTERCARE_DATA_DIR": str(tmp_path)})
    assert any("triage rules change" in line for line in lines)  # the doctor says the same


@pytest.mark.process
def test_python_m_bot_help_does_not_start_the_bot(tmp_path):
    """`python -m bot --help` prints the run command's help and exits 0 (it used to start the bot)."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: aftercare run"), result.stderr


@pytest.mark.process
def test_the_fake_bot_api_console_serves_and_quits(tmp_path):
    """`python -m tests.doubles.console` (for trying setup and run without Telegram) prints its URL, answers
    getMe over HTTP, queues typed messages as updates, and ends on quit."""
    import urllib.request

    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}

    def call(url: str) -> dict:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)

    with subprocess.Popen([sys.executable, "-m", "tests.doubles.console", "--port", "0"], cwd=ROOT, env=env,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as console:
        try:
            url = console.stdout.readline().strip().partition("TELEGRAM_API_URL=")[2]
            token = console.stdout.readline().strip().partition("token: ")[2]
            assert url.startswith("http://127.0.0.1:") and token
            me = call(f"{url}{token}/getMe")
            assert me["ok"] and me["result"]["username"] == "aftercare_test_bot"
            console.stdin.write("group -1005550001 4242 /clinicid\n")
            console.stdin.flush()
            message = call(f"{url}{token}/getUpdates?timeout=5")["result"][0]["message"]
            assert message["text"] == "/clinicid" and message["chat"]["type"] == "group"
            console.stdin.write("quit\n")
            console.stdin.flush()
            assert console.wait(10) == 0
        finally:
            if console.poll() is None:
                console.kill()

"""`aftercare service`: the systemd unit written for this folder (absolute paths, the .env and key, a dedicated
user as root, restart on failure, the journal), one template instance per clinic, and the commands it runs,
through an injected runner (systemctl is never run here)."""

from __future__ import annotations

import configparser
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.crypto import write_key_file
from bot.tools.service import UnitPlan, plan_for, service_command, unit_files
from tests.conftest import TOKEN

FOLDER = Path("/srv/riverside")


def plan(system: bool, name: str | None = None, command: str = "/srv/riverside/.venv/bin/aftercare run") -> UnitPlan:
    return UnitPlan(folder=FOLDER, command=command, data_dir=FOLDER / "data", backup_dir=FOLDER / "data-backups",
                    env_file=FOLDER / ".env", key_file=FOLDER / ".aftercare.key", clinic_file=FOLDER / "clinic.toml",
                    system=system, name=name)


def parsed(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    parser.read_string(text)
    return parser


def service_lines(files: dict[str, str]) -> dict[str, str]:
    """Every [Service] setting across the unit and its drop-in (the drop-in's lines after the template's)."""
    merged: dict[str, str] = {}
    for text in files.values():
        merged.update(parsed(text)["Service"])
    return merged


@pytest.mark.parametrize("system,name,files,user,wanted", [
    (True, None, ["aftercare.service"], "aftercare", "multi-user.target"),
    (False, None, ["aftercare.service"], None, "default.target"),
    (True, "riverside", ["aftercare@.service", "aftercare@riverside.service.d/folder.conf"], "aftercare",
     "multi-user.target"),
    (False, "riverside", ["aftercare@.service", "aftercare@riverside.service.d/folder.conf"], None, "default.target"),
])
def test_the_unit_for_each_case(system, name, files, user, wanted):
    """As root: a system unit running as the dedicated user, sandboxed with only the data and backup folders
    writable; otherwise a user unit; with --name, the template plus the clinic's folder in a drop-in. Always
    absolute paths, the .env and the key file, restart on failure and the journal, and no WatchdogSec (the bot
    has no sd_notify)."""
    units = unit_files(plan(system, name))
    assert list(units) == files
    service = service_lines(units)
    assert service.get("User") == user
    assert service["Restart"] == "on-failure" and service["StandardError"] == "journal"
    assert service["WorkingDirectory"] == str(FOLDER) and service["EnvironmentFile"] == str(FOLDER / ".env")
    assert service["ExecStart"] == "/srv/riverside/.venv/bin/aftercare run"
    environment = dict(v.split("=", 1) for v in service["Environment"].split())
    assert environment == {"AFTERCARE_DATA_DIR": "/srv/riverside/data",
                           "AFTERCARE_BACKUP_DIR": "/srv/riverside/data-backups",
                           "AFTERCARE_DATA_KEY_FILE": "/srv/riverside/.aftercare.key",
                           "AFTERCARE_CLINIC_FILE": "/srv/riverside/clinic.toml"}
    assert "WatchdogSec" not in service
    if system:
        assert service["ProtectSystem"] == "strict"
        assert service["ReadWritePaths"].split() == ["/srv/riverside/data", "/srv/riverside/data-backups"]
    else:
        assert "ProtectSystem" not in service and "ReadWritePaths" not in service
    assert parsed(units[files[0]])["Install"]["WantedBy"] == wanted
    if name:  # the template holds no clinic's folder: each instance's is in its own drop-in
        assert str(FOLDER) not in units["aftercare@.service"]


@pytest.mark.parametrize("name", [None, "riverside"])
def test_systemd_analyze_verifies_the_unit(tmp_path, name):
    """`systemd-analyze verify` accepts the unit written (and a clinic's instance), where systemd is present."""
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not available")
    true = shutil.which("true") or "/bin/true"
    for relative, text in unit_files(plan(True, name, command=true)).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    target = tmp_path / "aftercare.service"
    if name:
        target = tmp_path / f"aftercare@{name}.service"
        shutil.copy(tmp_path / "aftercare@.service", target)
    done = subprocess.run([verify, "verify", str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def clinic_folder(folder: Path) -> dict[str, str]:
    """A folder as `aftercare setup` leaves it: .env with relative paths, the key beside it."""
    write_key_file(folder / ".aftercare.key")
    (folder / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nAFTERCARE_DATA_KEY_FILE=.aftercare.key\n")
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "AFTERCARE_DATA_KEY_FILE": ".aftercare.key"}


def test_paths_are_resolved_at_install_time(tmp_path, monkeypatch):
    """Relative settings (the key, the default data folder) become absolute paths of the folder installed from."""
    environ = clinic_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    found = plan_for(tmp_path, environ, system=True, command="/x/aftercare run")
    assert found.data_dir == tmp_path / "data" and found.backup_dir == tmp_path / "data-backups"
    assert found.key_file == tmp_path / ".aftercare.key" and found.env_file == tmp_path / ".env"


class Runner:
    """Records each command instead of running it; `id -u aftercare` fails (no such user yet)."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str]) -> int:
        self.commands.append(command)
        return 1 if command[:2] == ["id", "-u"] else 0


@pytest.fixture
def open_folder():
    """A clinic folder other users may pass through (a pytest tmp_path sits in a folder closed to them)."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="aftercare-service-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


def test_install_as_root_creates_the_user_hands_over_the_files_and_enables_the_unit(open_folder, tmp_path,
                                                                                     monkeypatch):
    """As root: the system user is created, the data and backup folders, key and .env handed to it, the unit
    written, systemd reloaded and the unit enabled and started, in that order."""
    environ = clinic_folder(open_folder)
    monkeypatch.chdir(open_folder)
    runner, out = Runner(), io.StringIO()
    assert service_command(environ, ["install"], runner=runner, folder=open_folder, system=True, units=tmp_path,
                           out=out) == 0
    assert [c[0] for c in runner.commands] == ["id", "useradd", "chown", "systemctl", "systemctl"]
    assert runner.commands[2][:3] == ["chown", "-R", "aftercare:aftercare"]
    assert set(runner.commands[2][3:]) == {str(open_folder / p) for p in ("data", "data-backups", ".aftercare.key",
                                                                           ".env")}
    assert runner.commands[3:] == [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "aftercare.service"]]
    assert f"WorkingDirectory={open_folder}" in (tmp_path / "aftercare.service").read_text()
    assert out.getvalue().splitlines()[-1].startswith("aftercare.service is enabled and running")


def test_install_as_a_user_writes_a_user_unit_and_uses_systemctl_user(open_folder, tmp_path, monkeypatch):
    """Not root: no user is created, nothing changes owner, `systemctl --user` enables the --name instance."""
    environ = clinic_folder(open_folder)
    monkeypatch.chdir(open_folder)
    runner = Runner()
    assert service_command(environ, ["install", "--name", "riverside"], runner=runner, folder=open_folder,
                           system=False, units=tmp_path, out=io.StringIO()) == 0
    assert runner.commands == [["systemctl", "--user", "daemon-reload"],
                               ["systemctl", "--user", "enable", "--now", "aftercare@riverside.service"]]
    assert (tmp_path / "aftercare@riverside.service.d" / "folder.conf").is_file()


def test_install_refuses_a_folder_the_service_user_cannot_reach(tmp_path, monkeypatch):
    """As root from a folder closed to other users (a home folder), nothing is written and the line says why."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    os.chmod(tmp_path, 0o700)
    environ = clinic_folder(folder)
    monkeypatch.chdir(folder)
    runner, out, units = Runner(), io.StringIO(), tmp_path / "units"
    assert service_command(environ, ["install"], runner=runner, folder=folder, system=True, units=units, out=out) == 1
    assert runner.commands == [] and not units.exists()
    assert "is closed to other users" in out.getvalue()


def test_install_without_set_up_says_to_run_it(tmp_path):
    """No token configured: one line pointing at `aftercare setup`, nothing run."""
    runner, out = Runner(), io.StringIO()
    assert service_command({}, ["install"], runner=runner, folder=tmp_path, system=False, units=tmp_path,
                           out=out) == 2
    assert runner.commands == [] and "aftercare setup" in out.getvalue()


def test_status_logs_and_uninstall_run_systemctl_and_journalctl_and_keep_the_data(tmp_path):
    """status and logs ask systemd about the unit; uninstall disables it, removes the unit file, keeps the data."""
    runner = Runner()
    (tmp_path / "aftercare.service").write_text("[Unit]\n")
    for action in (["status"], ["logs", "--follow"], ["uninstall"]):
        service_command({}, action, runner=runner, folder=tmp_path, system=True, units=tmp_path, out=io.StringIO())
    assert runner.commands == [["systemctl", "status", "--no-pager", "aftercare.service"],
                               ["journalctl", "-u", "aftercare.service", "-n", "200", "--no-pager", "--follow"],
                               ["systemctl", "disable", "--now", "aftercare.service"], ["systemctl", "daemon-reload"]]
    assert not (tmp_path / "aftercare.service").exists()


def test_a_bad_clinic_name_is_refused(tmp_path):
    """--name takes a short plain name (it becomes part of a unit name)."""
    out = io.StringIO()
    assert service_command({}, ["install", "--name", "Riverside Clinic"], runner=Runner(), folder=tmp_path,
                           system=True, units=tmp_path, out=out) == 2
    assert "--name" in out.getvalue()

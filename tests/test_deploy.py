"""Deployment files: the Dockerfile, compose file and systemd unit carry the settings a clinic's IT relies on."""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_dockerfile_slim_base_non_root_exec_form_volume_and_healthcheck():
    """Slim Python base, fixed non-root user, exec-form CMD, the data folder as a volume, HEALTHCHECK."""
    steps = dockerfile()
    get = lambda name: [args for instruction, args in steps if instruction == name]  # noqa: E731
    assert get("FROM") == ["python:3.11-slim"]
    users = get("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0") and users[-1].split(":")[0].isdigit()
    assert json.loads(get("CMD")[-1]) == ["aftercare", "run"]
    assert json.loads(get("VOLUME")[-1]) == ["/data", "/backups"]  # the database, and its nightly backups
    health = get("HEALTHCHECK")[-1]
    assert json.loads(health[health.index("CMD") + 3:].strip()) == ["aftercare", "healthcheck"]
    assert any("pip install" in args and "/src" in args for args in get("RUN"))
    env = " ".join(get("ENV"))
    assert "AFTERCARE_DATA_DIR=/data" in env and "TOKEN" not in env


def test_compose_restart_rotation_read_only_env_file_and_no_secrets():
    """restart unless-stopped, json-file rotation, read-only root with a /tmp tmpfs, env file, data volume."""
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["aftercare"]
    assert service["restart"] == "unless-stopped"
    assert service["logging"]["driver"] == "json-file"
    assert {"max-size", "max-file"} <= set(service["logging"]["options"])
    assert service["read_only"] is True
    assert any(entry.split(":")[0] == "/tmp" for entry in service["tmpfs"])
    assert service["env_file"]
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    assert service["environment"]["AFTERCARE_DATA_DIR"] == "/data"
    assert not [key for key in service.get("environment", {}) if "TOKEN" in key or "SECRET" in key or "KEY" in key]
    assert (DEPLOY / "compose.yaml").read_text().count("TELEGRAM_BOT_TOKEN=") == 0


def unit() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "aftercare.service")
    return parser


def test_systemd_unit_hardening():
    """Dedicated user, restart on failure, strict protection with only the data folder writable."""
    service = unit()["Service"]
    assert service["User"] not in ("", "root")
    assert service["Restart"] == "on-failure"
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes" and service["PrivateTmp"] == "yes"
    assert service["EnvironmentFile"].startswith("/etc/")
    data_dir = service["Environment"].split("AFTERCARE_DATA_DIR=")[1].split()[0]
    backup_dir = service["Environment"].split("AFTERCARE_BACKUP_DIR=")[1].split()[0]
    assert service["ReadWritePaths"].split() == [data_dir, backup_dir]  # the data, and its nightly backups
    assert service["ExecStart"].endswith("aftercare run")


@pytest.mark.process
def test_systemd_analyze_verify(tmp_path):
    """`systemd-analyze verify` accepts the unit (with ExecStart pointed at a binary that exists here)."""
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not available")
    text = (DEPLOY / "aftercare.service").read_text()
    copy = tmp_path / "aftercare.service"
    copy.write_text(text.replace("/opt/aftercare/.venv/bin/aftercare", shutil.which("true") or "/bin/true"))
    done = subprocess.run([verify, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerignore_keeps_secrets_and_data_out_of_the_build():
    """The build context never includes .env, the data folder or database files."""
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", "data", "*.db", ".git"} <= ignored


def locked(name: str = "requirements.lock") -> dict[str, tuple[str, list[str]]]:
    """A pip-compile lock as {normalized name: (version, hashes)}."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    entries = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        name, _, version = requirement.partition("==")
        entries[re.sub(r"[-_.]+", "-", name).lower()] = (version, [o for o in options if o.startswith("--hash=sha256:")])
    return entries


def test_installs_come_from_a_lock_with_exact_versions_and_hashes():
    """requirements.lock pins every runtime dependency (and theirs) to one version with hashes; the image
    and the systemd install use it with --require-hashes, and tasks.py keeps pyproject's ranges for development."""
    lock = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", d).group(0)).lower() for d in project["dependencies"]}
    assert wanted | {"tornado", "httpx"} <= set(lock)  # tornado and httpx: python-telegram-bot's extras
    assert all(re.fullmatch(r"\d[\w.+!-]*", version) and hashes for version, hashes in lock.values())
    runs = [args for instruction, args in dockerfile() if instruction == "RUN" and "pip install" in args]
    assert any("--require-hashes" in run and "-r /src/requirements.lock" in run for run in runs)
    assert any("--no-deps" in run and "/src" in run for run in runs)
    assert all("--require-hashes" in run or "--no-deps" in run for run in runs)
    unit_text = (DEPLOY / "aftercare.service").read_text()
    assert "pip install --require-hashes -r requirements.lock" in unit_text and "--no-deps --no-build-isolation ." in unit_text
    assert "requirements.lock" not in (ROOT / "tasks.py").read_text()


def test_the_build_backend_is_locked_too_and_pip_fetches_none():
    """requirements-build.lock pins pyproject's build requirements (setuptools) with hashes; the image and the
    systemd install take it with --require-hashes and build the bot with --no-build-isolation, so pip never
    fetches an unpinned, unchecked build backend; every documented `pip install --no-deps` says the same."""
    from packaging.requirements import Requirement

    build = locked("requirements-build.lock")
    requires = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]]
    for requirement in requires:
        version, hashes = build[re.sub(r"[-_.]+", "-", requirement.name).lower()]
        assert requirement.specifier.contains(version) and hashes, requirement
    assert all(re.fullmatch(r"\d[\w.+!-]*", version) and hashes for version, hashes in build.values())
    steps = dockerfile()
    assert any(i == "COPY" and "requirements-build.lock" in args.split()[:-1] for i, args in steps)
    runs = [args for instruction, args in steps if instruction == "RUN" and "pip install" in args]
    assert any("--require-hashes" in run and "-r /src/requirements-build.lock" in run for run in runs)
    assert [run for run in runs if "/src" in run.split() and "--no-deps" in run and "--no-build-isolation" in run]
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert not any(fnmatch.fnmatch("requirements-build.lock", pattern) for pattern in patterns)
    unit_text = " ".join((DEPLOY / "aftercare.service").read_text().split())
    assert "pip install --require-hashes -r requirements.lock -r requirements-build.lock" in unit_text
    for path in (DEPLOY / "Dockerfile", DEPLOY / "aftercare.service", ROOT / "README.md", ROOT / "docs/deploying.md"):
        text = " ".join(path.read_text().replace("\\\n", " ").split())
        installs = re.findall(r"pip install ((?:--[\w-]+ )+)", text)
        assert path.name == "README.md" or [o for o in installs if "--no-deps" in o], path.name  # README points on
        assert all("--no-build-isolation" in options for options in installs if "--no-deps" in options), path.name


def test_dockerignore_keeps_the_data_key_out_of_the_build():
    """The data key (tasks.py's .aftercare.key, or any *.key) never enters the build context."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for name in (".aftercare.key", "clinic-data.key"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns if not pattern.startswith("!")), name


def test_compose_mounts_what_setup_leaves_where_the_env_file_names_it():
    """R1: the Compose file mounts the terminal's data folder (its database carries over), the nightly backups, and
    clinic.toml and the key read-only, each at the path the .env set-up wrote resolves to in the image's working
    folder, and runs as the operator's user so the owner-only files stay readable."""
    yaml = pytest.importorskip("yaml")
    from bot.tools.setup import KEY_FILE
    import tasks

    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["aftercare"]
    workdir = [args for instruction, args in dockerfile() if instruction == "WORKDIR"][-1]
    mounts = {}
    for volume in service["volumes"]:
        source, target, *mode = volume.split(":")
        mounts[(DEPLOY / source).resolve()] = (target, mode)
    root = ROOT.resolve()
    written = {"AFTERCARE_CLINIC_FILE": "clinic.toml", "AFTERCARE_DATA_KEY_FILE": KEY_FILE.name}  # as set-up saves
    assert tasks.KEY_FILE.name == KEY_FILE.name
    for name, relative in written.items():
        assert mounts[root / relative] == (str(Path(workdir) / relative), ["ro"]), name
    assert mounts[root / "data"] == (service["environment"]["AFTERCARE_DATA_DIR"], [])
    assert mounts[root / "data-backups"] == (service["environment"]["AFTERCARE_BACKUP_DIR"], [])
    assert service["user"] == "${AFTERCARE_UID:-10001}:${AFTERCARE_GID:-10001}"
    assert "volumes" not in yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # no named volume hides ./data

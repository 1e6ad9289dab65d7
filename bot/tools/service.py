"""`aftercare service install|status|logs|uninstall`: the bot as a systemd service for this folder, in one command.

``install`` writes a unit for the folder it is run in, with every path resolved now (the bot, the folder, its
``.env``, the data key file, the data and backup folders), and enables and starts it:

- run as root, a system unit in /etc/systemd/system that runs as a dedicated system user (``aftercare``,
  created when missing; the data and backup folders, the key, ``.env`` and the clinic profile are handed to it),
  with the usual sandbox (only the data and backup folders writable);
- run as anyone else, a user unit in ~/.config/systemd/user (``loginctl enable-linger`` keeps it running
  across reboots without a login);
- ``--name CLINIC``: a chain runs one process per clinic, so this writes the template ``aftercare@.service``
  once and a drop-in per clinic (``aftercare@CLINIC.service.d/folder.conf``) with that clinic's folder.

``Restart=on-failure`` restarts the bot after a crash, a ``kill -9`` or its own watchdog (bot/runtime.py: the
dispatcher stuck, exit 70). The bot does not speak systemd's notify protocol (no sd_notify), so the unit has no
``WatchdogSec=``: that would kill a healthy bot. The log goes to the journal (``service logs``).
Every command goes through ``runner``, so tests never run systemctl.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from bot.config import ConfigError, load_settings

Runner = Callable[[list[str]], int]
SERVICE_USER = "aftercare"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class UnitPlan:
    """What one service is made of, every path absolute."""

    folder: Path
    command: str              # ExecStart
    data_dir: Path
    backup_dir: Path
    env_file: Path | None
    key_file: Path | None
    clinic_file: Path | None
    system: bool              # a system unit (run as root) rather than a user unit
    name: str | None = None   # the clinic, for a template instance

    @property
    def unit(self) -> str:
        return f"aftercare@{self.name}.service" if self.name else "aftercare.service"

    @property
    def owned(self) -> list[Path]:
        """What the dedicated user must own: the folders it writes, the files it reads."""
        return [p for p in (self.data_dir, self.backup_dir, self.key_file, self.env_file, self.clinic_file) if p]


def _common(plan: UnitPlan) -> list[str]:
    return ["[Unit]", "Description=Aftercare Telegram bot" + (f" (%i)" if plan.name else ""),
            "After=network-online.target", "Wants=network-online.target", "", "[Service]", "Type=simple",
            "Restart=on-failure", "RestartSec=5", "TimeoutStopSec=30", "UMask=0077",
            "StandardOutput=journal", "StandardError=journal",
            "SyslogIdentifier=aftercare" + ("-%i" if plan.name else ""),
            "Environment=AFTERCARE_LOG_FORMAT=json"]


def _hardening(plan: UnitPlan) -> list[str]:
    if not plan.system:
        return []
    return [f"User={SERVICE_USER}", f"Group={SERVICE_USER}", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "ProtectSystem=strict", "ProtectHome=read-only", "PrivateDevices=yes", "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes", "ProtectControlGroups=yes", "RestrictSUIDSGID=yes", "LockPersonality=yes"]


def _paths(plan: UnitPlan) -> list[str]:
    lines = [f"WorkingDirectory={plan.folder}"]
    if plan.env_file:
        lines.append(f"EnvironmentFile={plan.env_file}")
    # systemd lets the .env file win over Environment=; its relative paths mean these ones, read from
    # WorkingDirectory. These cover what .env leaves out (the default data and backup folders).
    values = [f"AFTERCARE_DATA_DIR={plan.data_dir}", f"AFTERCARE_BACKUP_DIR={plan.backup_dir}"]
    values += [f"AFTERCARE_DATA_KEY_FILE={plan.key_file}"] if plan.key_file else []
    values += [f"AFTERCARE_CLINIC_FILE={plan.clinic_file}"] if plan.clinic_file else []
    lines.append("Environment=" + " ".join(f'"{v}"' if " " in v else v for v in values))
    if plan.system:
        lines.append(f"ReadWritePaths={plan.data_dir} {plan.backup_dir}")
    return lines


def unit_files(plan: UnitPlan) -> dict[str, str]:
    """The unit file(s) to write, by name relative to the unit folder: one unit, or the template and the
    clinic's drop-in."""
    wanted = ["", "[Install]", "WantedBy=" + ("multi-user.target" if plan.system else "default.target")]
    exec_line = f"ExecStart={plan.command}"
    if plan.name is None:
        return {plan.unit: "\n".join(_common(plan) + _paths(plan) + [exec_line] + _hardening(plan) + wanted) + "\n"}
    template = "\n".join(_common(plan) + _hardening(plan) + wanted) + "\n"
    drop_in = "\n".join([f"# The folder of the clinic {plan.name} and the bot it runs: written by "
                         "`aftercare service install`.", "[Service]"] + _paths(plan) + [exec_line]) + "\n"
    return {"aftercare@.service": template, f"{plan.unit}.d/folder.conf": drop_in}


def plan_for(folder: Path, environ: Mapping[str, str], system: bool, name: str | None = None,
             command: str | None = None) -> UnitPlan:
    """The service for ``folder`` as its settings say (read now; relative paths taken from ``folder``)."""
    settings = load_settings(environ, require_token=True)
    here = lambda p: (folder / p).resolve()  # noqa: E731
    env_file = folder / ".env"
    clinic = Path(settings.clinic_file)
    return UnitPlan(folder=folder, command=command or _aftercare_command(), data_dir=here(settings.data_dir),
                    backup_dir=here(settings.backup_folder), env_file=env_file if env_file.is_file() else None,
                    key_file=here(settings.data_key_file) if settings.data_key_file else None,
                    clinic_file=here(clinic) if environ.get("AFTERCARE_CLINIC_FILE", "").strip() else None,
                    system=system, name=name)


def _aftercare_command() -> str:
    script = Path(sys.executable).with_name("aftercare")
    return f"{script} run" if script.is_file() else f"{Path(sys.executable).absolute()} -m bot"


def unit_dir(system: bool) -> Path:
    return Path("/etc/systemd/system") if system else Path.home() / ".config/systemd/user"


def _systemctl(system: bool, *args: str) -> list[str]:
    return ["systemctl", *([] if system else ["--user"]), *args]


def install(plan: UnitPlan, runner: Runner, units: Path, say: Callable[[str], None]) -> int:
    """Write the unit(s), prepare the dedicated user, reload systemd, enable and start the service."""
    if plan.system:
        closed = next((p for p in [plan.folder, *plan.folder.parents] if not os.stat(p).st_mode & 0o001), None)
        if closed is not None:
            say(f"error: the user {SERVICE_USER} could not reach {plan.folder}: {closed} is closed to other users "
                "(a home folder, usually); put the bot under /opt or /srv and install from there")
            return 1
        if runner(["id", "-u", SERVICE_USER]) != 0:
            if runner(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                       "--shell", "/usr/sbin/nologin", SERVICE_USER]) != 0:
                say(f"error: could not create the system user {SERVICE_USER}")
                return 1
        for path in (plan.data_dir, plan.backup_dir):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if runner(["chown", "-R", f"{SERVICE_USER}:{SERVICE_USER}", *map(str, plan.owned)]) != 0:
            say(f"error: could not give the data folder, key and settings to the user {SERVICE_USER}")
            return 1
    for relative, text in unit_files(plan).items():
        path = units / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.chmod(path, 0o644)  # systemd reads units as any user; they hold paths, never a secret
        say(f"wrote {path}")
    for step in (["daemon-reload"], ["enable", "--now", plan.unit]):
        if runner(_systemctl(plan.system, *step)) != 0:
            say(f"error: `{' '.join(_systemctl(plan.system, *step))}` failed; see `aftercare service status`")
            return 1
    say(f"{plan.unit} is enabled and running: it starts at boot and restarts after a failure"
        + ("" if plan.system else " (for boot without a login: loginctl enable-linger)"))
    return 0


def uninstall(unit: str, system: bool, runner: Runner, units: Path, say: Callable[[str], None]) -> int:
    """Stop and disable the service and remove its unit files; the data folder and backups are kept."""
    runner(_systemctl(system, "disable", "--now", unit))
    removed = [units / unit] if "@" not in unit else [units / f"{unit}.d/folder.conf"]
    for path in removed:
        if path.exists():
            path.unlink()
            say(f"removed {path}")
    if "@" in unit and (units / f"{unit}.d").is_dir() and not any((units / f"{unit}.d").iterdir()):
        (units / f"{unit}.d").rmdir()
    runner(_systemctl(system, "daemon-reload"))
    say(f"{unit} is stopped and removed; the data folder and its backups are kept")
    return 0


def _run(command: list[str]) -> int:
    return subprocess.call(command)


def service_command(environ: Mapping[str, str], argv: list[str], runner: Runner = _run, folder: Path | None = None,
                    system: bool | None = None, units: Path | None = None, out=None) -> int:
    """`aftercare service install|status|logs|uninstall [--name CLINIC]`: the bot as a systemd service."""
    parser = argparse.ArgumentParser(prog="aftercare service", description=service_command.__doc__)
    parser.add_argument("action", choices=["install", "status", "logs", "uninstall"])
    parser.add_argument("--name", help="one service per clinic folder: aftercare@CLINIC (letters, digits, - and _)")
    parser.add_argument("--follow", action="store_true", help="logs: keep printing new lines")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    say = lambda text: print(text, file=out)  # noqa: E731
    if args.name is not None and not NAME.fullmatch(args.name):
        say("error: --name must be a short name of lower-case letters, digits, - and _ (such as riverside)")
        return 2
    system = os.geteuid() == 0 if system is None else system
    units = units or unit_dir(system)
    unit = f"aftercare@{args.name}.service" if args.name else "aftercare.service"
    if args.action == "status":
        return runner(_systemctl(system, "status", "--no-pager", unit))
    if args.action == "logs":
        return runner(["journalctl", *([] if system else ["--user"]), "-u", unit, "-n", "200", "--no-pager",
                       *(["--follow"] if args.follow else [])])
    if args.action == "uninstall":
        return uninstall(unit, system, runner, units, say)
    try:
        plan = plan_for((folder or Path.cwd()).resolve(), environ, system, args.name)
    except ConfigError as exc:
        say(f"error: {exc} (run `aftercare setup` in this folder first; `aftercare doctor` lists every problem)")
        return 2
    return install(plan, runner, units, say)

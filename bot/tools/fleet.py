"""`aftercare fleet status|doctor|backup`: the same command over every clinic of a chain on one host.

A chain runs one process per clinic (`aftercare service install --name CLINIC` in each clinic's folder), each with
its own token, data folder, key and clinic profile: Telegram's limits are per bot, and one clinic's fault stays its
own. The fleet file lists the clinics, one a line, ``NAME FOLDER`` (``#`` starts a comment; a relative folder is
taken from the fleet file's folder)::

    riverside  /srv/aftercare/riverside
    northgate  /srv/aftercare/northgate

Before anything runs, the list is refused when two clinics share a name, a folder, a data folder or a bot token
(two processes on one token steal each other's updates; two on one data folder share one database). Then each
clinic's command runs as its own process in its own folder, with its own ``.env`` (the operator's AFTERCARE_* and
TELEGRAM_* variables are left out, so one clinic's settings never leak into another's), and its output is
printed under the clinic's name. Nothing here prints a token.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from bot.config import ConfigError, read_dotenv
from bot.tools.service import NAME

DEFAULT_FLEET_FILE = "fleet.txt"
# What each fleet action runs in a clinic's folder (`backup` adds the clinic's own folder under DIR).
ACTIONS = {"status": ["healthcheck"], "doctor": ["doctor"], "backup": ["backup"]}

Runner = Callable[[list[str], Path, dict[str, str]], tuple[int, str]]


@dataclass(frozen=True)
class Clinic:
    """One clinic of the fleet: its name (the service instance aftercare@NAME) and folder."""

    name: str
    folder: Path


def read_fleet(path: Path) -> list[Clinic]:
    """The clinics listed in the fleet file at ``path``; ConfigError naming the line when one is malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"there is no fleet file {path}: list the clinics in it, one `NAME FOLDER` a line "
                          "(or pass --file)") from None
    clinics = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, folder = line.partition(" ")
        folder = folder.strip()
        if not NAME.fullmatch(name) or not folder:
            raise ConfigError(f"{path} line {number}: expected `NAME FOLDER`, the name in lower-case letters, "
                              "digits, - and _ (such as `riverside /srv/aftercare/riverside`)")
        clinics.append(Clinic(name, (path.parent / folder).resolve()))
    if not clinics:
        raise ConfigError(f"{path} lists no clinic: add one `NAME FOLDER` a line")
    return clinics


def fleet_problems(clinics: list[Clinic]) -> list[str]:
    """Why these clinics cannot run side by side on one host (none: []): a missing folder, or two clinics sharing
    a name, a folder, a data folder or a bot token."""
    problems: list[str] = []
    seen: dict[str, dict[object, str]] = {"name": {}, "folder": {}, "data folder": {}, "token": {}}

    def once(kind: str, value: object, name: str, shown: str) -> None:
        other = seen[kind].setdefault(value, name)
        if other != name:
            problems.append(f"{other} and {name} share {shown}: each clinic needs its own {kind}")

    for clinic in clinics:
        once("name", clinic.name, f"{clinic.name} ({clinic.folder})", f"the name {clinic.name}")
        if not clinic.folder.is_dir():
            problems.append(f"{clinic.name}: the folder {clinic.folder} does not exist")
            continue
        once("folder", clinic.folder, clinic.name, f"the folder {clinic.folder}")
        try:
            values = read_dotenv(clinic.folder / ".env")
        except ConfigError as exc:
            problems.append(f"{clinic.name}: {exc}")
            continue
        data = (clinic.folder / (values.get("AFTERCARE_DATA_DIR", "").strip() or "data")).resolve()
        once("data folder", data, clinic.name, f"the data folder {data}")
        token = values.get("TELEGRAM_BOT_TOKEN", "").strip()
        if token:
            once("token", token, clinic.name, "one bot token (TELEGRAM_BOT_TOKEN; two bots on one token take each "
                                              "other's messages): create a bot per clinic with @BotFather")
    return problems


def clinic_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The operator's environment without the bot's own settings: each clinic reads its own .env."""
    return {k: v for k, v in environ.items() if not k.startswith(("AFTERCARE_", "TELEGRAM_"))}


def run_in(argv: list[str], folder: Path, environ: dict[str, str]) -> tuple[int, str]:
    """`aftercare ARGV` as its own process in ``folder``: its exit status and what it printed."""
    done = subprocess.run([sys.executable, "-c", "from bot.tools.cli import main; raise SystemExit(main())", *argv],
                          cwd=folder, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done.returncode, done.stdout


def fleet_command(environ: Mapping[str, str], argv: list[str], runner: Runner = run_in, out=None) -> int:
    """`aftercare fleet status|doctor|backup`: run the command over every clinic in the fleet file."""
    parser = argparse.ArgumentParser(prog="aftercare fleet", description=fleet_command.__doc__)
    parser.add_argument("action", choices=list(ACTIONS) + ["list"],
                        help="list: the clinics; status: is each bot healthy; doctor: every check, per clinic; "
                             "backup DIR: a backup of each clinic into DIR/NAME/")
    parser.add_argument("target", nargs="?", help="backup: the folder that receives DIR/NAME/ (outside every "
                                                  "clinic's data folder)")
    parser.add_argument("--file", help=f"the fleet file (default: AFTERCARE_FLEET_FILE, or ./{DEFAULT_FLEET_FILE})")
    parser.add_argument("--strict", action="store_true", help="doctor: also fail on go-live warnings")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    say = lambda text: print(text, file=out)  # noqa: E731
    if args.action == "backup" and not args.target:
        parser.error("backup needs the folder to write into: aftercare fleet backup DIR")
    path = Path(args.file or environ.get("AFTERCARE_FLEET_FILE", "").strip() or DEFAULT_FLEET_FILE).absolute()
    try:
        clinics = read_fleet(path)
    except ConfigError as exc:
        say(f"error: {exc}")
        return 2
    problems = fleet_problems(clinics)
    if problems:
        for problem in problems:
            say(f"error: {problem}")
        say(f"nothing was run: fix {path} or the clinics' .env first")
        return 2
    if args.action == "list":
        for clinic in clinics:
            say(f"{clinic.name}: {clinic.folder} (service aftercare@{clinic.name})")
        return 0
    child, failed = clinic_environment(environ), []
    for clinic in clinics:
        command = list(ACTIONS[args.action])
        if args.action == "doctor" and args.strict:
            command.append("--strict")
        if args.action == "backup":
            target = Path(args.target).absolute() / clinic.name
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            command.append(str(target))
        code, printed = runner(command, clinic.folder, child)
        say(f"== {clinic.name} ({clinic.folder}): {'ok' if code == 0 else f'FAILED (exit {code})'}")
        for line in printed.splitlines():
            say(f"   {line}")
        if code != 0:
            failed.append(clinic.name)
    say(f"fleet {args.action}: {len(clinics) - len(failed)} of {len(clinics)} clinics ok"
        + (f"; look at {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0

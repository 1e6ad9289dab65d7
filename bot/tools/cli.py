"""The `aftercare` command: run the bot, and the tools a clinic uses around it."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Callable

from bot.config import ConfigError, environment_with_dotenv, load_settings
from bot.crypto import write_key_file
from bot.tools.common import INTERRUPTED, INTERRUPTED_CODE


def keygen_command(rest: list[str]) -> int:
    """`aftercare keygen PATH`: create a new data key file (0600); refuses to overwrite one."""
    parser = argparse.ArgumentParser(prog="aftercare keygen",
                                     description="Create the key that encrypts what patients type.")
    parser.add_argument("path", help="where to write the key: keep it outside the data folder and its backups")
    args = parser.parse_args(rest)
    try:
        write_key_file(args.path)
    except FileExistsError:
        print(f"error: {args.path} already exists; a new key could not read the data written with the old one",
              file=sys.stderr)
        return 2
    print(f"wrote a new data key to {args.path}; set AFTERCARE_DATA_KEY_FILE={args.path}")
    return 0


HOW_TO_START = """
To go live: `aftercare setup` once, then `aftercare run` (from the source folder: `python3 tasks.py run` does both).
To try it without Telegram: `aftercare demo`."""


def _usage() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftercare", description="Microneedling aftercare Telegram bot.", epilog=HOW_TO_START,
        formatter_class=argparse.RawDescriptionHelpFormatter, usage="aftercare COMMAND [--help] [options]")
    commands = parser.add_argument_group("commands (`aftercare COMMAND --help` for each)")
    for name, command in COMMANDS.items():
        commands.add_argument(name, nargs="?", help=command.help)  # listed only: dispatch is by hand below
    return parser


def _run_command(environ: dict[str, str], rest: list[str]) -> int:
    argparse.ArgumentParser(
        prog="aftercare run",
        description="Start the bot with the settings in the environment and .env (see .env.example); "
                    "stops cleanly on Ctrl-C or SIGTERM. `aftercare doctor` checks the settings first.",
    ).parse_args(rest)
    from bot.serve import run
    return run(environ)


def _setup(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.setup import setup_command
    return setup_command(environ, rest)


def _doctor(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.doctor import doctor_command
    return doctor_command(environ, sys.stdout, argv=rest)


def _upgrade_check(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.upgrade import upgrade_check_command
    return upgrade_check_command(environ, rest)


def _backup(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.backup import backup_command
    return backup_command(environ, rest)


def _restore(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.backup import restore_command
    return restore_command(environ, rest)


def _admins(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.admins import admins_command
    return admins_command(environ, rest)


def _service(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.service import service_command
    return service_command(environ, rest)


def _fleet(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.fleet import fleet_command
    return fleet_command(environ, rest)


def _healthcheck(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.health import healthcheck_command
    return healthcheck_command(environ, rest)


def _keygen(environ: dict[str, str], rest: list[str]) -> int:
    return keygen_command(rest)


def _triage(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.triage import triage_command
    return triage_command(rest, out=sys.stdout, err=sys.stderr)  # the streams of now, not of import time


def _demo(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.demo import demo_command
    return demo_command(rest, environ=environ)


def _invite(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.invite import invite_command
    return invite_command(environ, rest, out=sys.stdout, err=sys.stderr)


def _export(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.clinic_export import export_command
    return export_command(environ, rest, out=sys.stdout, err=sys.stderr)


def _preview(environ: dict[str, str], rest: list[str]) -> int:
    from bot.tools.preview import preview_command
    try:
        settings = load_settings(environ, require_token=False)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    clinic = settings.clinic
    return preview_command(rest, clinic.timing(), out=sys.stdout, err=sys.stderr, contact=clinic.contact_values(),
                           plan=clinic.plan, language=settings.language, catalog_dir=settings.catalog_dir,
                           plans_dir=settings.plans_dir)


@dataclass(frozen=True)
class Command:
    """One `aftercare` command: its line in the help, and the function that runs it (a command cannot be
    listed without one: the menu and the dispatch are this one table)."""

    help: str
    run: Callable[[dict[str, str], list[str]], int]


# Heavy imports (the bot, matplotlib, the simulated Telegram) wait until a command needs them.
COMMANDS = {
    "run": Command("start the bot (long polling, or the webhook when configured) until Ctrl-C or SIGTERM",
                   _run_command),
    "setup": Command("the guided set-up: token, clinic profile, staff chat, admins, patient link and QR poster", _setup),
    "doctor": Command("check configuration, clinic profile, plans, data folder, database and token "
                      "(--strict before going live)", _doctor),
    "upgrade-check": Command("after installing a new version: the migrations and rules changes its first start brings",
                             _upgrade_check),
    "backup": Command("copy the database safely while the bot runs", _backup),
    "restore": Command("put a backup in place (the bot must be stopped)", _restore),
    "admins": Command("list|add ID|remove ID: the clinic's admins, kept in .env", _admins),
    "service": Command("install|status|logs|uninstall: the bot as a systemd service for this folder "
                       "(--name CLINIC: one per clinic)", _service),
    "fleet": Command("list|status|doctor|backup DIR: the same over every clinic in fleet.txt (one folder each)",
                     _fleet),
    "healthcheck": Command("is the running bot healthy (for Docker and monitoring)", _healthcheck),
    "keygen": Command("create the key that encrypts what patients type", _keygen),
    "triage": Command("how the triage rules judge one check-in", _triage),
    "invite": Command("a personal invitation link for one patient (date, plan, clinic reference), with its QR",
                      _invite),
    "export": Command("the clinic's export of check-ins and verdicts since a date: CSV, or a FHIR R4 Bundle "
                      "(--format fhir)", _export),
    "preview": Command("every reminder a patient would get", _preview),
    "demo": Command("the real bot in this terminal against a simulated Telegram: no token, no network", _demo),
}


def main(argv: list[str] | None = None) -> int:
    """`aftercare COMMAND ...`; with no command, the list of commands and how to start (exit 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        _usage().print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"aftercare: unknown command {command!r}; the commands are: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    os.umask(0o077)  # backups and anything else written by any command are owner-only
    try:
        environ = environment_with_dotenv()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[command].run(environ, rest)
    except KeyboardInterrupt:  # a command that does not say more itself (setup and the demo do)
        print(f"\n{INTERRUPTED}", file=sys.stderr)
        return INTERRUPTED_CODE


if __name__ == "__main__":
    raise SystemExit(main())

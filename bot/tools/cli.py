"""The `aftercare` command: run the bot, and the tools a clinic uses around it."""

from __future__ import annotations

import argparse
import os
import sys

from bot.config import ConfigError, environment_with_dotenv, load_settings
from bot.crypto import write_key_file


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


COMMANDS = {
    "run": "start the bot (long polling, or the webhook when configured) until Ctrl-C or SIGTERM",
    "setup": "the guided set-up: token, clinic profile, staff chat, admins, patient link and QR poster",
    "doctor": "check configuration, clinic profile, plans, data folder, database and token (--strict before going live)",
    "upgrade-check": "after installing a new version: the migrations and rules changes its first start brings",
    "backup": "copy the database safely while the bot runs",
    "restore": "put a backup in place (the bot must be stopped)",
    "healthcheck": "is the running bot healthy (for Docker and monitoring)",
    "keygen": "create the key that encrypts what patients type",
    "triage": "how the triage rules judge one check-in",
    "preview": "every reminder a patient would get",
    "demo": "the real bot in this terminal against a simulated Telegram: no token, no network",
}
HOW_TO_START = """
To go live: `aftercare setup` once, then `aftercare run` (from the source folder: `python3 tasks.py run` does both).
To try it without Telegram: `aftercare demo`."""


def _usage() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftercare", description="Microneedling aftercare Telegram bot.", epilog=HOW_TO_START,
        formatter_class=argparse.RawDescriptionHelpFormatter, usage="aftercare COMMAND [--help] [options]")
    commands = parser.add_argument_group("commands (`aftercare COMMAND --help` for each)")
    for name, text in COMMANDS.items():
        commands.add_argument(name, nargs="?", help=text)  # listed only: dispatch is by hand below
    return parser


def _run_command(environ: dict[str, str], rest: list[str]) -> int:
    argparse.ArgumentParser(
        prog="aftercare run",
        description="Start the bot with the settings in the environment and .env (see .env.example); "
                    "stops cleanly on Ctrl-C or SIGTERM. `aftercare doctor` checks the settings first.",
    ).parse_args(rest)
    from bot.serve import run
    return run(environ)


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
    if command == "run":
        return _run_command(environ, rest)
    if command == "setup":
        from bot.tools.setup import setup_command
        return setup_command(environ, rest)
    if command == "doctor":
        from bot.tools.doctor import doctor_command
        return doctor_command(environ, sys.stdout, argv=rest)
    if command == "upgrade-check":
        from bot.tools.upgrade import upgrade_check_command
        return upgrade_check_command(environ, rest)
    if command == "backup":
        from bot.tools.backup import backup_command
        return backup_command(environ, rest)
    if command == "restore":
        from bot.tools.backup import restore_command
        return restore_command(environ, rest)
    if command == "healthcheck":
        from bot.tools.health import healthcheck_command
        return healthcheck_command(environ, rest)
    if command == "keygen":
        return keygen_command(rest)
    if command == "triage":
        from bot.tools.triage import triage_command
        return triage_command(rest, out=sys.stdout, err=sys.stderr)  # the streams of now, not of import time
    if command == "demo":
        from bot.tools.demo import demo_command
        return demo_command(rest, environ=environ)
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


if __name__ == "__main__":
    raise SystemExit(main())

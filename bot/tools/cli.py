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


COMMANDS = ["run", "doctor", "backup", "restore", "healthcheck", "keygen", "triage", "preview", "demo"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="aftercare", description="Microneedling aftercare Telegram bot.")
    parser.add_argument("command", choices=COMMANDS, help="what to do; `aftercare COMMAND --help` for more")
    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        parser.error(f"unknown command {command!r}")
    os.umask(0o077)  # backups and anything else written by any command are owner-only
    try:
        environ = environment_with_dotenv()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if command == "run":
        from bot.serve import run
        return run(environ)
    if command == "doctor":
        from bot.tools.doctor import doctor_command
        return doctor_command(environ, sys.stdout)
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
        return triage_command(rest)
    if command == "demo":
        from bot.tools.demo import demo_command
        return demo_command(rest, environ=environ)
    from bot.tools.preview import preview_command
    try:
        clinic = load_settings(environ, require_token=False).clinic
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return preview_command(rest, clinic.timing(), clinic.protocol, contact=clinic.contact_values())


if __name__ == "__main__":
    raise SystemExit(main())

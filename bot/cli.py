"""The `aftercare` command: run the bot, and the tools a clinic uses around it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, environment_with_dotenv, load_settings

log = logging.getLogger("bot")

NO_TOKEN_HELP = """TELEGRAM_BOT_TOKEN is not set.
Get a token: open Telegram, talk to @BotFather, send /newbot and follow the steps.
Then put it in a file named .env here:  TELEGRAM_BOT_TOKEN=123456:ABC...
(or run `python3 tasks.py run`, which asks for it)."""


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def prepare_data_dir(settings: Settings, explicit: bool) -> None:
    """Create the default data folder (owner-only); refuse a configured folder that does not exist."""
    if not settings.data_dir.exists():
        if explicit:
            raise ConfigError(f"AFTERCARE_DATA_DIR: the folder {settings.data_dir} does not exist; create it first")
        settings.data_dir.mkdir(mode=0o700, parents=True)
    os.chmod(settings.data_dir, 0o700)


def run(environ: dict[str, str]) -> int:
    """Start the bot with long polling until interrupted."""
    from telegram import Update

    from bot.app import build_app
    from bot.clock import SystemClock
    from bot.store import open_store

    os.umask(0o077)  # every file the bot creates (database, journal, exports) is owner-only
    try:
        settings = load_settings(environ)
        prepare_data_dir(settings, explicit=bool(environ.get("AFTERCARE_DATA_DIR", "").strip()))
    except ConfigError as exc:
        print(NO_TOKEN_HELP if "TELEGRAM_BOT_TOKEN is not set" in str(exc) else f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging()
    store = open_store(settings.database_path)
    try:
        application = build_app(settings, store, SystemClock())
    except ValueError as exc:  # a plan or catalog that does not validate
        print(f"error: {exc}", file=sys.stderr)
        store.close()
        return 2
    log.info("starting: clinic %r, plan %r, database %s", settings.clinic.name, settings.clinic.plan,
             settings.database_path)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="aftercare", description="Microneedling aftercare Telegram bot.")
    parser.add_argument("command", choices=["run", "triage", "preview"], help="what to do")
    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    try:
        environ = environment_with_dotenv()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if command == "run":
        return run(environ)
    if command == "triage":
        from bot.triage_cli import triage_command
        return triage_command(rest)
    if command == "preview":
        from bot.preview_cli import preview_command
        try:
            clinic = load_settings(environ, require_token=False).clinic
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return preview_command(rest, clinic.timing(), clinic.protocol)
    parser.error(f"unknown command {command!r}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

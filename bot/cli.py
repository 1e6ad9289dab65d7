"""The `aftercare` command: run the bot, and the tools a clinic uses around it."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlparse

from bot.config import ConfigError, Settings, environment_with_dotenv, load_settings
from bot.crypto import DataKeyError, write_key_file
from bot.logs import STARTING, STOPPED, configure_logging, json_wanted, log_event
from bot.ops import (DEFAULT_MAX_OVERDUE_MINUTES, DEFAULT_TICK_INTERVAL_S, WATCHDOG_EXIT_CODE, AlreadyRunning,
                     OpsError, Watchdog, acquire_instance_lock, backup, healthcheck, restore)

log = logging.getLogger("bot")

NO_TOKEN_HELP = """TELEGRAM_BOT_TOKEN is not set.
Get a token: open Telegram, talk to @BotFather, send /newbot and follow the steps.
Then put it in a file named .env here:  TELEGRAM_BOT_TOKEN=123456:ABC...
(or run `python3 tasks.py run`, which asks for it).
No token yet? `aftercare demo` (or `python3 tasks.py demo`) runs the bot in this terminal, without Telegram."""


def prepare_data_dir(settings: Settings, explicit: bool) -> None:
    """Create the default data folder (owner-only); refuse a configured folder that does not exist."""
    if not settings.data_dir.exists():
        if explicit:
            raise ConfigError(f"AFTERCARE_DATA_DIR: the folder {settings.data_dir} does not exist; create it first")
        settings.data_dir.mkdir(mode=0o700, parents=True)
    os.chmod(settings.data_dir, 0o700)


NO_KEY_HELP = ("AFTERCARE_DATA_KEY_FILE (or AFTERCARE_DATA_KEY) is not set: what patients type is encrypted with "
               "this key. Create one outside the data folder with `aftercare keygen PATH` and set "
               "AFTERCARE_DATA_KEY_FILE=PATH (python3 tasks.py run does this for you).")


def run(environ: dict[str, str]) -> int:
    """Start the bot (long polling, or the webhook server when configured) until SIGTERM or Ctrl-C."""
    os.umask(0o077)  # every file the bot creates (database, journal, backups, exports) is owner-only
    # python-telegram-bot 22 opt-in: RetryAfter.retry_after as a timedelta (the sender reads either form).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        json_mode = json_wanted(environ)
        settings = load_settings(environ)
        prepare_data_dir(settings, explicit=bool(environ.get("AFTERCARE_DATA_DIR", "").strip()))
        if settings.data_key is None:
            raise ConfigError(NO_KEY_HELP)
        if settings.webhook_url and importlib.util.find_spec("tornado") is None:
            raise ConfigError("AFTERCARE_WEBHOOK_URL is set but the webhook server is not installed: "
                              "pip install 'python-telegram-bot[webhooks]'")
    except ConfigError as exc:
        print(NO_TOKEN_HELP if "TELEGRAM_BOT_TOKEN is not set" in str(exc) else f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(json_mode)
    try:
        lock = acquire_instance_lock(settings.data_dir)
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    with lock:  # held until the process ends; the kernel releases it even on a crash
        return _serve(settings)


def _serve(settings: Settings) -> int:
    """Open the store, run the application, and close the store only after the application has stopped."""
    from telegram import Update

    from bot.app import build_app
    from bot.clock import SystemClock
    from bot.store import open_store

    clock = SystemClock()
    try:
        store = open_store(settings.database_path, settings.sealer())
    except DataKeyError as exc:
        print(f"error: AFTERCARE_DATA_KEY: {exc}; start with the key this database was written with",
              file=sys.stderr)
        return 2
    try:
        application = build_app(settings, store, clock)
    except ValueError as exc:  # a plan or catalog that does not validate
        print(f"error: {exc}", file=sys.stderr)
        store.close()
        return 2
    watchdog = _guard_dispatcher(settings, clock)
    mode = "webhook" if settings.webhook_url else "polling"
    log_event(log, STARTING, mode=mode, plan=settings.clinic.plan)
    try:
        # Both calls install SIGINT/SIGTERM handlers that stop the application: updates stop coming, the
        # dispatcher finishes the sends in flight and records them, jobs end, then they return here.
        if settings.webhook_url:
            application.run_webhook(**webhook_options(settings), allowed_updates=Update.ALL_TYPES)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        watchdog.stop()
        store.close()  # every write is its own transaction: nothing is left half-written
        log_event(log, STOPPED)
    return WATCHDOG_EXIT_CODE if watchdog.fired else 0


def webhook_options(settings: Settings) -> dict:
    """Arguments for PTB's webhook server: the URL's path is served, and the secret header is required
    (PTB answers 403 to a request without it)."""
    return {"listen": settings.webhook_listen, "port": settings.webhook_port,
            "url_path": urlparse(settings.webhook_url or "").path.lstrip("/"),
            "webhook_url": settings.webhook_url, "secret_token": settings.webhook_secret}


def _guard_dispatcher(settings: Settings, clock) -> Watchdog:
    """A watchdog over the dispatcher's heartbeat (build_app installed the dispatcher itself)."""
    watchdog = Watchdog(settings.data_dir, clock.now)
    watchdog.start()
    return watchdog


def _settings_for_tools(environ: dict[str, str]) -> Settings | None:
    try:
        return load_settings(environ, require_token=False)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _run_tool(environ: dict[str, str], action: Callable[[Settings], str]) -> int:
    """Load settings (no token needed), run ``action`` and print its report; an OpsError is one line, exit 1."""
    settings = _settings_for_tools(environ)
    if settings is None:
        return 2
    try:
        print(action(settings))
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def backup_command(environ: dict[str, str], argv: list[str]) -> int:
    """`aftercare backup PATH`: a consistent, verified, owner-only copy; safe while the bot runs."""
    parser = argparse.ArgumentParser(prog="aftercare backup", description=backup_command.__doc__)
    parser.add_argument("path", help="the backup file to write, or a folder for a dated file")
    args = parser.parse_args(argv)
    return _run_tool(environ, lambda settings: "backup written to {} (integrity check ok)".format(
        backup(settings, args.path, now=datetime.now(timezone.utc))))


def restore_command(environ: dict[str, str], argv: list[str]) -> int:
    """`aftercare restore PATH`: replace the database with a verified backup; the bot must be stopped."""
    parser = argparse.ArgumentParser(prog="aftercare restore", description=restore_command.__doc__)
    parser.add_argument("path", help="a file written by `aftercare backup`")
    args = parser.parse_args(argv)

    def act(settings: Settings) -> str:
        kept = restore(settings, args.path)
        return (f"restored {args.path} into {settings.database_path}"
                + (f"; the previous database is kept as {kept}" if kept else ""))
    return _run_tool(environ, act)


def healthcheck_command(environ: dict[str, str], argv: list[str], now: datetime | None = None) -> int:
    """`aftercare healthcheck`: exit 0 when healthy, 1 with one line per problem otherwise."""
    parser = argparse.ArgumentParser(prog="aftercare healthcheck", description=healthcheck_command.__doc__)
    parser.add_argument("--max-overdue-minutes", type=int, default=DEFAULT_MAX_OVERDUE_MINUTES,
                        help="a pending delivery later than this is a problem (default %(default)s)")
    parser.add_argument("--tick-interval-seconds", type=int, default=DEFAULT_TICK_INTERVAL_S,
                        help="the dispatcher's interval; a tick older than twice this is a problem")
    args = parser.parse_args(argv)
    settings = _settings_for_tools(environ)
    if settings is None:
        return 2
    problems = healthcheck(settings, now or datetime.now(timezone.utc), args.max_overdue_minutes,
                           args.tick_interval_seconds)
    for problem in problems:
        print(f"unhealthy: {problem}", file=sys.stderr)
    if not problems:
        print("ok")
    return 1 if problems else 0


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
        return run(environ)
    if command == "doctor":
        from bot.doctor import doctor_command
        return doctor_command(environ, sys.stdout)
    if command == "backup":
        return backup_command(environ, rest)
    if command == "restore":
        return restore_command(environ, rest)
    if command == "healthcheck":
        return healthcheck_command(environ, rest)
    if command == "keygen":
        return keygen_command(rest)
    if command == "triage":
        from bot.triage_cli import triage_command
        return triage_command(rest)
    if command == "demo":
        from bot.demo import demo_command
        return demo_command(rest, environ=environ)
    from bot.preview_cli import preview_command
    try:
        clinic = load_settings(environ, require_token=False).clinic
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return preview_command(rest, clinic.timing(), clinic.protocol, contact=clinic.contact_values())


if __name__ == "__main__":
    raise SystemExit(main())

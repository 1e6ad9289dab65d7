"""``aftercare run`` (and ``python -m bot``): start the bot, long polling or webhook, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from urllib.parse import urlparse

from bot.config import ConfigError, Settings, load_settings, origin
from bot.crypto import DataKeyError
from bot.logs import (NOT_READY, RUNNING, STARTING, STOPPED, configure_logging, install_excepthooks, json_wanted,
                      log_event, register_secrets, use_pseudonym_key)
from bot.readiness import go_live_warnings, running_line
from bot.app import UPDATE_TYPES, build_app
from bot.clock import SystemClock
from bot.store import DamagedDatabase, StoreError, open_store
from bot.webhook import guard_webhook_server
from bot.runtime import (WATCHDOG_EXIT_CODE, AlreadyRunning, OpsError, Watchdog, acquire_instance_lock,
                         data_folder_problem)

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
    # Before anything can fail: no traceback, of ours or of a library, may print these.
    register_secrets(environ.get("TELEGRAM_BOT_TOKEN", "").strip(), environ.get("AFTERCARE_DATA_KEY", "").strip(),
                     environ.get("AFTERCARE_WEBHOOK_SECRET", "").strip())
    install_excepthooks()
    try:
        json_mode = json_wanted(environ)
        settings = load_settings(environ)
        register_secrets(settings.data_key)
        unusable = data_folder_problem(settings.data_dir)
        if unusable:
            raise ConfigError(unusable)
        prepare_data_dir(settings, explicit=bool(environ.get("AFTERCARE_DATA_DIR", "").strip()))
        if settings.data_key is None:
            raise ConfigError(NO_KEY_HELP)
        if settings.webhook_url and importlib.util.find_spec("tornado") is None:
            raise ConfigError("AFTERCARE_WEBHOOK_URL is set but the webhook server is not installed: "
                              "pip install 'python-telegram-bot[webhooks]'")
    except ConfigError as exc:
        print(_explain(exc), file=sys.stderr)
        return 2
    except OSError as exc:  # the folder changed under us, or a file in it belongs to someone else
        print(f"error: the data folder {environ.get('AFTERCARE_DATA_DIR') or 'data'} cannot be used: "
              f"{exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 2
    configure_logging(json_mode)
    use_pseudonym_key(settings.data_key)
    try:
        lock = acquire_instance_lock(settings.data_dir)
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except OpsError as exc:  # a lock file that is a symlink or not a file
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: the data folder {settings.data_dir} cannot be used: {exc.strerror or type(exc).__name__}",
              file=sys.stderr)
        return 2
    with lock:  # held until the process ends; the kernel releases it even on a crash
        return _serve(settings)


def damaged_database_help(exc: DamagedDatabase) -> str:
    """One line for a database that does not read as SQLite: the file, and how to put a backup in place."""
    return (f"the database {exc.path} is damaged ({exc.reason}); the bot did not start and changed nothing. "
            f"Put your newest backup in place with `aftercare restore BACKUP.db` (it keeps the damaged file "
            f"beside it), then start again")


def _explain(exc: ConfigError) -> str:
    """The one line (or the token help) for a configuration error; a bad token says where it was read from."""
    text = str(exc)
    if "TELEGRAM_BOT_TOKEN is not set" in text:
        return NO_TOKEN_HELP
    if text.startswith("TELEGRAM_BOT_TOKEN"):
        text += (f"; it was read from {origin('TELEGRAM_BOT_TOKEN')}: fix it there, "
                 "or run `aftercare setup` to check and save a new one")
    more = len(exc.problems) - 1
    return f"error: {text}" + (f" (and {more} more: `aftercare doctor` lists them all)" if more > 0 else "")


def warn_before_going_live(settings: Settings) -> None:
    """Say loudly in the log (stderr) what leaves patients unprotected (bot/readiness.py); start anyway."""
    warnings = go_live_warnings(settings)
    if warnings:
        warnings.append("starting anyway; `aftercare doctor --strict` fails until this is fixed")
    for warning in warnings:  # operator sentences with no patient data: logged as they are
        text = f"NOT READY FOR PATIENTS: {warning}"
        log.warning("%s", text, extra={"event": NOT_READY, "fields": {"msg": text}})


def announce_when_running(application, settings: Settings) -> None:
    """Once Telegram has said who the bot is (getMe, in initialize): log the bot, the clinic, the patient link and
    readiness in one line (after the app's own post_init, which registers the command menu)."""
    inner = application.post_init

    async def post_init(app) -> None:
        if inner is not None:
            await inner(app)
        text = running_line(settings, app.bot.username)  # operator words and the public link: no patient data
        log.info("%s", text, extra={"event": RUNNING, "fields": {"msg": text}})

    application.post_init = post_init


def _serve(settings: Settings) -> int:
    """Open the store, run the application, and close the store only after the application has stopped."""
    from telegram.error import InvalidToken, NetworkError


    clock = SystemClock()
    try:
        store = open_store(settings.database_path, settings.sealer())
    except DataKeyError as exc:
        print(f"error: AFTERCARE_DATA_KEY: {exc}; start with the key this database was written with",
              file=sys.stderr)
        return 2
    except DamagedDatabase as exc:
        print(f"error: {damaged_database_help(exc)}", file=sys.stderr)
        return 2
    except StoreError as exc:  # locked by another program, unreadable: said, never a traceback
        print(f"error: the database {settings.database_path} cannot be opened: {exc}", file=sys.stderr)
        return 2
    try:
        application = build_app(settings, store, clock)
    except ValueError as exc:  # a plan or catalog that does not validate
        print(f"error: {exc}", file=sys.stderr)
        store.close()
        return 2
    announce_when_running(application, settings)
    watchdog = _guard_dispatcher(settings, clock)
    mode = "webhook" if settings.webhook_url else "polling"
    log_event(log, STARTING, mode=mode, plan=settings.clinic.plan)
    warn_before_going_live(settings)
    code = 0
    try:
        # Both calls install SIGINT/SIGTERM handlers that stop the application: updates stop coming, the
        # dispatcher finishes the sends in flight and records them, jobs end, then they return here.
        if settings.webhook_url:
            guard_webhook_server(settings.webhook_secret or "")
            application.run_webhook(**webhook_options(settings))
        else:
            application.run_polling(allowed_updates=list(UPDATE_TYPES))
    except InvalidToken:  # its message quotes the token: never printed, not even redacted
        print(f"error: {REJECTED_TOKEN}", file=sys.stderr)
        code = 2
    except NetworkError as exc:  # raised out of run_*: start-up could not reach the Bot API at all
        print(f"error: cannot reach the Telegram Bot API at {_host(settings.api_url)} ({type(exc).__name__}): "
              "check TELEGRAM_API_URL and the network", file=sys.stderr)
        code = 2
    finally:
        watchdog.stop()
        store.close()  # every write is its own transaction: nothing is left half-written
        log_event(log, STOPPED)
    return code or (WATCHDOG_EXIT_CODE if watchdog.fired else 0)


REJECTED_TOKEN = "Telegram rejected the token: check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL"


def _host(url: str) -> str:
    """Scheme and host of a URL, nothing of its path (where a token could be)."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def webhook_options(settings: Settings) -> dict:
    """Arguments for PTB's webhook server: the URL's path is served, and the secret header is required
    (bot/webhook.py answers 403 to a request without it before reading its body, and refuses bodies
    over 1 MB)."""
    return {"listen": settings.webhook_listen, "port": settings.webhook_port,
            "url_path": urlparse(settings.webhook_url or "").path.lstrip("/"),
            "webhook_url": settings.webhook_url, "secret_token": settings.webhook_secret,
            "allowed_updates": list(UPDATE_TYPES)}  # only what the handlers read (bot/handlers/registry.py)


def _guard_dispatcher(settings: Settings, clock) -> Watchdog:
    """A watchdog over the dispatcher's heartbeat (build_app installed the dispatcher itself)."""
    watchdog = Watchdog(settings.data_dir, clock.now, clock=clock)
    watchdog.start()
    return watchdog

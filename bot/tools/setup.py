"""`aftercare setup`: the guided, re-runnable way from a bot token to a bot that is live for one clinic.

    token ──getMe──▶ clinic profile ──▶ staff chat (/clinicid) ──▶ admins (/myid) ──▶ data key ──▶ link + QR poster

Each step shows what is set and keeps it on Enter, and saves on its own (to `.env`, 0600, and the
clinic profile TOML), so stopping half-way loses nothing already answered. A token is saved only
after Telegram accepted it. ``Console`` takes the input functions, so tests drive it with a script.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Mapping, TextIO

from bot.store import kept_updates
from bot.config import TOKEN_FORMAT, ConfigError, load_settings, origin
from bot.runtime import AlreadyRunning, OpsError, acquire_instance_lock
from bot.tools.common import INTERRUPTED_CODE
from bot.tools.envfile import set_env_values
from bot.tools.setup_profile import ask_profile
from bot.tools.setup_telegram import SetupTelegram

ENV_FILE = Path(".env")
STOPPED = "Setup stopped; the steps answered so far are saved. Run `aftercare setup` to go on."
KEY_FILE = Path(".aftercare.key")


class Console:
    """The operator's terminal: questions with defaults (Enter keeps them), yes/no, a hidden secret."""

    def __init__(self, ask: Callable[[str], str] = input, secret: Callable[[str], str] | None = None,
                 out: TextIO | None = None) -> None:
        self._ask, self._secret, self.out = ask, secret or ask, out or sys.stdout

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def ask(self, question: str, default: str | None = None) -> str:
        answer = self._ask(f"{question}{f' [{default}]' if default else ''}: ").strip()
        return answer or (default or "")

    def yes(self, question: str, default: bool = True) -> bool:
        answer = self._ask(f"{question} [{'Y/n' if default else 'y/N'}]: ").strip().lower()
        return default if not answer else answer.startswith("y")

    def secret(self, question: str) -> str:
        return self._secret(f"{question}: ").strip()


class Setup:
    """The guide's state: the settings as saved so far, and where they are saved."""

    def __init__(self, console: Console, environ: Mapping[str, str], env_file: Path) -> None:
        self.console, self.environ, self.env_file = console, dict(environ), env_file
        self.telegram: SetupTelegram | None = None
        self.answered: set[int] = set()  # update ids of /clinicid and /myid already answered in their chats
        self.skipped: set[int] = set()  # update ids of those without set-up's code, already named and skipped
        token = self.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if token and not TOKEN_FORMAT.fullmatch(token):  # setup is the way to fix it: ask for a new one
            console.say(f"The saved token ({origin('TELEGRAM_BOT_TOKEN')}) does not look like a bot token; "
                        "setup asks for a new one.")
            self.environ["TELEGRAM_BOT_TOKEN"] = ""

    def save(self, **values: str) -> None:
        set_env_values(self.env_file, values)
        self.environ.update(values)
        for name, value in values.items():
            if os.environ.get(name, value) != value:
                self.console.say(f"  note: {name} is also set in the environment, which wins over .env; "
                                 "change or unset it there")

    def settings(self):
        return load_settings(self.environ, require_token=False)

    # ---- 1. the token ------------------------------------------------------------------------------
    def token(self) -> bool:
        from telegram.error import Forbidden, InvalidToken, NetworkError

        say, settings = self.console.say, self.settings()
        say("1. The bot token (from @BotFather in Telegram: /newbot)")
        candidates = [settings.token] if settings.token else []
        for attempt in range(4):
            token = candidates.pop() if candidates else self.console.secret("   Paste the token")
            if not token:
                say("   No token: nothing saved. Run `aftercare setup` again when you have one.")
                return False
            if not TOKEN_FORMAT.fullmatch(token):
                say("   That does not look like a bot token (digits, a colon, then letters, digits, _ and -); "
                    "nothing was saved.")
                continue
            # No database yet: no patient can be waiting for an answer, so a backlog past Telegram's 100 may be
            # read from its newest end (the older updates are then dropped) to find the operator's fresh commands.
            ran = settings.database_path.exists()  # a bot that has run: its waiting updates are kept, not dropped
            telegram = SetupTelegram(token, settings.api_url, settings.file_url, newest_first=not ran,
                                     keep=functools.partial(kept_updates.keep, settings.data_dir, settings.sealer())
                                     if ran and settings.sealer() else None)
            try:
                username = telegram.check_token()
            except (InvalidToken, Forbidden):
                say("   Telegram rejected this token (revoked or mistyped?); nothing was saved.")
                continue
            except NetworkError as exc:
                say(f"   Could not reach Telegram ({type(exc).__name__}); nothing was saved. Check the network "
                    "and run `aftercare setup` again.")
                return False
            self.telegram = telegram
            if token == settings.token:
                say(f"   The saved token is accepted by Telegram: the bot is @{username}.")
                return True
            self.save(TELEGRAM_BOT_TOKEN=token)
            say(f"   Accepted by Telegram: the bot is @{username}. Saved in {self.env_file} (owner-only).")
            return True
        say("   Still no valid token; nothing was saved. Run `aftercare setup` again.")
        return False

    # ---- 2. the clinic profile ---------------------------------------------------------------------
    def profile(self) -> None:
        from bot.clinic_profile import default_clinic_file, render_clinic

        settings = self.settings()
        self.console.say("\n2. Your clinic (what patients are told; Enter keeps the value in [brackets])")
        profile = ask_profile(self.console, settings.clinic)
        shipped = Path(settings.clinic_file).resolve() == Path(default_clinic_file()).resolve()
        path = Path("clinic.toml") if shipped else Path(settings.clinic_file)
        path.write_text(render_clinic(profile), encoding="utf-8")
        self.save(AFTERCARE_CLINIC_FILE=str(path))
        self.console.say(f"   Wrote {path}; AFTERCARE_CLINIC_FILE={path} saved in {self.env_file}.")

    # ---- 3 and 4. the staff chat and the admins ------------------------------------------------------
    def clinic_chat(self) -> None:
        from bot.tools.setup_ids import ask_clinic_chat
        ask_clinic_chat(self)

    def admins(self) -> None:
        from bot.tools.setup_ids import ask_admins
        ask_admins(self)

    # ---- 5. the data key -----------------------------------------------------------------------------
    def data_key(self) -> None:
        from bot.crypto import write_key_file

        if self.settings().data_key is not None:
            return
        if not KEY_FILE.exists():
            write_key_file(KEY_FILE)
        self.save(AFTERCARE_DATA_KEY_FILE=str(KEY_FILE))
        self.console.say(f"\n5. Created {KEY_FILE}: it encrypts what patients type. Keep it safe and apart from "
                         "backups; without it the stored answers cannot be read.")

    # ---- 6. the patient link and the poster ------------------------------------------------------------
    def poster(self) -> None:
        from bot.tools.poster import patient_link, write_poster

        settings = self.settings()
        link = patient_link(self.telegram.username, settings.clinic.plan)
        png, pdf = write_poster(link, settings.clinic.contact_values(), Path("."), language=settings.language,
                                catalog_dir=settings.catalog_dir)
        self.console.say(f"\n6. The patient link: {link}\n   A poster with its QR code to print: {png} and {pdf}")

    def finish(self) -> int:
        from bot.readiness import go_live_warnings

        warnings = go_live_warnings(self.settings())
        for warning in warnings:
            self.console.say(f"\nNot ready for real patients yet: {warning}")
        self.console.say("\nDone. `python3 tasks.py run` (or `aftercare run`) starts the bot; "
                         "`python3 tasks.py setup` (or `aftercare setup`) changes any of this later.")
        return 1 if warnings else 0


def setup_command(environ: Mapping[str, str], rest: list[str], console: Console | None = None,
                  env_file: Path = ENV_FILE) -> int:
    """Run the guide: 0 when the bot is ready for patients, 1 when something is still missing (the bot warns),
    2 on bad settings, 3 when stopped (no token, or the end of input), 130 on Ctrl-C (one line, no traceback)."""
    argparse.ArgumentParser(
        prog="aftercare setup",
        description="The guided set-up, run again to change anything: checks the bot token with Telegram, "
                    "writes your clinic profile, finds the staff chat (/clinicid) and the admins (/myid), "
                    "creates the data key, and writes the patient link's QR poster (PNG and PDF). "
                    "Settings go to .env (owner-only). Stop the bot while this runs.").parse_args(rest)
    console = console or Console(secret=getpass.getpass if sys.stdin.isatty() else input)
    try:
        guide = Setup(console, environ, env_file)
        settings = guide.settings()
    except ConfigError as exc:
        print(f"error: {exc}; fix it in {env_file} (or the environment) first", file=sys.stderr)
        return 2
    try:  # held while the guide runs: a bot started half-way would read the set-up's messages itself
        lock = acquire_instance_lock(settings.data_dir) if settings.data_dir.is_dir() else nullcontext()
    except AlreadyRunning:
        print(BOT_RUNNING.format(folder=settings.data_dir), file=sys.stderr)
        return 3
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with lock:
        return _guide(guide, console)


# R6: both processes would read the bot's updates, and the bot reads new settings only when it starts.
BOT_RUNNING = ("error: the bot is running with the data folder {folder}: stop it first (Ctrl-C in its terminal, "
               "`systemctl stop aftercare`, or `docker compose stop`), then run the set-up again, and start the bot "
               "afterwards; nothing was changed")


def _guide(guide: Setup, console: Console) -> int:
    console.say("aftercare setup: a few questions to take the bot live for your clinic. Ctrl-C stops; "
                "every answered step is already saved.\n")
    try:
        if not guide.token():
            return 3
        guide.profile()
        guide.clinic_chat()
        guide.admins()
        guide.data_key()
        guide.poster()
    except KeyboardInterrupt:
        console.say(f"\n{STOPPED}")
        return INTERRUPTED_CODE
    except EOFError:
        console.say(f"\n{STOPPED}")
        return 3
    return guide.finish()

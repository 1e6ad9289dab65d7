"""`aftercare demo`: the real bot in a terminal, with a fake Telegram and a clock you move.

The same ``build_app`` (handlers, store, planner, dispatcher, triage) runs against
the in-process Bot API double (:mod:`bot.tools.simulated_telegram`), a :class:`~bot.clock.ManualClock`
and a throwaway SQLite database. The terminal plays the patient's phone: bot
messages are printed as they arrive, buttons are numbered, and the patient types
text, a /command or a button number. ``:skip 1d`` moves the clock and lets the
dispatcher deliver everything that became due in between, each at its own
instant, so a month of reminders and check-ins can be watched in minutes.

Nothing in production code knows about the demo: only the clock, the Bot API and
the sender's pacing clock (virtual, so the demo never waits) differ.

This module is the session: the command line, the demo's settings, and a bot started and stopped
around the patient's lines. The parts: :mod:`bot.tools.demo_screen` prints what the bot sends,
:mod:`bot.tools.demo_phone` is what the patient does and the time travel, and
:mod:`bot.tools.demo_script` reads the patient's lines and the ``:`` commands.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import threading
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping, TextIO

# The demo's parts, importable from here as before the split (tests import PATIENT_CHAT and parse_skip).
from bot.tools.common import INTERRUPTED, INTERRUPTED_CODE
from bot.tools.demo_phone import (CLINIC_CHAT, DEMO_LOCATION, MAX_RUNS_PER_SKIP, PATIENT_CHAT, PATIENT_NAME,
                                  STAFF_NAME, STAFF_USER, Phone)
from bot.tools.demo_screen import INDENT, Button, button_rows, buttons_of, numbered_lines
from bot.tools.demo_script import HELP, parse_skip, play

__all__ = ["PATIENT_CHAT", "PATIENT_NAME", "CLINIC_CHAT", "STAFF_NAME", "DEMO_TOKEN", "DEMO_LOCATION", "INDENT",
           "MAX_RUNS_PER_SKIP", "HELP", "BANNER", "parse_skip", "Button", "button_rows", "buttons_of",
           "numbered_lines", "Phone", "demo_environ", "run_demo", "demo_command"]

DEMO_TOKEN = "0:demo"

BANNER = """aftercare demo: you are the patient ({name}); the bot is real, Telegram is simulated.
Type text, a /command or a button number; :skip 1d moves time; :help for more."""


def demo_environ(data_dir: Path, temporary: bool, environ: Mapping[str, str]) -> dict[str, str]:
    """The settings the demo's bot starts with: a dummy token, its data folder, the clinic file if one is
    configured, and a data key, so what the patient types is sealed exactly as in production. A temporary
    database gets a fresh key; a kept one (``--data-dir``) the configured key, or else a key file kept
    beside the folder (``DIR.key``, never inside it), so the next demo run can open it again."""
    from bot.crypto import new_key, write_key_file

    demo = {"TELEGRAM_BOT_TOKEN": DEMO_TOKEN, "AFTERCARE_DATA_DIR": str(data_dir),
            "AFTERCARE_CLINIC_CHAT_ID": str(CLINIC_CHAT),
            "AFTERCARE_ADMIN_IDS": str(STAFF_USER)}  # the nurse speaks for the clinic (only the team can)
    for name in ("AFTERCARE_CLINIC_FILE", "AFTERCARE_CATALOG_DIR"):  # the clinic's profile and own texts
        if environ.get(name, "").strip():
            demo[name] = environ[name].strip()
    configured = {name: environ[name] for name in ("AFTERCARE_DATA_KEY", "AFTERCARE_DATA_KEY_FILE")
                  if environ.get(name, "").strip()}
    if temporary:
        demo["AFTERCARE_DATA_KEY"] = new_key()
    elif configured:
        demo.update(configured)
    else:
        key_file = data_dir.resolve().with_name(data_dir.resolve().name + ".key")
        if not key_file.exists():
            write_key_file(key_file)
        demo["AFTERCARE_DATA_KEY_FILE"] = str(key_file)
    return demo


async def run_demo(lines: Iterable[str] | None, out: TextIO, data_dir: Path | None, files_dir: Path,
                   start: datetime | None, *, inp: TextIO | None = None,
                   environ: Mapping[str, str] | None = None) -> int:
    """Run the demo: the patient's ``lines`` (a script, echoed as a transcript), or the keyboard when None.

    ``environ`` is read for AFTERCARE_CLINIC_FILE, AFTERCARE_CATALOG_DIR and, with a kept ``data_dir``, the data
    key only."""
    from bot.app import build_app
    from bot.clock import ManualClock, VirtualTime
    from bot.config import load_settings
    from bot.delivery.dispatch import dispatcher_of
    from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
    from bot.runtime import acquire_instance_lock
    from bot.store import open_store

    # The one place where the real clock is read: where the demo's hand-moved clock starts.
    clock = ManualClock(start or datetime.now(timezone.utc).replace(second=0, microsecond=0))
    files_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        temporary = data_dir is None
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aftercare-demo-")))
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings = load_settings(demo_environ(data_dir, temporary, environ or {}))
        stack.enter_context(acquire_instance_lock(settings.data_dir))  # never beside a bot on the same data
        store = open_store(settings.database_path, settings.sealer())
        stack.callback(store.close)
        telegram = FakeTelegram(first_update_id=store.newest_update_id() + 1)  # a kept database saw some
        time = VirtualTime()
        app = build_app(settings, store, clock, request=FakeRequest(telegram),
                        sender_options={"monotonic": time.monotonic, "sleep": time.sleep})
        dispatcher = dispatcher_of(app)
        await app.initialize()
        try:
            phone = Phone(app, telegram, store, clock, settings, dispatcher, out, files_dir)
            phone.say(BANNER.format(name=PATIENT_NAME))
            phone.say(f"{INDENT}(now {phone.describe(clock.now())})")
            await phone.deliver_due(clock.now())  # a --data-dir from an earlier run may have something due
            await play(phone, lines, out, inp or sys.stdin)
            phone.say("(demo over)")
        finally:
            dispatcher.stop()
            await app.shutdown()
    return 0


def demo_command(argv: list[str], out: TextIO | None = None, inp: TextIO | None = None,
                 environ: Mapping[str, str] | None = None) -> int:
    """`aftercare demo`: try the bot in this terminal, without Telegram, a token or a network."""
    from bot.config import ConfigError
    from bot.crypto import DataKeyError
    from bot.runtime import AlreadyRunning

    parser = argparse.ArgumentParser(prog="aftercare demo", description=demo_command.__doc__)
    parser.add_argument("--script", type=Path, metavar="FILE",
                        help="read the patient's lines from FILE (one a line, # for comments) and print the transcript")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="keep the demo's database in DIR (default: a temporary folder, deleted at the end); "
                             "never the bot's real data folder")
    parser.add_argument("--files", type=Path, metavar="DIR",
                        help="where documents and photos the bot sends are saved (default: a new temporary folder)")
    parser.add_argument("--start", type=_instant, metavar="ISO",
                        help="the instant the demo starts at, e.g. 2026-11-23T09:00:00+00:00 (default: now)")
    args = parser.parse_args(argv)
    out, inp = out or sys.stdout, inp or sys.stdin  # looked up now, so a redirected stdout is honoured
    environ = dict(os.environ if environ is None else environ)
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # as `aftercare run` does (python-telegram-bot 22 opt-in)
    lines: list[str] | None = None
    if args.script is not None:
        try:
            lines = args.script.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            print(f"error: cannot read the script {args.script}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    files_dir = args.files or Path(tempfile.mkdtemp(prefix="aftercare-demo-files-"))
    print(f"(files the bot sends are saved in {files_dir})", file=sys.stderr)
    try:
        return asyncio.run(_interruptible(run_demo(lines, out, args.data_dir, files_dir, args.start, inp=inp,
                                                   environ=environ)))
    except DataKeyError as exc:
        print(f"error: {exc}: the database in {args.data_dir} was written with another data key",
              file=sys.stderr)
        return 2
    except (ConfigError, AlreadyRunning, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{INTERRUPTED}", file=sys.stderr)
        return INTERRUPTED_CODE


async def _interruptible(run):
    """Await ``run`` with Python's own Ctrl-C handler: asyncio.run's only cancels the task, which the demo's
    blocking read of the keyboard never notices (the read resumes after the signal), so Ctrl-C did nothing."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return await run


def _instant(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO instant: {text!r} (e.g. 2026-11-23T09:00:00+00:00)") from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError("give the instant with its offset, e.g. 2026-11-23T09:00:00+00:00")
    return when

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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, TextIO
from zoneinfo import ZoneInfo

PATIENT_CHAT = 1001
PATIENT_NAME = "Ana"
CLINIC_CHAT = -100100  # the demo clinic's team chat: alerts and relayed messages show as [chat -100100]
STAFF_NAME = "Sam"
DEMO_TOKEN = "0:demo"
DEMO_LOCATION = {"latitude": 51.5072, "longitude": -0.1276}  # what "share my location" shares: London
INDENT = " " * 5
MAX_RUNS_PER_SKIP = 100_000  # a safety net: a skip never loops for ever

HELP = """Type a message or a /command as the patient would, or a number to tap that button
of the latest message with buttons. Demo commands:
  :skip 1d   move the clock forward (also 8h, 30m, 2d12h) and deliver what fell due
  :staff TEXT  a nurse in the clinic chat replies TEXT to the newest message there about the patient
  :now       the patient's local time and the day since treatment
  :help      this text
  :quit      stop the demo (end of input does too)"""

BANNER = """aftercare demo: you are the patient ({name}); the bot is real, Telegram is simulated.
Type text, a /command or a button number; :skip 1d moves time; :help for more."""

_SKIP = re.compile(r"^(?:\d+[dhm])+$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_skip(text: str) -> timedelta | None:
    """``1d``, ``8h``, ``30m`` or a combination such as ``2d12h``; None when malformed or zero."""
    text = text.strip().lower().replace(" ", "")
    if not _SKIP.match(text):
        return None
    delta = sum((int(n) * _UNITS[unit] for n, unit in re.findall(r"(\d+)([dhm])", text)), timedelta())
    return delta or None


@dataclass(frozen=True)
class Button:
    """A numbered button on the phone: an inline button (tap), or a reply-keyboard one (text or location)."""

    label: str
    action: str            # tap, text or location
    data: str = ""         # callback data for a tap
    message_id: int = 0


def button_rows(sent: Any) -> list[list[Button]]:
    """The buttons a message shows, row by row as the phone lays them out."""
    inline = [[Button(label, "tap", data, sent.message_id) for label, data in row] for row in sent.buttons]
    reply = [[Button(button.get("text", ""), "location" if button.get("request_location") else "text")
              for button in row] for row in (sent.keyboard or [])]
    return [row for row in inline + reply if row]


def buttons_of(sent: Any) -> list[Button]:
    """The buttons a message shows, in reading order (the order they are numbered in)."""
    return [button for row in button_rows(sent) for button in row]


def numbered_lines(sent: Any) -> list[str]:
    """One line per row of buttons, numbered on from the row before: ``[1] Yes  [2] No``."""
    lines, number = [], 0
    for row in button_rows(sent):
        lines.append("  ".join(f"[{number + i}] {button.label}" for i, button in enumerate(row, 1)))
        number += len(row)
    return lines


class Phone:
    """The terminal as the patient's phone: prints what the bot sends, turns typed lines into updates."""

    def __init__(self, app, telegram, store, clock, settings, dispatcher, out: TextIO, files_dir: Path) -> None:
        self.app, self.telegram, self.store, self.clock = app, telegram, store, clock
        self.settings, self.dispatcher, self.out, self.files_dir = settings, dispatcher, out, files_dir
        self.header: str | None = None  # printed before the next message (the instant a delivery ran)
        self.saved = 0
        self.shown: dict[int, str] = {}  # the text last printed for each message id
        telegram.observer = self.observe

    # ---- what the phone shows ---------------------------------------------------------
    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def observe(self, event: str, sent: Any) -> None:
        """FakeTelegram calls this for every message sent or edited."""
        if self.header is not None:
            self.say(self.header)
            self.header = None
        prefix = "" if sent.chat_id == PATIENT_CHAT else f"[chat {sent.chat_id}] "
        marker = "(edited) " if event == "edited" else ""
        numbered = buttons_of(sent)
        if event == "edited" and self.shown.get(sent.message_id) == sent.text:  # only the buttons changed
            self.say(f"{prefix}bot> (edited: buttons {'changed' if numbered else 'removed'})")
            for line in numbered_lines(sent):
                self.say(INDENT + line)
            return
        self.shown[sent.message_id] = sent.text
        if sent.kind != "text":
            lines = [f"[{sent.kind}] {sent.text}".rstrip()]
            if event == "sent" and sent.file_bytes is not None:
                lines.append(f"saved {self.save(sent)}")
        else:
            lines = sent.text.split("\n")
        lines += numbered_lines(sent)
        first, *rest = lines
        self.say(f"{prefix}bot> {marker}{first}".rstrip())
        for line in rest:
            self.say(f"{INDENT}{line}".rstrip())

    def save(self, sent: Any) -> str:
        """Write a document or photo to the files folder; returns its name relative to that folder."""
        content = sent.file_bytes if isinstance(sent.file_bytes, bytes) else str(sent.file_bytes).encode()
        name = sent.file_name or ""
        if sent.kind == "photo" or not name or name.startswith("application."):
            stem, suffix = sent.kind, _image_suffix(content)
        else:
            stem, suffix = Path(name).stem, Path(name).suffix
        while True:
            self.saved += 1
            relative = f"{stem}-{self.saved}{suffix}"
            path = self.files_dir / relative
            if not path.exists():
                break
        path.write_bytes(content)
        return relative

    def current_buttons(self) -> list[Button]:
        """The buttons of the latest message in the patient's chat that has any."""
        for sent in reversed(self.telegram.chat(PATIENT_CHAT)):
            numbered = buttons_of(sent)
            if numbered:
                return numbered
        return []

    # ---- what the patient does ----------------------------------------------------------
    async def feed(self, data: dict) -> None:
        from bot.tools.simulated_updates import as_update
        await self.app.process_update(as_update(data, self.app.bot))
        await self.deliver_due(self.clock.now())  # re-planning may have made something due right now

    async def type_text(self, text: str) -> None:
        await self.feed(self.telegram.message(PATIENT_CHAT, text, first_name=PATIENT_NAME))

    async def press(self, number: int) -> None:
        numbered = self.current_buttons()
        if not 1 <= number <= len(numbered):
            self.say(f"{INDENT}(there is no button {number}" + (f"; 1 to {len(numbered)} on the latest message)"
                                                                  if numbered else ")"))
            return
        button = numbered[number - 1]
        shared = " (the demo phone shares a spot in London)" if button.action == "location" else ""
        self.say(f"{INDENT}↳ {button.label}{shared}")
        if button.action == "tap":
            await self.feed(self.telegram.callback(PATIENT_CHAT, button.data, message_id=button.message_id,
                                                   first_name=PATIENT_NAME))
        elif button.action == "location":
            await self.feed(self.telegram.message(PATIENT_CHAT, None, first_name=PATIENT_NAME,
                                                  location=dict(DEMO_LOCATION)))
        else:
            await self.type_text(button.label)

    async def staff_reply(self, text: str) -> None:
        """A nurse replies, in the clinic chat, to the newest relayed message or alert about the patient."""
        about = next((m for m in reversed(self.telegram.chat(CLINIC_CHAT))
                      if self.store.patient_of_clinic_message(m.message_id) == PATIENT_CHAT), None)
        if not text or about is None:
            self.say(f"{INDENT}(say what the nurse answers, after a message reached the clinic chat)")
            return
        await self.feed(self.telegram.reply(CLINIC_CHAT, text, about, first_name=STAFF_NAME))

    # ---- time travel ----------------------------------------------------------------------
    async def deliver_due(self, target: datetime) -> int:
        """Run the dispatcher at every due instant up to ``target``, in order; returns the runs made."""
        runs = 0
        stuck_at: datetime | None = None
        while runs < MAX_RUNS_PER_SKIP:
            due = self.store.next_due_at()
            if due is None or due > target:
                break
            when = max(due, self.clock.now())  # never backwards: something overdue is judged late, as live
            if when > self.clock.now():
                self.header = f"  ⏰ {self.describe(when)}"
            self.clock.set(when)
            report = await self.dispatcher.run_once(when)
            runs += 1
            if report.claimed == 0:  # nothing could be claimed at this instant: do not spin on it
                if stuck_at == due:
                    break
                stuck_at = due
        self.header = None
        return runs

    async def skip(self, delta: timedelta) -> None:
        target = self.clock.now() + delta
        await self.deliver_due(target)
        self.clock.set(target)
        self.say(f"{INDENT}(now {self.describe(target)})")

    def describe(self, when: datetime) -> str:
        """The patient's local time, and the day since treatment once there is one."""
        patient = self.store.patient(PATIENT_CHAT)
        zone = ZoneInfo((patient.zone if patient else None) or self.settings.clinic.timezone)
        local = when.astimezone(zone)
        text = f"{local:%a %d %b %Y %H:%M} {zone.key}"
        if patient and patient.treatment:
            text += f", day {(local.date() - patient.treatment.treatment_date).days} since treatment"
        return text

    # ---- one line -------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Act on one line the patient typed; False when the demo should end."""
        text = line.strip()
        if not text:
            return True
        if text.startswith(":"):
            command, _, argument = text[1:].partition(" ")
            command = command.lower()
            if command in {"quit", "q", "exit"}:
                return False
            if command == "help":
                self.say(HELP)
            elif command == "staff":
                await self.staff_reply(argument.strip())
            elif command == "now":
                self.say(f"{INDENT}{self.describe(self.clock.now())}")
            elif command == "skip":
                delta = parse_skip(argument)
                if delta is None:
                    self.say(f"{INDENT}(say how far: :skip 1d, :skip 8h, :skip 30m)")
                else:
                    await self.skip(delta)
            else:
                self.say(f"{INDENT}(unknown demo command {text.split()[0]}; :help lists them)")
            return True
        if text.isdigit():
            await self.press(int(text))
        else:
            await self.type_text(text)
        return True


def _image_suffix(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return ".png"
    if content.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".bin"


def _interactive(out: TextIO, inp: TextIO) -> Iterator[str]:
    """Lines from the keyboard after a ``you>`` prompt (echoed when piped, so the output reads as typed)."""
    echo = not (hasattr(inp, "isatty") and inp.isatty())
    while True:
        out.write("you> ")
        out.flush()
        line = inp.readline()
        if not line:
            out.write("\n")
            return
        line = line.rstrip("\r\n")
        if echo:
            out.write(line + "\n")
        yield line


def demo_environ(data_dir: Path, temporary: bool, environ: Mapping[str, str]) -> dict[str, str]:
    """The settings the demo's bot starts with: a dummy token, its data folder, the clinic file if one is
    configured, and a data key, so what the patient types is sealed exactly as in production. A temporary
    database gets a fresh key; a kept one (``--data-dir``) the configured key, or else a key file kept
    beside the folder (``DIR.key``, never inside it), so the next demo run can open it again."""
    from bot.crypto import new_key, write_key_file

    demo = {"TELEGRAM_BOT_TOKEN": DEMO_TOKEN, "AFTERCARE_DATA_DIR": str(data_dir),
            "AFTERCARE_CLINIC_CHAT_ID": str(CLINIC_CHAT)}
    if environ.get("AFTERCARE_CLINIC_FILE", "").strip():
        demo["AFTERCARE_CLINIC_FILE"] = environ["AFTERCARE_CLINIC_FILE"].strip()
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

    ``environ`` is read for AFTERCARE_CLINIC_FILE and, with a kept ``data_dir``, the data key only."""
    from bot.app import build_app
    from bot.clock import ManualClock, VirtualTime
    from bot.config import load_settings
    from bot.dispatch import dispatcher_of
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
            scripted = lines is not None
            for line in (lines if scripted else _interactive(out, inp or sys.stdin)):
                line = line.rstrip("\r\n")
                if scripted:
                    phone.say(line if line.startswith("#") or not line.strip() else f"you> {line}")
                if line.startswith("#"):
                    continue
                if not await phone.handle(line):
                    break
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
        return asyncio.run(run_demo(lines, out, args.data_dir, files_dir, args.start, inp=inp, environ=environ))
    except DataKeyError as exc:
        print(f"error: {exc}: the database in {args.data_dir} was written with another data key",
              file=sys.stderr)
        return 2
    except (ConfigError, AlreadyRunning, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _instant(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO instant: {text!r} (e.g. 2026-11-23T09:00:00+00:00)") from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError("give the instant with its offset, e.g. 2026-11-23T09:00:00+00:00")
    return when

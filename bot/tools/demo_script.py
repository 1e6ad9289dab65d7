"""The demo's input: the patient's lines (a script or the keyboard) and the ``:`` commands among them.

A line is text or a /command the patient sends, a number that taps a button, or a demo command:
``:skip 1d`` (move the clock), ``:staff TEXT`` (a nurse answers), ``:ack`` (a nurse acknowledges), ``:step``,
``:note``, ``:staffdo``, ``:open``, ``:forum``, ``:topic`` and ``:thread`` (the clinic's side), ``:reply``, ``:photo``, ``:edit``, ``:quick``,
``:block`` and ``:unblock`` (what else a patient does), ``:lang de`` (the patient's language), ``:now``, ``:help``, ``:quit``. What
each does to the phone is :class:`~bot.tools.demo_phone.Phone`'s business.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Iterable, Iterator, TextIO

from bot.tools.demo_screen import INDENT

if TYPE_CHECKING:
    from bot.tools.demo_phone import Phone

HELP = """Type a message or a /command as the patient would, or a number to tap that button
of the latest message with buttons. Demo commands:
  :skip 1d   move the clock forward (also 8h, 30m, 2d12h) and deliver what fell due
  :staff TEXT  a nurse in the clinic chat replies TEXT to the newest message there about the patient
  :ack       a nurse taps Acknowledge on the newest alert about the patient
  :step WORD   a nurse taps the alert's button with WORD (reached, no answer, resolved, note)
  :note TEXT   a nurse answers the note prompt with TEXT (kept for the team, never sent to the patient)
  :staffdo /COMMAND  a nurse types /invite DATE PLAN REF or /patient N ACTION in the clinic chat
  :open      the patient opens the newest invitation link the clinic chat got
  :forum     the clinic chat has topics on from now on: each patient gets a topic of their own
  :topic TEXT  a nurse writes TEXT in the patient's topic (a message of its own, not a reply)
  :thread    print the patient's topic as the staff see it
  :reply TEXT  the patient replies TEXT to the newest message from the clinic team
  :photo [CAPTION]  the patient sends a photo, with a caption if given
  :edit TEXT   the patient edits their last typed message to read TEXT
  :quick A | B  two messages, B written before the bot answered A
  :block, :unblock  the patient blocks (or unblocks) the bot
  :lang CODE  the patient's language from now on (a catalog's code: en, de, es)
  :now       the patient's local time and the day since treatment
  :help      this text
  :quit      stop the demo (end of input does too)"""

_SKIP = re.compile(r"^(?:\d+[dhm])+$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_skip(text: str) -> timedelta | None:
    """``1d``, ``8h``, ``30m`` or a combination such as ``2d12h``; None when malformed or zero."""
    text = text.strip().lower().replace(" ", "")
    if not _SKIP.match(text):
        return None
    delta = sum((int(n) * _UNITS[unit] for n, unit in re.findall(r"(\d+)([dhm])", text)), timedelta())
    return delta or None


async def play(phone: Phone, lines: Iterable[str] | None, out: TextIO, inp: TextIO) -> None:
    """Act on the patient's ``lines`` (a script, echoed as a transcript), or on the keyboard's when None."""
    scripted = lines is not None
    for line in (lines if scripted else keyboard_lines(out, inp)):
        line = line.rstrip("\r\n")
        if scripted:
            phone.say(line if line.startswith("#") or not line.strip() else f"you> {line}")
        if line.startswith("#"):
            continue
        if not await handle(phone, line):
            break


async def handle(phone: Phone, line: str) -> bool:
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
            phone.say(HELP)
        elif command == "staff":
            await phone.staff_reply(argument.strip())
        elif command == "ack":
            await phone.staff_acknowledge()
        elif command == "step":
            await phone.staff_step(argument.strip() or "acknowledge")
        elif command == "note":
            await phone.staff_note(argument.strip())
        elif command == "staffdo" and argument.strip().startswith("/"):
            await phone.staff_command(argument.strip())
        elif command == "forum":
            phone.make_forum()
        elif command == "topic":
            await phone.staff_in_topic(argument.strip())
        elif command == "thread":
            phone.show_thread()
        elif command == "open":
            await phone.open_invitation()
        elif command == "reply":
            await phone.reply_to_clinic(argument.strip())
        elif command == "photo":
            await phone.send_photo(argument.strip())
        elif command == "edit":
            await phone.edit_last(argument.strip())
        elif command == "quick" and "|" in argument:
            first, _, second = argument.partition("|")
            await phone.type_quickly(first.strip(), second.strip())
        elif command == "lang":
            phone.switch_language(argument.strip().lower())
        elif command in {"block", "unblock"}:
            await phone.block(command == "block")
        elif command == "now":
            phone.say(f"{INDENT}{phone.describe(phone.clock.now())}")
        elif command == "skip":
            delta = parse_skip(argument)
            if delta is None:
                phone.say(f"{INDENT}(say how far: :skip 1d, :skip 8h, :skip 30m)")
            else:
                await phone.skip(delta)
        else:
            phone.say(f"{INDENT}(unknown demo command {text.split()[0]}; :help lists them)")
        return True
    if text.isdigit():
        await phone.press(int(text))
    else:
        await phone.type_text(text)
    return True


def keyboard_lines(out: TextIO, inp: TextIO) -> Iterator[str]:
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

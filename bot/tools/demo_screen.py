"""What the demo's terminal shows: the bot's messages and edits as the patient's phone would, buttons numbered.

Pure rendering of what the simulated Telegram saw the bot send (:mod:`bot.tools.simulated_telegram`); the
patient's actions and the clock are :mod:`bot.tools.demo_phone`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

INDENT = " " * 5


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


class Screen:
    """The phone's screen in the terminal: prints each message the bot sends or edits, saves its files."""

    def __init__(self, out: TextIO, files_dir: Path, own_chat: int) -> None:
        self.out, self.files_dir, self.own_chat = out, files_dir, own_chat
        self.header: str | None = None  # printed before the next message (the instant a delivery ran)
        self.saved = 0
        self.shown: dict[int, str] = {}  # the text last printed for each message id
        # A forum topic's name by (chat, thread id), when the clinic chat has topics on (the demo's ``:forum``).
        self.topic_name: Callable[[int, int], str | None] = lambda chat_id, thread: None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def observe(self, event: str, sent: Any) -> None:
        """FakeTelegram calls this for every message sent or edited."""
        if self.header is not None:
            self.say(self.header)
            self.header = None
        prefix = "" if sent.chat_id == self.own_chat else f"[{self.where(sent.chat_id, sent.thread)}] "
        marker = "(edited) " if event == "edited" else ""
        numbered = buttons_of(sent)
        if event == "edited" and self.shown.get(sent.message_id) == sent.text:  # only the buttons changed
            self.say(f"{prefix}bot> (edited: buttons {'changed' if numbered else 'removed'})")
            for line in numbered_lines(sent):
                self.say(INDENT + line)
            return
        self.shown[sent.message_id] = sent.text
        if sent.kind == "topic":  # a forum topic's first message, as Telegram shows it
            lines = [f"(topic created: {sent.text})"]
        elif sent.kind != "text":
            lines = f"[{sent.kind}] {sent.text}".rstrip().split("\n")  # a caption of several lines, indented
            if event == "sent" and sent.file_bytes is not None:
                lines.append(f"saved {self.save(sent)}")
        else:
            lines = sent.text.split("\n")
        lines += numbered_lines(sent)
        first, *rest = lines
        self.say(f"{prefix}bot> {marker}{first}".rstrip())
        for line in rest:
            self.say(f"{INDENT}{line}".rstrip())

    def where(self, chat_id: int, thread: int | None) -> str:
        """How a group message is labelled: ``chat -100100``, with ``› <topic>`` inside a forum topic."""
        name = self.topic_name(chat_id, thread) if thread is not None else None
        return f"chat {chat_id}" + (f" › {name}" if name else "")

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


def _image_suffix(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return ".png"
    if content.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".bin"

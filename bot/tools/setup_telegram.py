"""What `aftercare setup` asks Telegram: is the token good (getMe), and who sent /clinicid or /myid.

Setup reads the bot's updates itself (getUpdates, while the bot is not running), answers /clinicid
and /myid that carry its one-time code with the same texts the running bot uses (bot/handlers/onboarding.py;
others are named to the operator and skipped, bot/tools/setup_ids.py), and at the end
confirms only the leading updates that were these commands, so a patient's message that came in
meanwhile still reaches the bot when it starts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from telegram import Bot, Update

SETUP_COMMANDS = ("/clinicid", "/myid")
BATCH = 100  # the most updates getUpdates returns at once


@dataclass(frozen=True)
class Seen:
    """One /clinicid or /myid sent to the bot: where, and by whom."""

    update_id: int
    command: str
    chat_id: int
    chat_type: str
    chat_title: str
    user_id: int | None
    user_name: str
    code: str = ""  # the word after the command: set-up's one-time code when it is the operator's


class SetupTelegram:
    """Short-lived Bot API calls for the set-up guide (each call opens and closes its own client)."""

    def __init__(self, token: str, api_url: str, file_url: str, newest_first: bool = False,
                 keep: Callable[[list[dict]], int] | None = None) -> None:
        self._token, self._api_url, self._file_url = token, api_url, file_url
        self.newest_first = newest_first
        self.keep = keep  # where the updates set-up must take from Telegram are kept for the bot (bot/store/kept_updates.py)
        self.kept = 0
        self.username: str | None = None
        self.backlog: str | None = None  # "dropped" or "full": a backlog past one batch, for the operator to hear
        self._told = False  # the operator heard of the backlog once
        self._seen: dict[int, Seen] = {}
        self._others: set[int] = set()  # ids of updates that are not setup commands: never confirmed

    def _call(self, action: Callable[[Bot], Awaitable[Any]]) -> Any:
        async def run():
            async with Bot(self._token, base_url=self._api_url, base_file_url=self._file_url) as bot:
                return await action(bot)
        return asyncio.run(run())

    def check_token(self) -> str:
        """The bot's username; raises telegram.error.InvalidToken/Forbidden (rejected) or NetworkError."""
        self.username = self._call(lambda bot: bot.get_me()).username
        return self.username

    def commands(self, command: str, wait_s: int = 2) -> list[Seen]:
        """Every ``command`` (/clinicid or /myid) sent so far, oldest first; reads without confirming.

        Telegram hands out the oldest 100 waiting updates, and shows later ones only once earlier ones are confirmed
        (dropped). With a full batch, set-up before any database exists (``newest_first``: nobody enrolled, no
        patient waits) reads the newest 100 instead, dropping the older ones (offset -100), so a backlog of
        strangers' messages cannot hide the operator's fresh command; with a database it never drops a patient's
        message, and ``backlog`` says the operator should type the id."""
        updates: list[Update] = self._call(lambda bot: bot.get_updates(timeout=wait_s))
        if len(updates) >= BATCH:
            if self.newest_first:
                updates = self._call(lambda bot: bot.get_updates(offset=-BATCH, timeout=0))
                self._others.clear()  # the dropped ones can no longer be confirmed, nor be answered
            elif self.keep is not None:
                updates = self._keep_backlog(updates)
            if not self._told:
                self.backlog = "dropped" if self.newest_first else "kept" if self.keep is not None else "full"
                self._told = True
        for update in updates:
            seen = self._parse(update)
            if seen is None:
                self._others.add(update.update_id)
            else:
                self._seen[update.update_id] = seen
        return [s for _, s in sorted(self._seen.items()) if s.command == command]

    def _keep_backlog(self, updates: list[Update]) -> list[Update]:
        """Take full batches from Telegram (confirming them) until fewer than 100 wait: set-up commands are read as
        usual, every other update is kept sealed for the bot (``keep``) before its batch is confirmed."""
        while len(updates) >= BATCH:
            others = []
            for update in updates:
                seen = self._parse(update)
                if seen is None:
                    others.append(update.to_dict())
                else:
                    self._seen[update.update_id] = seen
            self.kept = self.keep(others)  # kept before Telegram forgets them
            last = updates[-1].update_id
            updates = self._call(lambda bot: bot.get_updates(offset=last + 1, timeout=0))
        self._others.clear()  # what is left of the older ones is kept, not waiting in Telegram
        return updates

    def _parse(self, update: Update) -> Seen | None:
        message = update.message
        if message is None or not message.text:
            return None
        words = message.text.split()
        word, _, bot_name = words[0].partition("@")
        if word not in SETUP_COMMANDS or (bot_name and self.username and bot_name.lower() != self.username.lower()):
            return None
        chat, user = message.chat, message.from_user
        return Seen(update.update_id, word, chat.id, chat.type, chat.title or chat.first_name or "",
                    user.id if user else None, (user.full_name if user else "") or "",
                    words[1] if len(words) > 1 else "")

    def reply(self, chat_id: int, text: str) -> None:
        self._call(lambda bot: bot.send_message(chat_id, text))

    def confirm_setup_commands(self) -> None:
        """Confirm the leading run of setup commands, so the bot does not answer them again when it starts."""
        last = None
        for update_id in sorted(self._seen.keys() | self._others):
            if update_id in self._others:
                break
            last = update_id
        if last is not None:
            self._call(lambda bot: bot.get_updates(offset=last + 1, limit=1, timeout=0))

"""`aftercare admins list|add|remove`: the clinic's admins after set-up, edited in `.env` where set-up saved them.

Admins are ``AFTERCARE_ADMIN_IDS`` in `.env` (bot/tools/setup_ids.py writes it; bot/tools/envfile.py keeps every
other line as it was, atomically, owner-only). An admin sends ``/myid`` to the bot to learn their id. Edits are
checked first: a user id is a positive whole number (a group's id is negative), the last admin is removed only
with ``--force`` (nobody could then acknowledge an alert), and an admin removed is taken off the on-call list
too. The running bot reads its settings at start, so the command ends by saying to restart it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Mapping, TextIO

from bot.config import ConfigError, read_dotenv
from bot.tools.envfile import set_env_values

ADMINS, ONCALL = "AFTERCARE_ADMIN_IDS", "AFTERCARE_ONCALL_IDS"
RESTART = ("Restart the bot so it takes effect (`aftercare service` users: systemctl restart the unit; in a "
           "terminal: Ctrl-C, then start it again).")


def _ids(raw: str) -> list[int]:
    return [int(p) for p in (part.strip() for part in raw.split(",")) if p.lstrip("-").isdigit()]


def _user_id(text: str) -> int:
    if not text.strip().isdigit() or int(text) == 0:
        raise ConfigError(f"{text!r} is not a Telegram user id: a user id is a positive whole number (the admin "
                          "sends /myid to the bot to learn it; a group's id, with a minus sign, is not an admin)")
    return int(text)


def _joined(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids)


def admins_command(environ: Mapping[str, str], argv: list[str], env_file: Path = Path(".env"),
                   out: TextIO | None = None, process_environ: Mapping[str, str] | None = None) -> int:
    """`aftercare admins list|add ID...|remove ID...`: who may speak for the clinic, kept in .env."""
    parser = argparse.ArgumentParser(prog="aftercare admins", description=admins_command.__doc__)
    parser.add_argument("action", choices=["list", "add", "remove"])
    parser.add_argument("ids", nargs="*", metavar="ID", help="Telegram user ids (each admin's /myid)")
    parser.add_argument("--force", action="store_true", help="remove: allow removing the last admin")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    say = lambda text: print(text, file=out)  # noqa: E731
    process_environ = os.environ if process_environ is None else process_environ
    saved = read_dotenv(env_file)
    admins, oncall = _ids(saved.get(ADMINS, "")), _ids(saved.get(ONCALL, ""))
    if process_environ.get(ADMINS, "").strip():
        say(f"note: {ADMINS} is also set in the environment, which wins over {env_file}: the bot uses "
            f"{process_environ[ADMINS].strip()}; change it where it is set")
    if args.action == "list":
        if not admins:
            say(f"no admins in {env_file}: add one with `aftercare admins add ID` (they send /myid to the bot)")
        for admin in admins:
            say(f"{admin}" + (" (on call)" if admin in oncall else ""))
        return 0
    if not args.ids:
        say(f"error: give the user ids to {args.action} (each admin sends /myid to the bot to learn theirs)")
        return 2
    try:
        wanted = [_user_id(text) for text in args.ids]
    except ConfigError as exc:
        say(f"error: {exc}; nothing was changed")
        return 2
    values: dict[str, str] = {}
    if args.action == "add":
        new = [i for i in dict.fromkeys(wanted) if i not in admins]
        if not new:
            say(f"already admins: {_joined(wanted)}; nothing was changed")
            return 0
        values[ADMINS] = _joined(admins + new)
        done = f"added {_joined(new)}"
    else:
        missing = [i for i in wanted if i not in admins]
        if missing:
            say(f"error: {_joined(missing)} {'is' if len(missing) == 1 else 'are'} not an admin "
                f"(the admins: {_joined(admins) or 'none'}); nothing was changed")
            return 1
        left = [i for i in admins if i not in wanted]
        if not left and not args.force:
            say("error: that would leave no admin, so nobody could acknowledge an alert; add another first, or "
                "pass --force; nothing was changed")
            return 1
        values[ADMINS] = _joined(left)
        if any(i in oncall for i in wanted):
            values[ONCALL] = _joined([i for i in oncall if i not in wanted])
        done = f"removed {_joined(wanted)}" + (" (and from the on-call list)" if ONCALL in values else "")
    set_env_values(env_file, values)
    say(f"{done}; the admins are now: {values[ADMINS] or 'none'} (saved in {env_file}). {RESTART}")
    return 0

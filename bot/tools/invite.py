"""`aftercare invite`: a personal invitation link for one patient, with its QR code (PNG) and a one-page PDF to
hand over at the desk (bot/care/invites.py says what the link carries)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TextIO

from bot.care.invites import DEFAULT_DAYS, InviteError, desk_files, invite_for
from bot.config import ConfigError, load_settings
from bot.crypto import DataKeyError
from bot.readiness import patient_link


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftercare invite", description="Make a personal invitation link: the patient who opens it is not "
        "asked for the treatment date or plan, and their alerts carry the clinic reference. Used once.")
    parser.add_argument("--date", required=True, help="the treatment date, YYYY-MM-DD")
    parser.add_argument("--plan", required=True, help="the care plan (a file name in schedules/plans/, no .toml)")
    parser.add_argument("--ref", default="", help="the patient's reference in the clinic's own records "
                        "(letters, digits, . _ / -; up to 20; never a name)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"days until it expires (default {DEFAULT_DAYS})")
    parser.add_argument("--bot", default="", help="the bot's @username (default: asked of Telegram with the token)")
    parser.add_argument("--out", default="", help="folder for the PNG and PDF (default: invites/ in the data folder)")
    return parser


def _username(token: str) -> str:
    from telegram import Bot

    async def ask() -> str:
        async with Bot(token) as bot:
            return (await bot.get_me()).username
    return asyncio.run(ask())


def invite_command(environ: dict[str, str], argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                   today: date | None = None) -> int:
    """Print the link and write ``invite-<id>.png`` and ``.pdf``; exit 2 with the reason on bad input."""
    args = _parser().parse_args(argv)
    try:
        treated = date.fromisoformat(args.date)
    except ValueError:
        print(f"error: --date {args.date!r} is not a date like 2026-12-20", file=err)
        return 2
    try:
        settings = load_settings(environ, require_token=not args.bot)
        payload, invite = invite_for(settings.sealer(), settings.plans_dir, args.plan, treated, args.ref, args.days,
                                     today or datetime.now(timezone.utc).date())
        username = args.bot.lstrip("@") or _username(settings.token)
    except (ConfigError, DataKeyError, InviteError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    link = patient_link(username, payload)
    folder = Path(args.out) if args.out else settings.data_dir / "invites"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    png, pdf = desk_files(link)
    paths = []
    for suffix, data in (("png", png), ("pdf", pdf)):
        path = folder / f"invite-{invite.id}.{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        paths.append(path)
    print(link, file=out)
    print(f"plan {invite.plan}, treatment {invite.treatment_date:%d %b %Y}"
          f"{f', reference {invite.ref}' if invite.ref else ''}; usable once, until {invite.expires:%d %b %Y}",
          file=out)
    print(f"QR code: {paths[0]}\nto print: {paths[1]}", file=out)
    return 0

"""/invite in the clinic chat, for admins: a personal invitation link with its QR code and the desk's PDF.

``/invite 2026-12-20 microneedling [REF] [DAYS]`` (bot/care/invites.py says what the link carries). The link and
files go to the clinic chat only; nothing about the invitation is stored until a patient uses it.
"""

from __future__ import annotations

import logging
from datetime import date

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.care.invites import DEFAULT_DAYS, InviteError, desk_files, invite_for
from bot.readiness import patient_link
from bot.services import services

log = logging.getLogger(__name__)


def _read(args: list[str]) -> tuple[date, str, str, int] | None:
    """The date, plan, reference and days from the command's words, or None when they are not that."""
    if len(args) < 2 or len(args) > 4:
        return None
    try:
        treated = date.fromisoformat(args[0])
    except ValueError:
        return None
    rest = args[2:]
    days = int(rest.pop()) if rest and rest[-1].isascii() and rest[-1].isdigit() and len(rest[-1]) <= 3 else DEFAULT_DAYS
    return treated, args[1], rest[0] if rest else "", days


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite DATE PLAN [REF] [DAYS]: the link, its QR code and the PDF, for clinic admins in the clinic chat."""
    svc, chat, user = services(context), update.effective_chat, update.effective_user
    if chat.id != svc.settings.clinic_chat_id or user is None or user.is_bot or user.id not in svc.settings.admin_ids:
        return await chat.send_message(svc.text("staff.invite_admins_only"))
    read = _read(context.args or [])
    if read is None:
        return await chat.send_message(svc.text("staff.invite_usage"))
    treated, plan, ref, days = read
    try:
        payload, made = invite_for(svc.store.sealer, svc.settings.plans_dir, plan, treated, ref, days,
                                   svc.clock.now().date())
    except InviteError as error:
        return await chat.send_message(svc.text("staff.invite_refused", reason=str(error)))
    link = patient_link(context.bot.username, payload)
    png, pdf = desk_files(link)
    log.info("clinic chat: an invitation was made (plan %s, %d days)", plan, days)
    await chat.send_photo(InputFile(png, filename=f"invite-{made.id}.png"), caption=svc.text(
        "staff.invite_made", link=link, plan=made.plan, date=svc.date("date", made.treatment_date),
        ref=made.ref or "-", until=svc.date("date", made.expires)))
    await chat.send_document(InputFile(pdf, filename=f"invite-{made.id}.pdf"))


def register(application: Application) -> None:
    """Wire /invite (groups only: it is the clinic chat's)."""
    application.add_handler(CommandHandler("invite", invite, filters=filters.ChatType.GROUPS))

"""Going live: /clinicid and /myid tell the clinic's IT the ids to configure, only until a clinic chat is set.

They run before the group guard (group -2), so /clinicid works in the staff group the bot was just
added to. Once AFTERCARE_CLINIC_CHAT_ID is set they step aside: the guard refuses other groups as
usual, and in a private chat they are unknown commands like any other.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, filters

from bot.services import services

HANDLER_GROUP = -2  # before common.guard_chat (group -1)


def unconfigured(context: ContextTypes.DEFAULT_TYPE) -> bool:
    return services(context).settings.clinic_chat_id is None


async def clinic_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/clinicid: the chat's id, for AFTERCARE_CLINIC_CHAT_ID (in a group; a hint in a private chat)."""
    if not unconfigured(context):
        return
    svc, chat = services(context), update.effective_chat
    if chat.type == chat.PRIVATE:
        await chat.send_message(svc.text("setup.clinicid_private"))
    else:
        await chat.send_message(svc.text("setup.clinicid", chat_id=chat.id))
    raise ApplicationHandlerStop


async def my_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/myid: the sender's Telegram user id, for AFTERCARE_ADMIN_IDS (in any chat)."""
    if not unconfigured(context) or update.effective_user is None:
        return
    await update.effective_chat.send_message(services(context).text("setup.myid", user_id=update.effective_user.id))
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    """Wire /clinicid and /myid ahead of the group guard (new messages only, never channel posts)."""
    new_messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("clinicid", clinic_id, filters=new_messages), group=HANDLER_GROUP)
    application.add_handler(CommandHandler("myid", my_id, filters=new_messages), group=HANDLER_GROUP)

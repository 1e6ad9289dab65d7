"""Help, unknown commands, stale buttons, group chats and the error handler: the bot's manners (typed text: typed.py)."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.logs import NETWORK_RETRY, log_event, pseudonym
from bot.services import services

log = logging.getLogger(__name__)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the bot does and does not do, every command, the clinic's contacts."""
    await update.effective_chat.send_message(services(context).text("common.help"))


async def guard_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Refuse groups and channels politely (except the clinic chat); nothing is stored for them."""
    chat = update.effective_chat
    if chat is None or chat.type == chat.PRIVATE:
        return
    svc = services(context)
    if chat.id == svc.settings.clinic_chat_id:
        return  # the clinic chat receives alerts and admin commands only
    message = update.effective_message
    if update.callback_query is not None:  # forged data from another group: answered, or its spinner never stops
        await update.callback_query.answer(svc.text("common.expired"))
    elif chat.type != chat.CHANNEL and message and message.text and message.text.startswith("/"):
        await chat.send_message(svc.text("common.group_refusal"))
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have."""
    await update.effective_chat.send_message(services(context).text("common.unknown_command"))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button no flow recognises (old, forged or from a retired version): say so, change nothing."""
    await update.callback_query.answer(services(context).text("common.expired"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log ids and the exception type only (never patient words or the token), and apologise."""
    error = context.error
    if update is None and isinstance(error, NetworkError):
        # Polling hit a network blip (TimedOut is a NetworkError); python-telegram-bot retries on its own.
        log_event(log, NETWORK_RETRY, logging.WARNING, error=type(error).__name__)
        return
    update_id = getattr(update, "update_id", None)
    chat = getattr(update, "effective_chat", None)
    # Only the type and the frames: an exception's message can quote what a patient typed,
    # and network errors can quote the request URL, which contains the token.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("update %s in chat %s failed: %s\n%s", update_id, pseudonym(getattr(chat, "id", None)),
              type(error).__name__, frames)
    if chat is not None and chat.type == chat.PRIVATE:
        try:
            await chat.send_message(services(context).text("common.error"))
        except Exception as exc:  # the apology itself failed: nothing more to do but log
            log.warning("could not send the error apology to chat %s: %s", pseudonym(chat.id), type(exc).__name__)

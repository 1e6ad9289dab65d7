"""The wiring of the handlers: ``register_all`` adds every handler, in order, for ``bot.app``.

Nothing outside this package imports a handler module: the shell below (care, delivery, store) never
calls up into a callback, and ``bot.app`` only calls ``register_all`` and hands ``REMINDER_BUTTONS``, the
callback data these handlers read on reminders, to the dispatcher (tests/test_architecture.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.handlers import (alert_steps, checkin, clinic, common, companion, control, enrol, intake, invite, language, midday,
                          onboarding, patient_actions, photos, privacy, progress, reminders, resuming, staff, typed)
from bot.delivery.hooks import Buttons
from bot.services import PRIVATE_MESSAGE

# The update types the handlers below read, and so the only ones asked of Telegram (getUpdates and
# setWebhook's allowed_updates): messages and their edits (commands, the one door, photos, locations,
# staff replies in the clinic group), button taps, and the bot being blocked or unblocked (control's
# my_chat_member). Anything else (business messages, payments, boosts, reactions) is never read, so never
# fetched. A handler for a new kind of update adds its type here.
UPDATE_TYPES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)

# The callback data reminders carry for the check-in and enrolment handlers, for the dispatcher (bot.app).
REMINDER_BUTTONS = Buttons(start_checkin=checkin.start_data, next_session=enrol.NEW_SESSION)


def register_all(application: Application) -> None:
    """Add every handler to ``application`` in the order that decides which one answers an update."""
    private = PRIVATE_MESSAGE
    application.add_handler(TypeHandler(Update, language.door), group=language.DOOR_GROUP)  # the voice, first
    onboarding.register(application)  # /clinicid and /myid, before the guard, while no clinic chat is set
    intake.register(application)  # duplicates dropped, the clinic chat kept to staff actions
    application.add_handler(TypeHandler(Update, common.guard_chat), group=-1)
    companion.register_link(application)  # /start with a companion's link: not an enrolment
    application.add_handler(CommandHandler("start", enrol.start, filters=private))
    application.add_handler(CommandHandler("help", common.help_command, filters=private))
    application.add_handler(CommandHandler("settings", enrol.settings, filters=private))
    application.add_handler(CallbackQueryHandler(enrol.on_enrolment_tap, pattern=r"^e1:"))
    application.add_handler(CallbackQueryHandler(enrol.on_language_tap, pattern=rf"^{language.CB}:"))
    application.add_handler(MessageHandler(private & filters.LOCATION, enrol.on_location))
    # Flows register their own commands and buttons here, before the catch-alls below.
    checkin.register(application)
    staff.register(application)
    alert_steps.register(application)  # before clinic's staff replies: a reply to a note prompt is a note
    invite.register(application)
    patient_actions.register(application)
    reminders.register(application)
    midday.register(application)
    photos.register(application)
    companion.register(application)
    clinic.register(application)  # before control: a photo for the clinic must not meet the media catch-all
    progress.register(application)
    privacy.register(application)
    resuming.register(application)
    control.register(application)  # last of the flows: its media and edit catch-alls must not shadow theirs
    application.add_handler(CommandHandler("clinic", typed.on_clinic_command, filters=private))
    # The one door: every message and edit a patient sends that no command or flow above took (typed.py).
    written = filters.ChatType.PRIVATE & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
    application.add_handler(MessageHandler(written & ~filters.COMMAND & ~filters.LOCATION & ~filters.StatusUpdate.ALL,
                                           typed.on_patient_message))
    application.add_handler(MessageHandler(private & filters.COMMAND, common.unknown_command))
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_error_handler(common.on_error)

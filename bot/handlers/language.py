"""The patient's language: the voice set at the door of every update, and the choice of it (at /start, /settings).

```mermaid
flowchart LR
  start[/start, nothing stored/] -->|more than one language offered| choose{"Deutsch? / English / Español"}
  choose -- tap --> welcome[welcome and consent, in that language]
  start -->|one language| welcome
  settings[/settings: Language/] --> choose2{the languages} -- tap --> stored[stored with the patient]
```

Telegram's ``language_code`` only proposes (first, with a question mark): a patient whose app says ``fr`` when
French is not offered is asked, and meanwhile hears the default language (AFTERCARE_LANGUAGE).
"""

from __future__ import annotations

from telegram import Chat, InlineKeyboardMarkup, Update, User
from telegram.ext import ContextTypes

from bot.services import LANGUAGE_CHOSEN_KEY, Services, keyboard, services

CB = "lg1"  # callback data: lg1:<code>
# chat_data scratch before consent (nothing is stored before it): the language tapped at /start.
CHOSEN = LANGUAGE_CHOSEN_KEY
DOOR_GROUP = -10  # before every other handler, so each of them speaks the patient's language


def proposed(svc: Services, user: User | None) -> str | None:
    """The offered language Telegram says the user's app is in ("de-AT" -> "de"), or None."""
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in svc.offered else None


def language_of(svc: Services, context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None) -> str | None:
    """Whom this private chat is: a patient's stored language, the one tapped before consent, else the proposal."""
    return svc.store.patient_language(chat.id) or context.chat_data.get(CHOSEN) or proposed(svc, user)


async def door(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the voice of this update: the patient's language in a private chat, the clinic's in any group."""
    svc, chat = services(context), update.effective_chat
    if chat is None:
        return svc.speak(None)
    if chat.type != Chat.PRIVATE:
        return svc.speak(svc.clinic_language)
    svc.speak(language_of(svc, context, chat, update.effective_user))


def choice_markup(svc: Services, first: str | None) -> InlineKeyboardMarkup:
    """One button per offered language, each in its own name; ``first`` (the proposal) first, with a "?"."""
    order = [first] if first else []
    order += [code for code in svc.offered if code != first]
    return keyboard([[(svc.text("language.proposed_button", language=svc.language_name(code)) if code == first
                       else svc.language_name(code), f"{CB}:{code}")] for code in order])


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, current: str | None = None) -> None:
    """The language question: at /start the proposal first, in /settings the current one named."""
    svc = services(context)
    first = current or proposed(svc, update.effective_user)
    text = svc.text("language.current", language=svc.language_name(current)) if current \
        else svc.text("language.choose")
    await update.effective_chat.send_message(text, reply_markup=choice_markup(svc, first))


def tapped(svc: Services, data: str | None) -> str | None:
    """The offered language a tap chose, or None for stale or forged data."""
    prefix, _, code = (data or "").partition(":")
    return code if prefix == CB and code in svc.offered else None

"""The /settings menu while it is the open thing: typed text goes to the item it names, else the menu comes back.

The menu asks nothing, so it is not a ``step`` in the store: a step would keep
catching a patient's words long after they only looked at their settings. The
chat's ``chat_data`` keeps the menu's message id and when it was shown
(scratch, like the consent on screen: after a restart typed text simply meets
the ordinary handlers). The menu is open while it is the bot's last reply in the
chat (bot/delivery/replies.py ``Screen``: a check-in question or any other answer since
closes it), until a tap on it (an item, Done, Midday sunscreen), and for
``MENU_OPEN`` at most, because a reminder the dispatcher sends meanwhile is not
a reply and would otherwise leave it open under the new message.

```mermaid
flowchart LR
  menu[/settings menu/] -- tap or typed name of an item --> question[that item's question, step edit:item]
  menu -- typed done --> closed
  menu -- other typed text --> hint[hint naming the items + the menu again] --> menu
  menu -- typed warning sign --> advice[safety advice: the check-in flow]
```
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.care import enrolment as flow
from bot.handlers import language, midday, photos
from bot.services import SCREEN_KEY, SETTINGS_MENU_KEY, Services, keyboard, services
from bot.store import Patient
from messages.parsing import settings_item

MENU_OPEN = timedelta(minutes=15)
ITEMS = ("date", "zone", "times", "quiet", "immune")  # the questions behind the menu's buttons (e1:settings:<item>)
TYPED = {"health": "immune"}  # an item named in words (messages/parsing.py) to its question


def menu_markup(svc: Services) -> InlineKeyboardMarkup:
    """The menu's buttons: each item, the midday sunscreen, the language and photo check-ins (when offered), and
    Done."""
    return keyboard([[(svc.text("common.settings_date"), f"{flow.CB}:settings:date"),
                      (svc.text("common.settings_zone"), f"{flow.CB}:settings:zone")],
                     [(svc.text("common.settings_times"), f"{flow.CB}:settings:times"),
                      (svc.text("common.settings_quiet"), f"{flow.CB}:settings:quiet")],
                     [(svc.text("common.settings_health"), f"{flow.CB}:settings:immune"),
                      midday.settings_row(svc)[0]],
                     *([[(svc.text("language.settings_item"), f"{flow.CB}:settings:language")]]
                       if len(svc.offered) > 1 else []),
                     *([row] if (row := photos.settings_row(svc)) else []),
                     [(svc.text("common.settings_done"), f"{flow.CB}:settings:done")]])


def shown(context: ContextTypes.DEFAULT_TYPE, message: Message, now: datetime) -> None:
    """Remember that the menu was just sent: it is now the open thing."""
    context.chat_data[SETTINGS_MENU_KEY] = (message.message_id, now)


def close(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The menu is no longer the open thing."""
    context.chat_data.pop(SETTINGS_MENU_KEY, None)


def is_open(context: ContextTypes.DEFAULT_TYPE, chat_id: int, now: datetime) -> bool:
    """Whether the menu is still the open thing in the chat (see the module docstring)."""
    menu = context.chat_data.get(SETTINGS_MENU_KEY)
    if menu is None:
        return False
    screen = context.application.bot_data.get(SCREEN_KEY)
    message_id, at = menu
    if now - at > MENU_OPEN or (screen is not None and not screen.is_last_reply(chat_id, message_id)):
        close(context)
        return False
    return True


async def open_item(update: Update, svc: Services, patient: Patient, item: str, now: datetime) -> None:
    """Ask one settings question in edit mode: the same for a tap on its button and for its name typed."""
    patient = svc.store.update_patient(patient.chat_id, now, step=f"edit:{item}")
    reply = flow.enrolment_question(svc, patient, item, now)
    await update.effective_chat.send_message(reply.text, reply_markup=reply.markup)


async def typed_item(update: Update, context: ContextTypes.DEFAULT_TYPE, patient: Patient, text: str) -> None:
    """Typed text at the open menu (bot/handlers/typed.py): the item it names, or a hint and the menu."""
    svc, chat = services(context), update.effective_chat
    now = svc.clock.now()
    close(context)
    item = settings_item(text, svc.words, flow.local_today(svc, now, patient.zone))
    item = TYPED.get(item, item)
    if item == "done":
        await chat.send_message(svc.text("common.settings_closed"))
    elif item in ITEMS:
        await open_item(update, svc, patient, item, now)
    elif item == "midday" and midday.midday_days(svc, patient):
        choices, markup = midday.choices(svc, patient)
        await chat.send_message(choices, reply_markup=markup)
    elif item == "language" and len(svc.offered) > 1:
        await language.ask(update, context, current=svc.voice)
    elif item == "photos" and photos.settings_row(svc):
        await photos.settings_question(update, svc, patient)
    else:
        shown(context, await chat.send_message(svc.text("common.settings_hint"), reply_markup=menu_markup(svc)), now)

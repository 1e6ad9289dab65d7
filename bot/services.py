"""The services every handler and job shares, kept in ``application.bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ContextTypes, filters

from bot.clock import Clock
from bot.config import Settings
from bot.store import Store
from messages.catalog import Catalog
from messages.dates import format_date
from messages.words import Words
from schedules.care_plan import Plan, load_plan

SERVICES_KEY = "services"
SCREEN_KEY = "screen"  # bot.delivery.replies.Screen, when the retry layer keeps one
SETTINGS_MENU_KEY = "settings_menu"  # chat_data: the open /settings menu (bot/handlers/settings_menu.py)
# New messages in private chats: edits of old messages must not re-run a command or re-answer a question.
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


@dataclass
class Services:
    """Settings, store, clock, texts and the clinic's care plan."""

    settings: Settings
    store: Store
    clock: Clock
    catalog: Catalog
    plan: Plan
    # Plans patients enrolled on before the clinic changed plan, by name (plan_for, below).
    other_plans: dict[str, Plan] = field(default_factory=dict)
    # Set by the dispatcher: called after re-planning so it can wake earlier than planned.
    wake: Callable[[], None] = field(default=lambda: None)
    # The typed forms of every answer (catalog data), read the same way in every flow.
    words: Words = field(init=False)

    def __post_init__(self) -> None:
        self.words = Words.from_texts(self.catalog.texts)
    # Set by the dispatcher: a store write that failed after Telegram took the message, done before it claims.
    defer: Callable[[Callable[[], None]], None] = field(default=lambda write: write())

    def text(self, key: str, /, **values: Any) -> str:
        """Render a catalog text; the clinic's name and numbers are always available."""
        return self.catalog.render(key, **{**self.settings.clinic.contact_values(), **values})

    def date(self, style: str, when: date | datetime) -> str:
        """A local date or instant written the catalog's way (``formats.<style>``, e.g. "date": 20 Nov 2026)."""
        return format_date(self.catalog, style, when)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback_data); data must fit Telegram's 64 bytes."""
    for row in rows:
        for _, data in row:
            if len(data.encode()) > 64:
                raise ValueError(f"callback data over 64 bytes: {data!r}")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in rows])


def plan_for(svc: Services, name: str) -> Plan:
    """The care plan ``name`` (a patient keeps the plan they enrolled on), loaded once."""
    if name == svc.plan.name:
        return svc.plan
    if name not in svc.other_plans:
        svc.other_plans[name] = load_plan(name, svc.catalog.texts.keys(), svc.settings.plans_dir)
    return svc.other_plans[name]

"""The services every handler and job shares, kept in ``application.bot_data``."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterator

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
LANGUAGE_CHOSEN_KEY = "language_chosen"  # chat_data before consent: the language tapped at /start (handlers/language.py)
SETTINGS_MENU_KEY = "settings_menu"  # chat_data: the open /settings menu (bot/handlers/settings_menu.py)
# New messages in private chats: edits of old messages must not re-run a command or re-answer a question.
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


# The language the bot is speaking in right now (a catalog code), set at the door of each update
# (bot/handlers/voice.py) and around each outgoing message (``Services.speaking``); None: the default.
_VOICE: ContextVar[str | None] = ContextVar("aftercare_voice", default=None)


@dataclass
class Services:
    """Settings, store, clock, texts and the clinic's care plan.

    Texts come in one catalog per language (``catalogs``), and ``text``, ``catalog``, ``words`` and ``date``
    answer in the *current voice*: a context variable set at the door of each update to the patient's
    language (the clinic's language in the clinic chat), and around each outgoing message with
    ``with svc.speaking(lang):``. Why a context variable rather than a per-language view handed down: about
    370 call sites take ``svc`` and call ``svc.text``; a view would change every signature in between, and a
    forgotten one would silently speak the default. A context variable follows each update's task (every
    update runs in its own asyncio task, so two patients never share a voice) and each ``with`` block
    restores the voice before it on the way out, even on an error."""

    settings: Settings
    store: Store
    clock: Clock
    catalogs: dict[str, Catalog]
    plan: Plan
    # The default language (AFTERCARE_LANGUAGE, or the profile's first offered one) and the staff chat's.
    language: str = "en"
    clinic_language: str = "en"
    # The languages patients may choose: the profile's offered ones that have a catalog, the default first.
    offered: tuple[str, ...] = ("en",)
    # Plans patients enrolled on before the clinic changed plan, by name (plan_for, below).
    other_plans: dict[str, Plan] = field(default_factory=dict)
    # Set by the dispatcher: called after re-planning so it can wake earlier than planned.
    wake: Callable[[], None] = field(default=lambda: None)
    # The typed forms of every answer (catalog data), read the same way in every flow.
    all_words: dict[str, Words] = field(init=False)

    def __post_init__(self) -> None:
        self.all_words = {code: Words.from_texts(catalog.texts) for code, catalog in self.catalogs.items()}
    # Set by the dispatcher: a store write that failed after Telegram took the message, done before it claims.
    defer: Callable[[Callable[[], None]], None] = field(default=lambda write: write())
    # Whether the clinic chat has topics on, by clinic chat id, as last seen (bot/care/topics.py).
    forum: dict[int, bool] = field(default_factory=dict)
    # Held while a patient's forum topic is looked up or opened (bot/care/topics.py): two posts at once (a handler's
    # and the dispatcher's) must not open two topics. One lock for all: the lookup is one indexed read, and
    # opening a topic is rare; created on first use, inside the running event loop.
    topic_lock: Any = None

    @property
    def voice(self) -> str:
        """The language being spoken now: the current voice if it has a catalog, else the default."""
        code = _VOICE.get()
        return code if code in self.catalogs else self.language

    @property
    def catalog(self) -> Catalog:
        """The texts of the current voice."""
        return self.catalogs[self.voice]

    @property
    def words(self) -> Words:
        """The typed forms of every answer, in the current voice."""
        return self.all_words[self.voice]

    @contextmanager
    def speaking(self, language: str | None) -> Iterator[None]:
        """Speak ``language`` (None or one without a catalog: the default) inside the block."""
        token = _VOICE.set(language if language in self.catalogs else self.language)
        try:
            yield
        finally:
            _VOICE.reset(token)

    def speak(self, language: str | None) -> None:
        """Speak ``language`` from now on in this update's task (the door of each update: bot/handlers/voice.py)."""
        _VOICE.set(language if language in self.catalogs else self.language)

    def speaking_to(self, chat_id: int | None):
        """``with svc.speaking_to(chat_id):`` a message for that patient, in their language (a reminder, a staff
        reply passed on, "the clinic knows"), whatever the update or job that sends it."""
        return self.speaking(self.store.patient_language(chat_id) if chat_id is not None else None)

    def clinic_voice(self):
        """``with svc.clinic_voice():`` a message for the clinic chat, in the clinic's language."""
        return self.speaking(self.clinic_language)

    def language_name(self, language: str | None) -> str:
        """A language's name in itself ("Deutsch"), from its catalog's meta.toml."""
        catalog = self.catalogs.get(language or self.language) or self.catalogs[self.language]
        return catalog.name

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
        svc.other_plans[name] = load_plan(name, svc.catalogs[svc.language].texts.keys(), svc.settings.plans_dir)
    return svc.other_plans[name]

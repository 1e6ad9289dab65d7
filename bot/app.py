"""build_app: the one place where handlers, jobs and the error handler are wired."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.store import kept_updates
from bot.care import alerts, safety, topics
from bot.care.backups import install_nightly_backup
from bot.care.chart import session_chart
from bot.care.jobs import install_care_jobs
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.dispatch import dispatcher_of, install_dispatcher
from bot.delivery.hooks import Hooks
from bot.handlers.registry import REMINDER_BUTTONS, UPDATE_TYPES, register_all
from bot.ordering import PerChatOrder
from bot.delivery.replies import Parking, Screen
from bot.delivery.retrying import RetryingRequest
from bot.runtime import record_tick
from bot.services import SCREEN_KEY, SERVICES_KEY, Services
from bot.store import Store
from messages.catalog import catalog_languages, load_catalog
from messages.reading import warm_up
from schedules.care_plan import load_plan

log = logging.getLogger(__name__)

# The command menu, in this order; each description is the catalog's ``commands.<name>``.
COMMANDS = ("start", "checkin", "schedule", "progress", "settings", "pause", "resume", "stop", "clinic", "companion",
            "privacy", "mydata", "delete", "help")


__all__ = ["COMMANDS", "UPDATE_TYPES", "build_app", "build_services", "dispatcher_hooks"]


def build_services(settings: Settings, store: Store, clock: Clock) -> Services:
    """Load texts (every offered language that has a catalog, and the clinic chat's) and the clinic's plan,
    validated against each other (a bad plan stops start-up)."""
    clinic = settings.clinic
    default = settings.language
    present = set(catalog_languages(settings.catalog_dir))
    offered = tuple(code for code in clinic.offered_languages(default) if code in present) or (default,)
    staff = clinic.staff_language(default)
    catalogs = {code: load_catalog(code, settings.catalog_dir) for code in dict.fromkeys([*offered, default, staff])}
    plan = load_plan(clinic.plan, catalogs[default].texts.keys(), settings.plans_dir)
    return Services(settings=settings, store=store, clock=clock, catalogs=catalogs, plan=plan,
                    language=default, clinic_language=staff, offered=offered)


def dispatcher_hooks(settings: Settings, clock: Clock | None = None) -> Hooks:
    """What the dispatcher calls up into: the heartbeat file (with the ``clock``'s monotonic reading), care's alert
    texts, the handlers' buttons, the replay of journaled alerts, the on-call admins for a refused alert."""
    def on_tick(now):
        reading = (clock.monotonic(), clock.monotonic_source) if clock is not None else (None, None)
        record_tick(settings.data_dir, now, *reading)

    return Hooks(on_tick=on_tick, compose_alert=alerts.compose,
                 alert_sent=alerts.tell_patient_later, buttons=REMINDER_BUTTONS,
                 replay_journal=safety.replay_journal,  # the first run is at start-up
                 alert_refused=alerts.refused, in_topic=topics.post, drop_topic=topics.drop,
                 chart=session_chart)


async def _post_init(application: Application) -> None:
    svc = application.bot_data[SERVICES_KEY]
    warm_up()  # every installed lexicon, before the first patient's text waits for it (rules P4g)
    if pinned := svc.store.adopt_clinic_chat(svc.settings.clinic_chat_id):  # once, after migration 0014
        log.info("%s earlier clinic chat messages pinned to the configured clinic chat", pinned)
    for data in (kept := kept_updates.take(svc.settings.data_dir, svc.settings.sealer())):  # what set-up took from Telegram (bot/store/kept_updates.py)
        await application.update_queue.put(Update.de_json(data, application.bot))
    if kept:
        log.info("%s updates kept by set-up queued for answering", len(kept))
    await set_menus(application.bot, svc)


async def set_menus(bot, svc: Services) -> None:
    """The command menu and the bot's descriptions, for every offered language's ``language_code`` and (in the
    default language) for everyone else: Telegram shows each user the one of their app's language."""
    for code in (None, *svc.offered):
        with svc.speaking(code):
            commands = [BotCommand(name, svc.text(f"commands.{name}")) for name in COMMANDS]
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(svc.text("language.bot_description"), language_code=code)
            await bot.set_my_short_description(svc.text("language.bot_short_description"), language_code=code)


async def _post_stop(application: Application) -> None:
    await dispatcher_of(application).close()  # the run in progress finishes and records what Telegram took


def build_app(settings: Settings, store: Store, clock: Clock, request: BaseRequest | None = None, *,
              sender_options: Mapping[str, Any] | None = None) -> Application:
    """The real Application, its dispatcher installed (``bot.delivery.dispatch.dispatcher_of`` finds it).

    Tests, the demo and the benchmark inject what they need here and nowhere else: a fake ``request``
    (tests wrap it in RetryingRequest as production's is), a fixed ``clock``, and ``sender_options``
    for the dispatcher's paced Sender (e.g. virtual ``monotonic`` and ``sleep``, so pacing never waits)."""
    builder = (ApplicationBuilder().token(settings.token or "0:offline")
               .base_url(settings.api_url).base_file_url(settings.file_url)
               .post_init(_post_init).post_stop(_post_stop))
    if request is None:  # production: replies are retried on network errors, timeouts and short 429s
        request = RetryingRequest(HTTPXRequest(connection_pool_size=256))
        builder = builder.request(request)
    else:
        builder = builder.request(request).get_updates_request(request)
    # Different chats at once, one chat in order (bot/ordering.py).
    application = builder.concurrent_updates(PerChatOrder()).build()
    svc = application.bot_data[SERVICES_KEY] = build_services(settings, store, clock)
    if isinstance(request, RetryingRequest):  # a long 429 parks the reply; typed answers bind to the screen
        request.parking, request.screen = Parking(svc), Screen()
        application.bot_data[SCREEN_KEY] = request.screen

    register_all(application)
    dispatcher = install_dispatcher(application, dispatcher_hooks(settings, clock), **(sender_options or {}))
    install_care_jobs(application)  # unanswered check-ins and alert re-raises, each its own job
    install_nightly_backup(application)  # the database copied, verified and rotated every night
    if isinstance(request, RetryingRequest):  # replies and reminders share Telegram's limits
        request.limits = dispatcher.sender.limits
    return application

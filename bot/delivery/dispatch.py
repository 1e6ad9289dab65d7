"""The dispatcher: SQLite holds what is due; one JobQueue job is only its alarm clock.

A run only sends: it claims due rows of the alert outbox and of the deliveries
table in a transaction, applies the lateness policy (``schedules.planner.decide``),
bundles one patient's rows due at the same instant into one message, sends
through the paced :class:`~bot.delivery.sender.Sender` and records every
outcome as it happens (sent with Telegram's message id, skipped with a reason,
failed with an error class; Forbidden marks the patient unreachable). A
restart loses nothing: the first run at start-up finds what is pending, and
what a crash left 'claimed'. The one duplicate window is a message Telegram
accepted just before a crash, before its ``record_sent`` committed: at most the
requests in flight (``concurrency``, 8 by default).

What a claimed delivery becomes and how its outcome is recorded live in
``bot.delivery.deliveries``; alerts and parked replies take the same run through ``bot.delivery.outbox``.
Triaging unanswered check-ins and raising unacknowledged alerts again are care's own jobs
(``bot.care.jobs``), which wake the dispatcher when they queue something; the heartbeat, an alert's
text and the buttons other flows own come in as :class:`~bot.delivery.hooks.Hooks`.

Wire-up: ``build_app`` installs it (``install_dispatcher``); ``dispatcher_of(application)`` finds it. Its wakes are
monotonic (``bot.delivery.alarm``): the JobQueue only starts the alarm, and post_stop closes it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Callable

from telegram import MessageEntity, ReplyParameters
from telegram.ext import Application, ContextTypes

from bot.delivery import deliveries, outbox
from bot.delivery.alarm import Alarm
from bot.delivery.compose import still_wanted
from bot.delivery.deliveries import DispatchReport, InFlight
from bot.delivery.hooks import Hooks
from bot.delivery.outbox import AlertOutboxTag, OwedWrites
from bot.delivery.retrying import no_retries
from bot.delivery.sender import Outgoing, SendResult, Sender
from bot.services import SERVICES_KEY, Services
from bot.store import StoreError

log = logging.getLogger(__name__)

DISPATCHER_KEY = "dispatcher"
JOB_NAME = "dispatcher"
SAFETY_INTERVAL = timedelta(seconds=60)  # wake at least this often, whatever the database says
BATCH = 200                              # rows claimed per transaction


class Dispatcher:
    """Claims, paces, sends and records deliveries; see the module docstring."""

    def __init__(self, application: Application, sender: Sender, hooks: Hooks, batch: int = BATCH) -> None:
        self.application, self.sender, self.hooks, self.batch = application, sender, hooks, batch
        self._lock = asyncio.Lock()
        self._stopping = False
        self._standalone = False  # started by hand (tests): runs while the application itself is not running
        self.alarm = Alarm(application.bot_data[SERVICES_KEY].clock, self._fire)
        self._in_flight = InFlight()  # the deliveries being sent, by id
        self._owed = OwedWrites()  # writes owed for messages Telegram already took

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    # ---- one run ------------------------------------------------------------------
    async def run_once(self, now: datetime, should_stop: Callable[[], bool] | None = None) -> DispatchReport:
        """Claim everything due by ``now``, send it, record each outcome; returns what happened. It only sends:
        the heartbeat hook is called at the start and before each claim, and nothing else is decided here.

        If recording fails (database locked, disk full), the run stops: what Telegram took is remembered in
        memory and recorded before anything is claimed again, the sender's queue is discarded and its rows
        released (or, if even that fails, reclaimed by the next run), so nothing is sent twice."""
        stop = should_stop or (lambda: self._stopping)
        report = DispatchReport()
        async with self._lock:
            self._owed.flush()  # raises while the database still fails: nothing is claimed meanwhile
            throttled = self.sender.throttled
            failed: list[BaseException] = []
            halt = lambda: bool(failed) or stop()  # noqa: E731

            svc, hooks = self.services, self.hooks
            hooks.on_tick(svc.clock.now())
            try:  # alerts the database could not take before: queued now, so this run sends them
                hooks.replay_journal(svc, now)
            except Exception as error:  # noqa: BLE001 - kept for the next run; what is due is still sent
                log.error("dispatch run: the alert journal could not be replayed yet (%s)", type(error).__name__)
            # Only the first claim of a run takes rows left 'claimed' (by a crash): later ones would take
            # this run's own rows still in the sender's queue.
            reclaim = True

            async def refill() -> list[Outgoing]:
                nonlocal reclaim
                # Alerts and parked replies first, by the clock: a long burst must not hold back one due meanwhile.
                messages = outbox.claim(svc, max(now, svc.clock.now()), report, hooks)
                while not halt():
                    hooks.on_tick(svc.clock.now())
                    rows = svc.store.claim_due(now, self.batch, reclaim=reclaim)
                    reclaim = False
                    if not rows:
                        break
                    report.claimed += len(rows)
                    messages += deliveries.prepare(svc, rows, now, report, self._in_flight, hooks.buttons,
                                                   hooks.chart)
                    if messages:
                        break
                return messages

            async def on_outcome(outcome: SendResult) -> None:
                if failed:
                    return self._owed.sent(self.services.store, outcome, now)
                try:
                    self._record(outcome, now, report)
                except StoreError as error:
                    log.error("dispatch run: recording failed (%s): stopping, nothing is sent twice",
                              type(error).__name__)
                    failed.append(error)
                    self._owed.sent(self.services.store, outcome, now)

            try:
                left = await self.sender.run(on_outcome, refill=refill, low_water=self.batch // 2,
                                             should_stop=halt)
            except BaseException:
                self.sender.discard()  # never sent by a later run: its rows are reclaimed instead
                self._in_flight.clear()
                raise
            try:
                self._hand_back(left, now, report)
            finally:
                self._in_flight.clear()
            report.throttled = self.sender.throttled - throttled
        log.debug("dispatch run: %s", report)  # every minute at least: a developer's line (sends log their own)
        if failed:
            raise failed[0]
        return report

    def defer(self, write: Callable[[], None]) -> None:
        """A handler's write that failed after Telegram took its message: done before the next claim."""
        self._owed.add(write)

    def _hand_back(self, left: list[Outgoing], now: datetime, report: DispatchReport) -> None:
        """Stopping (or recording failed): what was not sent goes back to pending, due as planned."""
        store = self.services.store
        for message in left:
            if isinstance(message.tag, AlertOutboxTag):
                store.outbox_release(message.tag.row_id, now, now)
                report.released += 1
                continue
            ids = list(message.tag.ids)
            store.release(ids, min(self._in_flight.rows[i].due_at for i in ids), now)
            report.released += len(ids)

    def reason_not_to_send(self, message: Outgoing) -> str | None:
        """Asked just before each request: the patient may have been erased, blocked us, stopped or paused."""
        if isinstance(message.tag, AlertOutboxTag):
            return outbox.reason_to_skip(self.services, message.tag)
        kinds = {self._in_flight.rows[i].kind for i in message.tag.ids if i in self._in_flight.rows}
        return still_wanted(self.services, message, kinds)

    def _record(self, outcome: SendResult, now: datetime, report: DispatchReport) -> None:
        """Commit one outcome at once, so a crash loses at most the requests in flight."""
        if isinstance(outcome.message.tag, AlertOutboxTag):
            return outbox.record(self.services, outcome, now, report, self.hooks)
        deliveries.record(self.services, outcome, now, report, self._in_flight)

    # ---- the alarm clock -------------------------------------------------------------
    def arm(self, delay: timedelta | None = None) -> None:
        """(Re)plan the one wake: at the earliest pending delivery, at most SAFETY_INTERVAL away, measured on the
        monotonic clock (bot/delivery/alarm.py), so a wall clock stepped back or forward is re-planned at the
        next wake instead of stalling."""
        if self._stopping:
            return
        if delay is None:
            dues = [d for d in (self.services.store.next_due_at(), self.services.store.next_outbox_due()) if d]
            delay = SAFETY_INTERVAL if not dues else min(dues) - self.services.clock.now()
        delay = max(timedelta(0), min(delay, SAFETY_INTERVAL))
        self.alarm.set(delay.total_seconds())

    def start(self, standalone: bool = False) -> None:
        """Start the alarm (the JobQueue's start-up job calls this once the application runs; ``standalone``: by
        hand, while the application is not running, as the tests do)."""
        self._standalone = self._standalone or standalone
        self.alarm.start()

    def wake(self) -> None:
        """Something was planned or queued (re-planning, a care job): re-arm for the earliest pending row (a run in
        progress re-arms itself)."""
        if not self._lock.locked():
            self.arm()

    def stop(self) -> None:
        """Finish the requests in flight, commit, hand back the rest, and stop re-arming."""
        self._stopping = True
        self.alarm.stop()

    async def close(self) -> None:
        """Stop, and wait for the run in progress (the application's post_stop)."""
        self.stop()
        await self.alarm.close()

    async def _fire(self) -> None:
        """The alarm: one run at the clock's now, then re-arm."""
        app = self.application
        try:
            await self.run_once(self.services.clock.now(),
                                should_stop=lambda: self._stopping or not (app.running or self._standalone))
        except Exception as error:  # noqa: BLE001 - log the class only; the safety interval retries
            log.error("dispatch run failed: %s", type(error).__name__)
            self.arm(SAFETY_INTERVAL)
            return
        if not (app.running or self._standalone):
            return  # the application is stopping: what is still due stays pending for the next start
        self.arm()


def install_dispatcher(application: Application, hooks: Hooks, **sender_options: Any) -> Dispatcher:
    """Create the dispatcher with the wiring's ``hooks``, arm its job to run at start-up, and let re-planning
    and the care jobs wake it."""
    if application.job_queue is None:
        raise RuntimeError("the dispatcher needs python-telegram-bot[job-queue]")
    bot = application.bot

    async def send(message: Outgoing) -> int:
        with no_retries():  # the sender parks a throttled chat and retries by itself
            if isinstance(message.tag, AlertOutboxTag) and message.tag.kind == "drop_topic":
                # an erased patient's forum topic (its thread id rides in ``edit``; the text is the erased name)
                await hooks.drop_topic(bot, dispatcher.services, message.chat_id, message.edit, message.text)
                return message.edit
            if message.edit is not None and message.caption:
                await bot.edit_message_caption(chat_id=message.chat_id, message_id=message.edit, caption=message.text,
                                               reply_markup=message.markup)
                return message.edit
            options = message.options or {}
            entities = [MessageEntity.de_json(e, bot) for e in options.get("entities", [])] or None
            if message.edit is not None:
                await bot.edit_message_text(message.text, chat_id=message.chat_id, message_id=message.edit,
                                            reply_markup=message.markup, entities=entities)
                return message.edit
            png = await asyncio.to_thread(message.photo) if message.photo is not None else None
            reply = options.get("reply_parameters")
            replying = ReplyParameters.de_json(reply, bot) if reply else None
            if png:  # drawn off the event loop; the caption is the message's text (under 1,024 characters)
                sent = await bot.send_photo(message.chat_id, png, caption=message.text, reply_markup=message.markup)
            elif message.topic_of is not None:
                sent = await hooks.in_topic(bot, dispatcher.services, message.topic_of, lambda thread: bot.send_message(
                    message.chat_id, message.text, reply_markup=message.markup, entities=entities,
                    reply_parameters=replying, message_thread_id=thread))
            else:
                sent = await bot.send_message(message.chat_id, message.text, reply_markup=message.markup,
                                              entities=entities, reply_parameters=replying)
        return sent.message_id

    if DISPATCHER_KEY in application.bot_data:
        raise RuntimeError("the dispatcher is installed once, by build_app")
    dispatcher = Dispatcher(application, Sender(send, check=lambda message: dispatcher.reason_not_to_send(message),
                                                **sender_options), hooks)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    application.bot_data[SERVICES_KEY].wake = dispatcher.wake
    application.bot_data[SERVICES_KEY].defer = dispatcher.defer
    dispatcher.arm(timedelta(0))  # the first run finds whatever is pending or was left claimed

    async def start_alarm(context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue's one job for the dispatcher: start its monotonic alarm once the application runs."""
        dispatcher.start()

    application.job_queue.run_once(start_alarm, when=0, name=JOB_NAME, job_kwargs={"misfire_grace_time": None})
    return dispatcher


def dispatcher_of(application: Application) -> Dispatcher:
    """The dispatcher ``build_app`` installed."""
    return application.bot_data[DISPATCHER_KEY]

"""What the dispatcher calls up into, given by the wiring (``bot.app``), so ``bot/delivery/`` imports nothing above it.

The floors run down (tests/test_architecture.py): care decides what an alert says and what follows
once it went out, the check-in and enrolment handlers own their buttons' callback data, and the
running bot's heartbeat belongs to ``bot.runtime``. The dispatcher only calls what it is handed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable

from bot.services import Services
from bot.store.outbox import OutboxRow


@dataclass(frozen=True)
class Buttons:
    """Callback data of the buttons a reminder carries for other flows, from the handlers that read them."""

    start_checkin: Callable[[int], str]  # "Start check-in" for that day (bot/handlers/checkin.py)
    next_session: str                    # the end-of-plan "next session" button (bot/handlers/enrol.py)


@dataclass(frozen=True)
class Hooks:
    """The dispatcher's calls up: the heartbeat, an alert's text, what follows a sent alert, reminder buttons, and
    the replay of journaled alerts, and what follows an alert the clinic chat refused."""

    on_tick: Callable[[datetime], None]                                  # once per run and per claim
    compose_alert: Callable[[Services, OutboxRow], tuple[str, object] | str]  # text and buttons, or why not
    alert_sent: Callable[[Services, OutboxRow, datetime], None]           # after Telegram took an alert-kind row
    buttons: Buttons
    # Alerts the database could not take earlier (bot/care/safety.py), into the outbox before a run claims.
    replay_journal: Callable[[Services, datetime], int] = lambda svc, now: 0
    # An alert the clinic chat refused for good (bot/care/alerts.py: to the on-call admins, into the worklist).
    alert_refused: Callable[[Services, OutboxRow | None, datetime], None] = lambda svc, row, now: None
    # A post about a patient in the clinic chat, in their forum topic when it has topics (bot/care/topics.py):
    # ``in_topic(bot, svc, patient, send)`` awaits ``send(thread_id or None)``.
    in_topic: Callable[[Any, Services, int | None, Callable[[int | None], Awaitable[Any]]], Awaitable[Any]] = \
        lambda bot, svc, patient, send: send(None)
    # An erased patient's topic (outbox kind ``drop_topic``): ``drop_topic(bot, svc, chat_id, thread_id, name)``.
    drop_topic: Callable[[Any, Services, int, int, str], Awaitable[None]] = \
        lambda bot, svc, chat_id, thread_id, name: bot.delete_forum_topic(chat_id, thread_id)
    # The session's progress chart, drawn when sent (bot/care/chart.py), for the end-of-plan summary; None: none.
    chart: Callable[[Services, int, int], Callable[[], bytes] | None] = lambda svc, chat_id, treatment_id: None

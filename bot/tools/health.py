"""``aftercare healthcheck``: is the running bot healthy (database writable, nothing overdue, no urgent alert
undelivered, dispatcher ticking)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from bot.config import Settings
from bot.readiness import no_clinic_chat_warning
from bot.care.alerts import RERAISE_LEVELS
from bot.clock import Clock, SystemClock
from bot.runtime import DEFAULT_TICK_INTERVAL_S, TICK_NAME, read_heartbeat, tick_age
from bot.store.health import HealthProbe
from bot.store.records import iso
from bot.tools.common import settings_for_tools

DEFAULT_MAX_OVERDUE_MINUTES = 30  # a 10,000-reminder morning takes ~6 minutes at Telegram's 30 msg/s


def healthcheck(settings: Settings, now: datetime, max_overdue_minutes: int = DEFAULT_MAX_OVERDUE_MINUTES,
                tick_interval_s: int = DEFAULT_TICK_INTERVAL_S, clock: Clock | None = None) -> list[str]:
    """What is wrong with the running bot, one sentence each; an empty list means healthy.

    The dispatcher's last run is timed on ``clock``'s monotonic reading when the bot recorded one of the same
    clock (the same machine since its boot), so a wall clock stepped back an hour does not hide a stall."""
    database, problems = settings.database_path, []
    if not database.is_file():
        return [f"the database {database} does not exist (has the bot started with this data folder?)"]
    probe = HealthProbe(database)
    try:
        if not probe.writable():
            problems.append(f"the database {database} is not writable")
        oldest = probe.oldest_overdue(now)
        undelivered = probe.oldest_undelivered_alert(RERAISE_LEVELS)
    finally:
        probe.close()
    if oldest is not None and now - oldest > timedelta(minutes=max_overdue_minutes):
        late = int((now - oldest).total_seconds() // 60)
        problems.append(f"a delivery due at {iso(oldest)} is {late} minutes overdue "
                        f"(more than {max_overdue_minutes})")
    allowed = settings.clinic.undelivered_minutes
    if undelivered is not None and now - undelivered > timedelta(minutes=allowed):
        problems.append(f"an urgent alert raised at {iso(undelivered)} has not reached the clinic chat for "
                        f"{int((now - undelivered).total_seconds() // 60)} minutes (more than {allowed}, "
                        "undelivered_minutes in the clinic profile): check that the bot can post there")
    tick = read_heartbeat(settings.data_dir)
    if tick is None:
        problems.append(f"the dispatcher has not recorded a run ({settings.data_dir / TICK_NAME} is missing)")
        return problems
    age = tick_age(tick, now, *((clock.monotonic(), clock.monotonic_source) if clock is not None else ()))
    if abs(age) > timedelta(seconds=2 * tick_interval_s):
        when = f"{int(age.total_seconds())} s ago" if age > timedelta(0) else \
            f"{int(-age.total_seconds())} s in the future (the clock was stepped back since)"
        problems.append(f"the dispatcher last ran {when} "
                        f"(more than twice its interval of {tick_interval_s} s): it looks stuck")
    return problems


def healthcheck_command(environ: dict[str, str], argv: list[str], now: datetime | None = None,
                        clock: Clock | None = None) -> int:
    """`aftercare healthcheck`: exit 0 when healthy, 1 with one line per problem otherwise."""
    parser = argparse.ArgumentParser(prog="aftercare healthcheck", description=healthcheck_command.__doc__)
    parser.add_argument("--max-overdue-minutes", type=int, default=DEFAULT_MAX_OVERDUE_MINUTES,
                        help="a pending delivery later than this is a problem (default %(default)s)")
    parser.add_argument("--tick-interval-seconds", type=int, default=DEFAULT_TICK_INTERVAL_S,
                        help="the dispatcher's interval; a tick older than twice this is a problem")
    args = parser.parse_args(argv)
    settings = settings_for_tools(environ)
    if settings is None:
        return 2
    clock = clock or (SystemClock() if now is None else None)
    problems = healthcheck(settings, now or clock.now(), args.max_overdue_minutes, args.tick_interval_seconds,
                           clock=clock)
    warning = no_clinic_chat_warning(settings)
    if warning:  # loud, but not unhealthy: the bot itself runs
        print(f"WARNING: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"unhealthy: {problem}", file=sys.stderr)
    if not problems:
        print("ok")
    return 1 if problems else 0

"""``aftercare healthcheck``: is the running bot healthy (database writable, nothing overdue, dispatcher ticking)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta, timezone

from bot.config import Settings
from bot.readiness import no_clinic_chat_warning
from bot.runtime import DEFAULT_TICK_INTERVAL_S, TICK_NAME, read_tick
from bot.store.health import HealthProbe
from bot.store.records import iso
from bot.tools.common import settings_for_tools

DEFAULT_MAX_OVERDUE_MINUTES = 30  # a 10,000-reminder morning takes ~6 minutes at Telegram's 30 msg/s


def healthcheck(settings: Settings, now: datetime, max_overdue_minutes: int = DEFAULT_MAX_OVERDUE_MINUTES,
                tick_interval_s: int = DEFAULT_TICK_INTERVAL_S) -> list[str]:
    """What is wrong with the running bot, one sentence each; an empty list means healthy."""
    database, problems = settings.database_path, []
    if not database.is_file():
        return [f"the database {database} does not exist (has the bot started with this data folder?)"]
    probe = HealthProbe(database)
    try:
        if not probe.writable():
            problems.append(f"the database {database} is not writable")
        oldest = probe.oldest_overdue(now)
    finally:
        probe.close()
    if oldest is not None and now - oldest > timedelta(minutes=max_overdue_minutes):
        late = int((now - oldest).total_seconds() // 60)
        problems.append(f"a delivery due at {iso(oldest)} is {late} minutes overdue "
                        f"(more than {max_overdue_minutes})")
    tick = read_tick(settings.data_dir)
    if tick is None:
        problems.append(f"the dispatcher has not recorded a run ({settings.data_dir / TICK_NAME} is missing)")
    elif now - tick > timedelta(seconds=2 * tick_interval_s):
        problems.append(f"the dispatcher last ran {int((now - tick).total_seconds())} s ago "
                        f"(more than twice its interval of {tick_interval_s} s): it looks stuck")
    return problems


def healthcheck_command(environ: dict[str, str], argv: list[str], now: datetime | None = None) -> int:
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
    problems = healthcheck(settings, now or datetime.now(timezone.utc), args.max_overdue_minutes,
                           args.tick_interval_seconds)
    warning = no_clinic_chat_warning(settings)
    if warning:  # loud, but not unhealthy: the bot itself runs
        print(f"WARNING: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"unhealthy: {problem}", file=sys.stderr)
    if not problems:
        print("ok")
    return 1 if problems else 0

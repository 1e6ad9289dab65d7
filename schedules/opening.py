"""When the clinic is open: hours per weekday and the public holidays of its country (pure, no clock).

Everything that depends on opening time asks here: the re-raise of urgent alerts (posted again in the clinic
chat only while it is open, else straight to the on-call admins) and the daily worklist (sent at the opening
of each working day). Public holidays come from the maintained ``holidays`` library, by the clinic's country
code (ISO 3166, such as "GB" or "DE") and optional subdivision ("ENG", "BY"); with no country, none are kept.

A day is open from ``opens`` up to (not including) ``closes``, local time in the clinic's zone. Hours that
cross midnight are not supported: a clinic closes on the day it opens. On a day the clocks change, the wall
time is read as the clock shows it (``zoneinfo``'s fold 0), like the planner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Hours = tuple[time, time] | None       # (opens, closes) of one weekday, or None when closed all day
LOOK_AHEAD = 60                       # days searched for the next opening (a long holiday closure is shorter)


@dataclass(frozen=True)
class OpeningHours:
    """The clinic's week (Monday first) and the country whose public holidays close it."""

    week: tuple[Hours, ...] = ((time(9), time(18)),) * 7
    country: str = ""
    subdivision: str = ""

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on ``day`` in the clinic's country, or None."""
        if not self.country:
            return None
        return _calendar(self.country, self.subdivision or None, day.year).get(day)

    def hours_on(self, day: date) -> Hours:
        """The opening hours on that local date, None when closed (the weekday, or a public holiday)."""
        return None if self.holiday(day) else self.week[day.weekday()]

    def opening_on(self, day: date, zone: str) -> datetime | None:
        """The instant the clinic opens on the local date ``day`` (aware, in ``zone``), None when closed."""
        hours = self.hours_on(day)
        return datetime.combine(day, hours[0], tzinfo=ZoneInfo(zone)) if hours else None

    def is_open(self, moment: datetime, zone: str) -> bool:
        """Whether the aware ``moment`` falls inside the opening hours, in the clinic's zone."""
        local = moment.astimezone(ZoneInfo(zone))
        hours = self.hours_on(local.date())
        return hours is not None and hours[0] <= local.time().replace(tzinfo=None) < hours[1]

    def next_opening(self, moment: datetime, zone: str) -> datetime | None:
        """The first opening strictly after ``moment``; None if the clinic never opens in the next weeks."""
        day = moment.astimezone(ZoneInfo(zone)).date()
        for offset in range(LOOK_AHEAD):
            opening = self.opening_on(day + timedelta(days=offset), zone)
            if opening is not None and opening > moment:
                return opening
        return None

    def is_working_day(self, day: date) -> bool:
        return self.hours_on(day) is not None


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


def country_problem(country: str, subdivision: str = "") -> str | None:
    """Why a country (and subdivision) code can't give public holidays, with the fix; None when it can."""
    if not country:
        return None
    supported = holidays.list_supported_countries()
    if country not in supported:
        return (f"country {country!r} is not a country code the holidays library knows; use a two-letter code "
                "such as GB, DE, IE or US")
    if subdivision and subdivision not in supported[country]:
        return (f"subdivision {subdivision!r} is not one of {country}'s ({', '.join(supported[country][:12])}"
                f"{', ...' if len(supported[country]) > 12 else ''})")
    return None


def parse_hours(text: str) -> Hours:
    """ "09:00-18:00" -> (09:00, 18:00); "closed" -> None; ValueError with the reason otherwise."""
    text = text.strip().lower()
    if text in ("closed", "-", "none", "off"):
        return None
    start, sep, end = text.replace(" ", "").replace("–", "-").partition("-")
    if not sep:
        raise ValueError(f'{text!r} is not opening hours like "09:00-18:00" (or "closed")')
    opens, closes = _hhmm(start), _hhmm(end)
    if not opens < closes:
        raise ValueError(f'{text!r}: the clinic must close after it opens, on the same day, such as "09:00-18:00"')
    return opens, closes


def format_hours(hours: Hours) -> str:
    return "closed" if hours is None else f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"


def _hhmm(text: str) -> time:
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or int(hours) > 23 \
            or int(minutes) > 59:
        raise ValueError(f'{text!r} is not a time like "09:00"')
    return time(int(hours), int(minutes))

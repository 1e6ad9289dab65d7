"""Pure parsers for what patients type: dates, times, time zones, yes/no answers and the settings item named.

No Telegram and no clock here: ``today`` is passed in, so every parser is a
plain function that tests (and hypothesis) can hammer.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from functools import lru_cache

from messages.catalog import load_catalog
from messages.dates import safe_date, word_dates
from messages.zones import ZONE_ABBREVIATIONS, is_zone_abbreviation, parse_zone, read_zone  # noqa: F401 (re-exported)
from messages.words import Words, normalise

MAX_TEXT = 200  # longer answers are not dates, times or zones; never regex-scan megabytes

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[./\-](\d{1,2})(?:[./\-](\d{2}|\d{4}))?\.?$")  # "23.11." ends with a dot
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def parse_date(text: str, today: date, words: Words | None = None) -> date | None:
    """A typed treatment date (2026-11-20, 20.11.2026, 20/11, or the catalog's words for today and yesterday)
    or None; ``words`` are the typed forms of the patient's language (default: the default catalog's).

    Where day and month could be swapped ("12/11"), this is the day-first reading;
    ``date_readings`` gives both, so the patient can be asked."""
    s = text.strip().lower()[:MAX_TEXT]
    word = (words or _words()).read(s, ("date_today", "date_yesterday"))
    if word is not None:
        return today - timedelta(days=0 if word == "date_today" else 1)
    s = _unfilled(s, words or _words())  # "am 3.12.", "el 3/12"
    if m := _ISO.match(s):
        return safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(s):
        first, second = int(m[1]), int(m[2])
        day, month = (second, first) if second > 12 >= first else (first, second)
        if m[3]:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return safe_date(year, month, day)
        # No year: the nearest such date to today, so "30/12" typed on 2 January means last year.
        candidates = [d for y in (today.year - 1, today.year, today.year + 1)
                      if (d := safe_date(y, month, day)) is not None]
        return min(candidates, key=lambda d: abs((d - today).days), default=None)
    readings, _ = word_dates(s, today, words or _words())
    return readings[0] if readings else None


def _unfilled(text: str, words: Words) -> str:
    """A typed date without the words before it that say nothing ("am 3.12." is "3.12."), when the rest is one
    date written in numbers; else the text as it was."""
    tokens = text.split()
    while len(tokens) > 1 and words.read(tokens[0], ("date_filler",)) is not None:
        tokens = tokens[1:]
    rest = " ".join(tokens)
    return rest if len(tokens) == 1 and (_ISO.match(rest) or _DMY.match(rest)) else text


def date_readings(text: str, today: date, words: Words | None = None) -> list[date]:
    """Every date a typed date can mean: none, one, or two when day and month could be swapped ("12/11")."""
    first = parse_date(text, today, words)
    if first is None:
        return []
    typed = _unfilled(text.strip().lower()[:MAX_TEXT], words or _words())
    m = _DMY.match(typed)
    if not m and not _ISO.match(typed):
        return word_dates(text.strip().lower()[:MAX_TEXT], today, words or _words())[0] or [first]  # "Monday": two
    if not m or int(m[1]) == int(m[2]) or int(m[1]) > 12 or int(m[2]) > 12:
        return [first]
    swapped = parse_date(f"{m[2]}/{m[1]}" + (f"/{m[3]}" if m[3] else ""), today, words)
    return [first] + ([swapped] if swapped and swapped != first else [])


def date_problem(text: str, today: date, words: Words | None = None) -> str | None:
    """Why a typed date reads as no date: "impossible" (30/02, 31 June: no such day), "vague" (next week), or None."""
    s = text.strip().lower()[:MAX_TEXT]
    if parse_date(s, today, words) is not None:
        return None
    if _ISO.match(_unfilled(s, words or _words())) or _DMY.match(_unfilled(s, words or _words())):
        return "impossible"
    return word_dates(s, today, words or _words())[1]


def parse_time(text: str, words: Words | None = None) -> time | None:
    """A typed local time (7:30, 19:00, 7.30, 7pm, the catalog's words for noon and midnight) or None."""
    s = " ".join(t for t in _spelled_out(text.strip().lower()[:MAX_TEXT], words).split() if not _filler(t, words))
    if (word := (words or _words()).read(s, ("time_noon", "time_midnight"))) is not None:
        return time(12 if word == "time_noon" else 0)
    m = _TIME.match(s)
    if not m:
        return None
    hour, minute, meridiem = int(m[1]), int(m[2] or 0), m[3]
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


# Words for a time said in words: (catalog key, minutes, hours to add). Before the hour: "half past seven" (7:30),
# "quarter to nine" (8:45), German "halb acht" (7:30); after it: Spanish "siete y media" (7:30), "ocho menos cuarto"
# (7:45).
_SPELLED = (("time_half_past", 30, 0), ("time_quarter_past", 15, 0), ("time_quarter_to", 45, -1),
            ("time_half_to", 30, -1))
_SPELLED_AFTER = (("time_after_half", 30, 0), ("time_after_quarter_past", 15, 0), ("time_after_quarter_to", 45, -1))


def _spelled_out(text: str, words: Words | None) -> str:
    """Times in words as digits: "half past seven" is "7:30", "quarter to nine and ten" is "8:45 and 10"."""
    words = words or _words()
    def hour(token: str) -> tuple[int, str] | None:  # "seven" (7, ""), "9pm" (9, "pm")
        if m := re.match(r"^(\d{1,2})(am|pm)?$", token):
            return (int(m[1]), m[2] or "") if 1 <= int(m[1]) <= 12 else None
        return next(((n, "") for n in range(1, 13) if words.read(token, (f"time_number_{n}",))), None)

    tokens, out = text.split(), []
    while tokens:
        found = next(((n, spelled) for n in (1, 2, 3) for spelled in _SPELLED if len(tokens) > n
                      and words.read(" ".join(tokens[:n]), spelled[:1]) and hour(tokens[n])), None)
        after = None if found or not hour(tokens[0]) else next(
            ((n, spelled) for n in (1, 2, 3) for spelled in _SPELLED_AFTER if len(tokens) > n
             and words.read(" ".join(tokens[1:n + 1]), spelled[:1])), None)
        if found:
            (n, (_, minutes, shift)), (number, suffix) = found, hour(tokens[found[0]])
            out.append(f"{(number + shift - 1) % 12 + 1}:{minutes:02d}{suffix}")
            tokens = tokens[n + 1:]
        elif after:
            (n, (_, minutes, shift)), (number, suffix) = after, hour(tokens[0])
            out.append(f"{(number + shift - 1) % 12 + 1}:{minutes:02d}{suffix}")
            tokens = tokens[n + 1:]
        else:
            out.append(str(hour(tokens[0])[0]) if hour(tokens[0]) and not tokens[0][0].isdigit() else tokens[0])
            tokens = tokens[1:]
    return " ".join(out)


def _filler(token: str, words: Words | None) -> bool:
    """A word around typed times that says nothing about them ("from", "at", "morning", "o'clock")."""
    return (words or _words()).read(token, ("time_filler",)) is not None


def parse_times(text: str, words: Words | None = None) -> list[time] | None:
    """One or two typed times ("7:30", "7:30 and 21:00", "8, 20", "08:00-21:00", "morning 7, evening 10pm") or
    None if any part is not a time."""
    split = re.split(r"\s*(?:,|;|/|\band\b|[-–]|\s)\s*", _spelled_out(text.strip().lower()[:MAX_TEXT], words))
    parts = [p for p in split if p and not _filler(p, words)]
    # Re-join "7 pm" style pairs that the space split apart.
    joined: list[str] = []
    for part in parts:
        if part in {"am", "pm", "a.m.", "p.m."} and joined:
            joined[-1] += part
        else:
            joined.append(part)
    times = [parse_time(p, words) for p in joined]
    if not 1 <= len(times) <= 2 or any(t is None for t in times):
        return None
    return times  # type: ignore[return-value]


_RANGE_WORDS = ("to", "until", "till", "and")  # when a catalog has no words.time_range


def parse_quiet(text: str, words: Words | None = None) -> tuple[time, time] | str | None:
    """Quiet hours typed as "22:30-07:00" (or "22 to 7"), "off" for none (the catalog's words, or a typed no),
    else None."""
    words = words or _words()
    s = _spelled_out(" ".join(text.strip().lower().split())[:MAX_TEXT], words)
    if words.read(s, ("quiet_off",)) is not None or words.yes_no(s) == "no":
        return "off"
    between = sorted(words.forms.get("time_range") or _RANGE_WORDS, key=len, reverse=True)  # "22 bis 7"
    parts = [p for p in re.split(r"\s*(?:-|–|" + "|".join(rf"\b{re.escape(w)}\b" for w in between) + r")\s*", s) if p]
    if len(parts) != 2:
        return None
    start, end = parse_time(parts[0], words), parse_time(parts[1], words)  # "from 11 pm until 7 am" too
    if start is None or end is None or start == end:
        return None
    return start, end


def night_reading(text: str, quiet: tuple[time, time]) -> tuple[time, time] | None:
    """Quiet hours typed without am or pm that start before noon and end before they start ("10-7": 21 hours
    of quiet from 10:00): the night reading (22:00-07:00), to ask which is meant; else None."""
    start, end = quiet
    if start >= time(12) or end >= start or re.search(r"\d\s*[ap]\.?m\b", text.lower()):
        return None
    return time(start.hour + 12, start.minute), end


@lru_cache(maxsize=1)
def _words() -> Words:
    return Words.from_texts(load_catalog().texts)


def looks_off_topic(words: Words, text: str) -> bool:
    """A thank-you or greeting, a question of the patient's own or a sentence: not an attempt at the answer."""
    return words.read(text, ["thanks"]) is not None or "?" in text or len(text.split()) >= 5


SETTINGS_ITEMS = ("date", "zone", "times", "quiet", "health", "midday", "language", "photos")  # words.setting_<item>
_NO_WORDS = Words({})


def is_settings_item_name(text: str, words: Words) -> bool:
    """Whether the whole text is just the name of a /settings item ("Sprache", "idioma", "photos"), as a patient
    types a button's label at the open menu: that names the item, not a sign (German "Sprache" is also speech)."""
    said = normalise(text).strip(" .!?")
    return any(said == normalise(form) for item in SETTINGS_ITEMS for form in words.forms.get(f"setting_{item}", ()))


def settings_item(text: str, words: Words, today: date) -> str | None:
    """The one /settings item typed text names ("change my reminder time": "times", "Berlin": "zone", "7:30":
    "times"), "done" for a typed done, or None (nothing named, or several: never guess).

    The catalog's phrases are found anywhere, longest first and each used up once found, so "time zone" names
    the zone and not the times too; a message naming no item is read as a value: times, then a zone, then a
    date written in numbers."""
    if words.read(text, ("setting_done",)) is not None:
        return "done"
    said = f" {normalise(text)} "
    phrases = sorted(((phrase, item) for item in SETTINGS_ITEMS for form in words.forms.get(f"setting_{item}", ())
                      if (phrase := normalise(form))), key=lambda found: -len(found[0]))
    named = set()
    for phrase, item in phrases:
        if f" {phrase} " in said:
            named.add(item)
            said = said.replace(f" {phrase} ", " | ")
    if named:
        return named.pop() if len(named) == 1 else None
    if parse_times(text, words) is not None:  # "halb acht" in German
        return "times"
    if parse_zone(text) is not None:
        return "zone"
    return "date" if parse_date(text, today, _NO_WORDS) is not None else None


SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")  # Fitzpatrick skin types


def skin_types(text: str, words: Words) -> tuple[str, ...] | None:
    """The skin types typed text can mean: one ("IV", "type 4", "I tan easily"), two to choose between
    ("fair": I or II), none for a typed no or don't know (the question is optional), or None (not read)."""
    s = normalise(text)
    value = " ".join(t for t in s.split() if words.read(t, ("skin_filler",)) is None).upper()
    if value in SKIN_TYPES or (value.isascii() and value.isdigit() and 1 <= int(value) <= len(SKIN_TYPES)):
        return (value if value in SKIN_TYPES else SKIN_TYPES[int(value) - 1],)  # "4" for IV
    if words.yes_no(s) in {"no", "unsure"}:
        return ()
    described = words.read(s, [f"skin_{kind}" for kind in (*SKIN_TYPES, "fair", "olive")])
    if described is None:
        return None
    return {"skin_fair": ("I", "II"), "skin_olive": ("III", "IV")}.get(described, (described.removeprefix("skin_"),))


"""The clinic profile: who the clinic is, how to reach it, and its care defaults (a TOML file)."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, time
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from messages.zones import fixed_offset, summer_time_zones
from schedules.opening import WEEKDAYS, Hours, OpeningHours, country_problem, format_hours, parse_hours
from schedules.planner import Timing, in_quiet_hours


class ClinicFileError(ValueError):
    """The clinic profile is missing, unreadable or has a malformed field (``problems``: every one found)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [message])


@dataclass(frozen=True)
class ClinicProfile:
    """Everything the bot needs to know about the treating clinic."""

    name: str
    phone: str
    out_of_hours: str
    emergency_number: str
    timezone: str
    plan: str
    retention_days: int
    morning: time
    midday: time
    evening: time
    quiet_start: time | None
    quiet_end: time | None
    # [alerts] (optional): an unacknowledged urgent or emergency alert is raised again after this many minutes,
    # counted only while the clinic is open.
    reraise_minutes: int = 30
    # An urgent or emergency alert not delivered after this many minutes makes `aftercare healthcheck` fail.
    undelivered_minutes: int = 15
    # [hours] and [clinic] country: opening hours per weekday and the public holidays that close the clinic
    # (schedules/opening.py). ``hours_set`` is False for a profile written before [hours] existed: it keeps
    # 09:00-18:00 every day (or its old [alerts] opens/closes/days), and doctor warns that hours were never set.
    hours: OpeningHours = OpeningHours()
    hours_set: bool = True
    # [worklist] when_empty: "line" sends one line on a working day with nothing to list, "silent" sends nothing.
    worklist_when_empty: str = "line"
    worklist_send: bool = True  # [worklist] send = false: no daily worklist at all
    # [clinic] staff (optional): Telegram user ids of the team members who, besides the admins
    # (AFTERCARE_ADMIN_IDS), may answer patients and acknowledge alerts in the clinic chat.
    staff: frozenset[int] = frozenset()
    # [clinic] languages (optional): the languages offered to patients, the first the default for a patient whose
    # Telegram language is not offered; clinic_language: the staff chat's own. Empty / None: AFTERCARE_LANGUAGE.
    languages: tuple[str, ...] = ()
    clinic_language: str | None = None

    def offered_languages(self, default: str) -> tuple[str, ...]:
        """The languages offered to patients (``default``, AFTERCARE_LANGUAGE, when the profile names none)."""
        return self.languages or (default,)

    def staff_language(self, default: str) -> str:
        """The clinic chat's language (``default``, AFTERCARE_LANGUAGE, when the profile names none)."""
        return self.clinic_language or default

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls in the clinic's opening hours, in its own time zone (holidays closed)."""
        return self.hours.is_open(now, self.timezone)

    def next_opening(self, now: datetime) -> datetime | None:
        """The clinic's first opening after ``now`` (aware), None if it opens on none of the next weeks."""
        return self.hours.next_opening(now, self.timezone)

    def opening_today(self, now: datetime) -> datetime | None:
        """The opening instant of ``now``'s local day in the clinic, None on a day it is closed."""
        return self.hours.opening_on(now.astimezone(ZoneInfo(self.timezone)).date(), self.timezone)

    def timing(self, zone: str | None = None, morning: time | None = None,
               evening: time | None = None, quiet: tuple[time, time] | str | None = None) -> Timing:
        """The planner's timing for a patient, falling back to the clinic defaults.

        ``quiet`` is the patient's own quiet hours, "off" for none, or None for the clinic's."""
        start, end = (self.quiet_start, self.quiet_end) if quiet is None else (None, None) if quiet == "off" \
            else quiet
        return Timing(zone=zone or self.timezone, morning=morning or self.morning,
                      midday=self.midday, evening=evening or self.evening, quiet_start=start, quiet_end=end)

    def contact_values(self) -> dict[str, str]:
        """Placeholders every catalog text may use to name the clinic."""
        return {"clinic_name": self.name, "clinic_phone": self.phone,
                "out_of_hours": self.out_of_hours, "emergency_number": self.emergency_number}


def default_clinic_file() -> str:
    return str(resources.files("bot").joinpath("clinics", "example.toml"))


def parse_hhmm(text: str) -> time:
    """Parse "7:30" or "19:00" into a time; ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time like 07:30")
    return time(int(hours), int(minutes))


def out_of_hours_sentence(text: str) -> str:
    """The out-of-hours advice as one whole sentence: spaces collapsed, a capital first letter, a final full stop
    ("call NHS 111 or go to A&E" -> "Call NHS 111 or go to A&E."). Catalog texts place it after a full stop."""
    text = " ".join(text.split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text + "." if text[-1] not in ".!?" else text


def _sentence(value: object, path: Path) -> str:
    """The optional out-of-hours advice as one whole sentence ("" if the clinic gives none)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ClinicFileError(f'clinic file {path}: [clinic] out_of_hours must be text, such as out_of_hours = '
                              f'"If we are closed, call NHS 111."')
    return out_of_hours_sentence(value)


def _toml_problem(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error in plain words: the file, the line as written, and what to do."""
    found = re.search(r"\(at line (\d+), column \d+\)|\(at end of document\)", str(exc))
    lines = text.splitlines()
    number = int(found.group(1)) if found and found.group(1) else len(lines)
    shown = lines[number - 1].strip()[:60] if 0 < number <= len(lines) else ""
    return (f"clinic file {path} cannot be read: line {number} ({shown!r}) is not valid TOML; each line is "
            f'name = "text" (in double quotes), name = 30, or a [section] title; fix that line or copy it '
            f"again from bot/clinics/example.toml")


def load_clinic(path: str | Path) -> ClinicProfile:
    """Read and validate a clinic profile; raise ClinicFileError naming the file and field.

    Every problem is found in one pass: the error's ``problems`` lists them all, one sentence each with its fix
    (its message is the first), so `aftercare doctor` can tell them at once."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClinicFileError(f"clinic file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClinicFileError(f"clinic file {path} cannot be read: {type(exc).__name__}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClinicFileError(_toml_problem(path, text, exc)) from None
    problems: list[str] = []

    def field(section: str, name: str, kind: type = str, example: str = "..."):
        value = data.get(section, {}).get(name)
        try:
            if value is None:
                raise ValueError(f"[{section}] {name} is missing: add {name} = {example} under [{section}]")
            if kind is str and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"[{section}] {name} must be non-empty text, such as {name} = {example}")
            if kind is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"[{section}] {name} must be a whole number >= 0, such as {name} = {example}")
            if kind is time:
                try:
                    return parse_hhmm(str(value))
                except ValueError:
                    raise ValueError(f'[{section}] {name} must be a time like "08:00"') from None
        except ValueError as exc:
            problems.append(f"clinic file {path}: {exc}")
            return None
        return value

    zone = field("clinic", "timezone", example='"Europe/London"')
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"clinic file {path}: [clinic] timezone {zone!r} is not a known IANA zone; "
                            "run `aftercare setup` and type the clinic's city")
            zone = None
        else:
            offset = fixed_offset(zone)
            if offset is not None:  # patients would be offered it with one tap, and reminders drift with summer time
                places = " or ".join(summer_time_zones(offset)) or "Europe/London"
                problems.append(f"clinic file {path}: [clinic] timezone {zone!r} keeps the same clock all year (no "
                                f"summer time); use the clinic's city zone, such as {places} (`aftercare setup` "
                                "reads the city)")
                zone = None
    if "sunscreen" in data:  # the window belongs to the care plan now: say so rather than ignore it
        problems.append(f"clinic file {path}: [sunscreen] moved to the care plan "
                        f"(schedules/plans/<plan>.toml); remove it here")
    try:
        out_of_hours = _sentence(data.get("clinic", {}).get("out_of_hours"), path)
    except ClinicFileError as exc:
        problems.append(str(exc))
        out_of_hours = ""
    values = dict(
        name=field("clinic", "name", example='"Riverside Skin Clinic"'),
        phone=field("clinic", "phone", example='"0161 496 0123"'),
        out_of_hours=out_of_hours,
        emergency_number=field("clinic", "emergency_number", example='"999"'), timezone=zone,
        plan=field("clinic", "plan", example='"microneedling"'),
        retention_days=field("clinic", "retention_days", int, example="90"),
        morning=field("reminders", "morning", time), midday=field("reminders", "midday", time),
        evening=field("reminders", "evening", time),
        quiet_start=field("reminders", "quiet_start", time),
        quiet_end=field("reminders", "quiet_end", time),
    )
    try:
        values["staff"] = _staff(path, data.get("clinic", {}).get("staff", []))
    except ClinicFileError as exc:
        problems.append(str(exc))
    try:
        values.update(_languages(path, data.get("clinic", {})))
    except ClinicFileError as exc:
        problems.append(str(exc))
    try:
        values.update(_alerts(path, data.get("alerts", {})))
    except ClinicFileError as exc:
        problems.append(str(exc))
    hours = _hours(path, data, values.pop("legacy_week", None), problems)
    if hours is not None:
        values["hours"], values["hours_set"] = hours, "hours" in data
    when_empty = data.get("worklist", {}).get("when_empty", "line")
    if when_empty not in ("line", "silent"):
        problems.append(f'clinic file {path}: [worklist] when_empty must be "line" (one line on a quiet day) or '
                        f'"silent" (nothing)')
    else:
        values["worklist_when_empty"] = when_empty
    send = data.get("worklist", {}).get("send", True)
    if not isinstance(send, bool):
        problems.append(f"clinic file {path}: [worklist] send must be true or false")
    else:
        values["worklist_send"] = send
    if not problems:
        profile = ClinicProfile(**values)
        problems += [f"clinic file {path}: {problem}" for problem in quiet_problems(profile)]
    if problems:
        raise ClinicFileError(problems[0], problems)
    return profile


def quiet_problems(profile: ClinicProfile) -> list[str]:
    """Reminder defaults that the clinic's own quiet hours would swallow (the bot would refuse them to every
    patient who accepts them), each with the fix."""
    if profile.quiet_start is None or profile.quiet_end is None or profile.quiet_start == profile.quiet_end:
        return []
    timing = profile.timing()
    quiet = f"{profile.quiet_start:%H:%M}-{profile.quiet_end:%H:%M}"
    return [f"the {name} reminder default {at:%H:%M} falls inside the quiet hours {quiet}: move it out of them "
            f"([reminders] {name}) or shorten the quiet hours ([reminders] quiet_start, quiet_end)"
            for name, at in (("morning", profile.morning), ("midday", profile.midday), ("evening", profile.evening))
            if in_quiet_hours(at, timing)]


def _staff(path: Path, value: object) -> frozenset[int]:
    """The optional [clinic] staff list of Telegram user ids (each member sends /myid to the bot to learn theirs)."""
    if not isinstance(value, list) or any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in value):
        raise ClinicFileError(f"clinic file {path}: [clinic] staff must list Telegram user ids, e.g. [12345, 67890]")
    return frozenset(value)


def _languages(path: Path, section: dict) -> dict:
    """The optional [clinic] languages (offered to patients) and clinic_language (the staff chat's), checked: known
    language codes, and the clinic's language has a catalog (messages/catalog/<code>/)."""
    from messages.catalog import catalog_languages
    from messages.formatting import is_known_language

    out: dict = {}
    languages = section.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(code, str) for code in languages):
        raise ClinicFileError(f'clinic file {path}: [clinic] languages must list language codes, e.g. ["en", "de", "es"]')
    unknown = [code for code in languages if not re.fullmatch(r"[a-z]{2,3}", code) or not is_known_language(code)]
    if unknown:
        raise ClinicFileError(f"clinic file {path}: [clinic] languages: {', '.join(map(repr, unknown))} is not a "
                              f'language code; use two letters such as "en", "de" or "es"')
    out["languages"] = tuple(dict.fromkeys(languages))
    clinic_language = section.get("clinic_language")
    if clinic_language is not None:
        if not isinstance(clinic_language, str) or not is_known_language(clinic_language):
            raise ClinicFileError(f'clinic file {path}: [clinic] clinic_language must be a language code such as "en"')
        if clinic_language not in catalog_languages():
            raise ClinicFileError(f"clinic file {path}: [clinic] clinic_language {clinic_language!r} has no catalog "
                                  f"(messages/catalog/{clinic_language}/); the staff chat needs one, e.g. \"en\"")
        out["clinic_language"] = clinic_language
    return out


def _language_lines(profile: ClinicProfile) -> str:
    """The [clinic] languages lines of a rendered profile ("" when it names none: AFTERCARE_LANGUAGE then)."""
    lines = []
    if profile.languages:
        lines += ["# The languages offered to patients (each needs messages/catalog/<code>/), the first the default.",
                  f"languages = {json.dumps(list(profile.languages))}"]
    if profile.clinic_language:
        lines += ["# The language of the clinic chat (alerts and staff messages).",
                  f"clinic_language = {_toml_string(profile.clinic_language)}"]
    return "".join(line + "\n" for line in lines)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for the characters a clinic's details contain)."""
    return json.dumps(text, ensure_ascii=False)


def render_clinic(profile: ClinicProfile) -> str:
    """The profile as a commented TOML file that :func:`load_clinic` reads back unchanged."""
    def hhmm(value: time | None) -> str:
        return _toml_string(value.strftime("%H:%M") if value else "")

    return f"""# The clinic profile, written by `aftercare setup` (run it again to change it, or edit this file).
# Every field is required; `aftercare doctor` and start-up name any that is missing or malformed.

[clinic]
name = {_toml_string(profile.name)}
# The number patients call; shown with every "contact the clinic" result.
phone = {_toml_string(profile.phone)}
# Out-of-hours advice: one whole sentence, shown on its own after the clinic's phone number in urgent advice.
out_of_hours = {_toml_string(profile.out_of_hours)}
# The local emergency number, shown first in every emergency message.
emergency_number = {_toml_string(profile.emergency_number)}
# IANA zone offered to patients with one tap.
timezone = {_toml_string(profile.timezone)}
# Which care plan in schedules/plans/ patients follow (its length, sunscreen window and timeline).
plan = {_toml_string(profile.plan)}
# Days after a patient's care plan ends before their data is erased.
retention_days = {profile.retention_days}
# Telegram user ids of staff who, besides the admins (AFTERCARE_ADMIN_IDS), may answer patients and
# acknowledge alerts in the clinic chat (each sends /myid to the bot). Anyone else there is refused.
staff = {json.dumps(sorted(profile.staff))}
# The country (ISO code, such as "GB" or "DE") whose public holidays close the clinic, and optionally its
# region ("ENG", "SCT", "BY"); "" for none.
country = {_toml_string(profile.hours.country)}
subdivision = {_toml_string(profile.hours.subdivision)}
{_language_lines(profile)}
[hours]
# Opening hours, local time, per weekday ("09:00-18:00" or "closed"). Urgent alerts are posted again in the
# clinic chat only while it is open, and the daily worklist comes at the opening of each working day.
{_week(profile.hours)}

[worklist]
# On a working day with nothing to list: "line" sends one line saying so, "silent" sends nothing.
when_empty = {_toml_string(profile.worklist_when_empty)}
# false: no daily worklist in the clinic chat at all.
send = {"true" if profile.worklist_send else "false"}

[reminders]
# Defaults a patient can accept with one tap or change.
morning = {hhmm(profile.morning)}
midday = {hhmm(profile.midday)}
evening = {hhmm(profile.evening)}
# Nothing is sent between these local times; a reminder due inside moves to the end.
quiet_start = {hhmm(profile.quiet_start)}
quiet_end = {hhmm(profile.quiet_end)}

[alerts]
# An urgent or emergency alert nobody has acknowledged is posted again in the clinic chat after this many
# minutes (while the clinic is open), then sent to the on-call admins (AFTERCARE_ONCALL_IDS).
reraise_minutes = {profile.reraise_minutes}
# `aftercare healthcheck` fails while an urgent or emergency alert is undelivered for longer than this.
undelivered_minutes = {profile.undelivered_minutes}
"""


def _week(hours: OpeningHours) -> str:
    return "\n".join(f"{name} = {_toml_string(format_hours(day))}" for name, day in zip(WEEKDAYS, hours.week))


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _alerts(path: Path, section: dict) -> dict:
    """The optional [alerts] section: reraise_minutes, undelivered_minutes; and, in a profile older than [hours],
    opens, closes and days (e.g. ["mon", "fri"]), returned as ``legacy_week``."""
    values: dict = {}
    minutes = section.get("reraise_minutes", 30)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
        raise ClinicFileError(f"clinic file {path}: [alerts] reraise_minutes must be a whole number >= 1")
    values["reraise_minutes"] = minutes
    undelivered = section.get("undelivered_minutes", 15)
    if not isinstance(undelivered, int) or isinstance(undelivered, bool) or undelivered < 1:
        raise ClinicFileError(f"clinic file {path}: [alerts] undelivered_minutes must be a whole number >= 1")
    values["undelivered_minutes"] = undelivered
    for name in ("opens", "closes"):
        if name in section:
            try:
                values[name] = parse_hhmm(str(section[name]))
            except ValueError:
                raise ClinicFileError(f"clinic file {path}: [alerts] {name} must be a time like \"09:00\"") from None
    days = section.get("days", list(DAYS))
    if not isinstance(days, list) or not days or any(str(d).lower()[:3] not in DAYS for d in days):
        raise ClinicFileError(f"clinic file {path}: [alerts] days must list days such as [\"mon\", \"tue\"]")
    open_days = {DAYS.index(str(d).lower()[:3]) for d in days}
    opens, closes = values.pop("opens", time(9)), values.pop("closes", time(18))
    values["legacy_week"] = tuple((opens, closes) if day in open_days else None for day in range(7))
    return values


def _hours(path: Path, data: dict, legacy: tuple[Hours, ...] | None, problems: list[str]) -> OpeningHours | None:
    """The [hours] table (every weekday) and the [clinic] country; without [hours], the old [alerts] hours."""
    clinic = data.get("clinic", {})
    country, subdivision = clinic.get("country", ""), clinic.get("subdivision", "")
    if not isinstance(country, str) or not isinstance(subdivision, str):
        problems.append(f'clinic file {path}: [clinic] country and subdivision must be text, such as country = "GB"')
        return None
    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    if country.count("-") == 1 and not subdivision:  # "GB-ENG", as ISO 3166-2 writes it
        country, subdivision = country.split("-")
    if problem := country_problem(country, subdivision):
        problems.append(f"clinic file {path}: [clinic] {problem}")
        return None
    table = data.get("hours")
    if table is None:
        return OpeningHours(legacy or OpeningHours().week, country, subdivision)
    week, bad = [], []
    for name in WEEKDAYS:
        value = table.get(name) if isinstance(table, dict) else None
        try:
            if not isinstance(value, str):
                raise ValueError(f'{name} is missing: add {name} = "09:00-18:00" (or "closed")')
            week.append(parse_hours(value))
        except ValueError as exc:
            bad.append(f"clinic file {path}: [hours] {exc}")
    if unknown := sorted(set(table) - set(WEEKDAYS)) if isinstance(table, dict) else []:
        bad.append(f"clinic file {path}: [hours] {', '.join(unknown)}: use the weekdays mon, tue, ... sun")
    if not bad and all(day is None for day in week):
        bad.append(f'clinic file {path}: [hours] the clinic is closed every day: give one day hours like "09:00-18:00"')
    problems.extend(bad)
    return None if bad else OpeningHours(tuple(week), country, subdivision)

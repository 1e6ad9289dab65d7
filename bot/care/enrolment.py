"""The enrolment and settings questions: what to ask, how to read an answer, what comes next.

A patient's ``step`` column holds ``<mode>:<question>``; modes are ``enrol``
(first registration), ``edit`` (a change from /settings) and ``new`` (a new
treatment session). Storing the step, not keeping it in memory, means a
restart mid-enrolment simply asks the same question again.

```mermaid
flowchart LR
  start[/start/] --> consent{consent?}
  consent -- no --> nothing[nothing stored]
  consent -- yes --> zone --> date --> times -->|one time typed| evening --> immune
  times --> immune --> cold_sores --> skin --> summary
  settings[/settings/] -->|edit| date & zone & times & immune
  again[/start when enrolled/] -->|new| date
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from messages import parsing as parse
from bot.services import Services, keyboard
from bot.store import Patient
from bot.care.scheduling import midday_label, patient_day, patient_timing, quiet_label
from schedules.planner import in_quiet_hours

CB = "e1"  # callback-data version for this flow: bump it when the meaning of a button changes
MAX_DAYS_AHEAD = 30
SKIN_TYPES = parse.SKIN_TYPES
# The zone comes first: "today" and "yesterday" mean the patient's local day, not the clinic's.
ENROL_ORDER = ("zone", "date", "times", "immune", "cold_sores", "skin")
HEALTH = ("immune", "cold_sores", "skin")


@dataclass
class Reply:
    """One message to send: its text and its buttons or keyboard."""

    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def split_step(step: str | None) -> tuple[str, str]:
    mode, _, question = (step or "").partition(":")
    return mode, question


def local_today(svc: Services, now: datetime, zone: str | None = None) -> date:
    return now.astimezone(ZoneInfo(zone or svc.settings.clinic.timezone)).date()


def question(svc: Services, patient: Patient | None, name: str, now: datetime) -> Reply:
    """The message that asks ``name``."""
    clinic = svc.settings.clinic
    yes_no = [[(svc.text("enrol.yes"), f"{CB}:{name}:yes"), (svc.text("enrol.no"), f"{CB}:{name}:no"),
               (svc.text("enrol.unsure"), f"{CB}:{name}:unsure")]]
    if name == "date":
        text = "enrol.ask_new_date" if patient and patient.enrolled and split_step(patient.step)[0] == "new" \
            else "enrol.ask_date"
        return Reply(svc.text(text), keyboard([[(svc.text("enrol.date_today"), f"{CB}:date:today"),
                                                 (svc.text("enrol.date_yesterday"), f"{CB}:date:yest")],
                                                [(svc.text("enrol.date_other"), f"{CB}:date:other")]]))
    if name == "date_other":
        today = local_today(svc, now, patient.zone if patient else None)
        days = [today - timedelta(days=n) for n in range(2, 8)]
        rows = [[(svc.date("date_button", d), f"{CB}:date_other:{d:%Y%m%d}") for d in days[i:i + 3]]
                for i in (0, 3)]
        return Reply(svc.text("enrol.ask_date_other"), keyboard(rows))
    if name == "zone":
        return Reply(svc.text("enrol.ask_zone", clinic_zone=clinic.timezone), ReplyKeyboardMarkup(
            [[KeyboardButton(svc.text("enrol.zone_share"), request_location=True)],
             [KeyboardButton(svc.text("enrol.zone_clinic", clinic_zone=clinic.timezone))]],
            one_time_keyboard=True, resize_keyboard=True))
    if name == "times":
        values = {"morning": f"{clinic.morning:%H:%M}", "evening": f"{clinic.evening:%H:%M}"}
        return Reply(svc.text("enrol.ask_times", **values),
                     keyboard([[(svc.text("enrol.times_default", **values), f"{CB}:times:default")]]))
    if name == "evening":
        values = {"morning": _hhmm(patient.morning if patient else None), "evening": f"{clinic.evening:%H:%M}"}
        return Reply(svc.text("enrol.ask_evening", **values),
                     keyboard([[(svc.text("enrol.evening_default", **values), f"{CB}:evening:default")]]))
    if name == "quiet":
        clinic_quiet = quiet_label(svc, None, None) if clinic.quiet_start else ""
        start, end = (patient.quiet_start, patient.quiet_end) if patient else (None, None)
        return Reply(svc.text("enrol.ask_quiet", quiet=quiet_label(svc, start, end)),
                     keyboard([[(svc.text("enrol.quiet_clinic", quiet=clinic_quiet), f"{CB}:quiet:clinic")],
                               [(svc.text("enrol.quiet_off"), f"{CB}:quiet:off")]]))
    if name == "immune":
        return Reply(svc.text("enrol.ask_immune"), keyboard(yes_no))
    if name == "cold_sores":
        return Reply(svc.text("enrol.ask_cold_sores"), keyboard(yes_no))
    if name == "skin":
        rows = [[(s, f"{CB}:skin:{s}") for s in SKIN_TYPES[:3]], [(s, f"{CB}:skin:{s}") for s in SKIN_TYPES[3:]],
                [(svc.text("enrol.skin_skip"), f"{CB}:skin:skip")]]
        return Reply(svc.text("enrol.ask_skin"), keyboard(rows))
    raise ValueError(f"unknown question {name!r}")


def _hhmm(value: time | None) -> str:
    return f"{value:%H:%M}" if value else "?"


def _answer_label(svc: Services, value: str | None) -> str:
    return svc.text(f"common.answer_{value}") if value in {"yes", "no", "unsure"} else svc.text("enrol.not_given")


def _day_text(svc: Services, day: int) -> str:
    """ "day 3" after the treatment; "in 2 days" before it (a date in the near future is allowed)."""
    if day >= 0:
        return svc.text("enrol.day_number", day=day)
    return svc.text("enrol.days_ahead_one" if day == -1 else "enrol.days_ahead", days=-day)


def profile_values(svc: Services, patient: Patient, now: datetime) -> dict[str, str]:
    """The placeholders of the summary and settings texts."""
    treated, day = patient.treatment_date, patient_day(patient, now, svc.settings.clinic.timezone)
    zone = patient.zone or svc.settings.clinic.timezone
    return {"date": svc.date("date", treated) if treated else svc.text("enrol.not_given"),
            "day": _day_text(svc, day) if day is not None else "?",
            "zone": zone, "morning": _hhmm(patient.morning), "evening": _hhmm(patient.evening),
            "immune": _answer_label(svc, patient.immunocompromised),
            "cold_sores": _answer_label(svc, patient.cold_sore_history),
            "skin": patient.skin_type or svc.text("enrol.not_given"), "plan_title": svc.plan.title,
            "quiet": quiet_label(svc, patient.quiet_start, patient.quiet_end), "midday": midday_label(svc, patient)}


def check_date(svc: Services, chosen: date, today: date) -> str | None:
    """None if the treatment date is acceptable, else the refusal text with its reason."""
    if chosen < today - timedelta(days=svc.plan.length_days):
        return svc.text("enrol.date_too_old", date=svc.date("date", chosen), max_days=svc.plan.length_days)
    if chosen > today + timedelta(days=MAX_DAYS_AHEAD):
        return svc.text("enrol.date_too_far", date=svc.date("date", chosen), max_ahead=MAX_DAYS_AHEAD)
    return None


def pick_date(svc: Services, name: str, raw: str, readings: list[date]) -> Reply:
    """A date that reads two ways ("12/11"): ask which, with the month by name on each button."""
    shown = [svc.date("date_long", d) for d in readings]
    text = svc.text("enrol.date_ambiguous", text=raw.strip()[:12], first=shown[0], second=shown[1]) \
        if len(readings) == 2 else svc.text("enrol.date_confirm", text=raw.strip()[:12], first=shown[0])
    return Reply(text, keyboard([[(label, f"{CB}:{name}:{d:%Y%m%d}") for label, d in zip(shown, readings)]]))


def quiet_refusal(svc: Services, patient: Patient, times: list[time]) -> str | None:
    """Refuse reminder times inside the patient's quiet hours, naming the time and the quiet hours.

    (New quiet hours over existing times are allowed: the reminders then move to where they end.)"""
    timing = patient_timing(svc, patient)
    inside = [t for t in times if in_quiet_hours(t, timing)]
    if not inside:
        return None
    return svc.text("enrol.time_in_quiet", time=_hhmm(inside[0]),
                    quiet=quiet_label(svc, patient.quiet_start, patient.quiet_end))


def evening_check(svc: Services, name: str, morning: time, evening: time, typed: bool) -> Reply | str | None:
    """Two equal times are refused; a typed evening time before noon ("8 and 9") is asked: 21:00, or as typed?"""
    if evening == morning:
        return svc.text("enrol.times_same", time=_hhmm(morning))
    if not typed or evening >= time(12):
        return None
    later = time(evening.hour + 12, evening.minute)
    value = (lambda t: f"{morning:%H.%M}-{t:%H.%M}") if name == "times" else (lambda t: f"{t:%H.%M}")
    return Reply(svc.text("enrol.evening_is_morning", morning=_hhmm(morning), evening=_hhmm(evening),
                          later=_hhmm(later)),
                 keyboard([[(svc.text("enrol.times_default", morning=_hhmm(morning), evening=_hhmm(t)),
                             f"{CB}:{name}:{value(t)}") for t in (later, evening)]]))


def read_answer(svc: Services, patient: Patient, name: str, raw: str, typed: bool,
                now: datetime) -> tuple[dict, str | None, str | None]:
    """Turn a button value or typed text into column updates.

    Returns ``(updates, confirmation, error)``; ``updates`` may hold the
    pseudo-column ``_next`` to override which question follows.
    """
    clinic = svc.settings.clinic
    if name in {"date", "date_other"}:
        today = local_today(svc, now, patient.zone)
        if not typed and raw == "other":
            return {"_next": "date_other"}, None, None
        if typed:
            readings = [d for d in parse.date_readings(raw, today, svc.words) if check_date(svc, d, today) is None]
            if len(parse.date_readings(raw, today, svc.words)) == 2 and readings:  # "12/11": ask, naming the month
                return {}, None, pick_date(svc, name, raw, readings)
            chosen = parse.parse_date(raw, today, svc.words)
        elif raw in {"today", "yest"}:
            chosen = today - timedelta(days=0 if raw == "today" else 1)
        else:  # a tapped day of the picker: e1:date_other:20261120
            chosen = parse.parse_date(f"{raw[:4]}-{raw[4:6]}-{raw[6:]}", today)
        if chosen is None:  # say why: no such day (30/02), too vague (next week), or not a date at all
            problem = parse.date_problem(raw, today, svc.words) if typed else None
            return {}, None, svc.text(f"enrol.date_{problem}" if problem else "enrol.bad_date",
                                      text=raw.strip()[:20]) if typed else None
        if refusal := check_date(svc, chosen, today):
            return {}, None, refusal
        return {"draft_date": chosen}, svc.text("enrol.date_set", date=svc.date("date", chosen)), None
    if name == "zone":
        if typed and raw.strip() != svc.text("enrol.zone_clinic", clinic_zone=clinic.timezone) \
                and svc.words.yes_no(raw) != "yes":  # "ok" takes the one zone offered with a tap
            zone, problem = parse.read_zone(raw, svc.words)
            if problem == "typo":  # "Europe/Londn": asked with a button, never taken as typed
                return {}, None, Reply(svc.text("enrol.zone_typo", text=raw.strip()[:40], zone=zone),
                                       keyboard([[(zone, f"{CB}:zone:{zone}")]]))
            if zone is None:  # say why: an abbreviation, an offset, "here", a country with several zones
                return {}, None, svc.text(f"enrol.zone_{problem}" if problem else "enrol.bad_zone",
                                          text=raw.strip()[:40])
        else:  # the offered zone, typed or tapped, or a tapped suggestion
            zone = raw if not typed and parse.parse_zone(raw) == raw else clinic.timezone
        return {"zone": zone}, svc.text("enrol.zone_set", zone=zone), None
    if name == "times":
        if (not typed and raw == "default") or (typed and svc.words.yes_no(raw) == "yes"):  # "ok": the offered
            times = [clinic.morning, clinic.evening]
        elif (times := parse.parse_times(raw, svc.words)) is None:  # typed, or a tap on "did you mean 21:00?"
            return {}, None, svc.text("enrol.bad_time") if typed else None
        if refusal := quiet_refusal(svc, patient, times):
            return {}, None, refusal
        if len(times) == 1:
            return {"morning": times[0], "_next": "evening"}, None, None
        morning, evening = sorted(times)
        if ask := evening_check(svc, name, morning, evening, typed):
            return {}, None, ask
        return ({"morning": morning, "evening": evening},
                svc.text("enrol.times_set", morning=_hhmm(morning), evening=_hhmm(evening)), None)
    if name == "evening":
        offered = (not typed and raw == "default") or (typed and svc.words.yes_no(raw) == "yes")
        evening = clinic.evening if offered else parse.parse_time(raw, svc.words)
        if evening is None:
            return {}, None, svc.text("enrol.bad_time")
        if patient.morning and (ask := evening_check(svc, name, patient.morning, evening, typed)):
            return {}, None, ask
        if patient.morning and evening <= patient.morning:
            return {}, None, svc.text("enrol.evening_before_morning", morning=_hhmm(patient.morning))
        if refusal := quiet_refusal(svc, patient, [evening]):
            return {}, None, refusal
        return ({"evening": evening},
                svc.text("enrol.times_set", morning=_hhmm(patient.morning), evening=_hhmm(evening)), None)
    if name == "quiet":
        value = raw if not typed and raw in {"clinic", "off"} else \
            "clinic" if typed and svc.words.yes_no(raw) == "yes" else parse.parse_quiet(raw, svc.words)
        if value is None:
            return {}, None, svc.text("enrol.bad_quiet")
        if typed and isinstance(value, tuple) and (night := parse.night_reading(raw, value)):  # "10-7": 22:00?
            return {}, None, Reply(svc.text("enrol.quiet_which", typed=f"{value[0]:%H:%M}-{value[1]:%H:%M}"),
                                   keyboard([[(f"{a:%H:%M}-{b:%H:%M}", f"{CB}:quiet:{a:%H.%M}-{b:%H.%M}")
                                              for a, b in (night, value)]]))
        start, end = (None, None) if value == "clinic" else ("off", None) if value == "off" else \
            (f"{value[0]:%H:%M}", f"{value[1]:%H:%M}")
        return ({"quiet_start": start, "quiet_end": end},
                svc.text("enrol.quiet_set", quiet=quiet_label(svc, start, end)), None)
    if name in {"immune", "cold_sores"}:  # "diabetes type 2", "I had one years ago": the catalog's typed yeses
        value = (svc.words.yes_no(raw) or ("yes" if svc.words.read(raw, (f"{name}_yes",)) else None)) if typed else raw
        if value not in {"yes", "no", "unsure"}:
            return {}, None, svc.text("enrol.bad_yes_no", topic=svc.text(f"enrol.topic_{name}"))
        column = "immunocompromised" if name == "immune" else "cold_sore_history"
        return {column: value}, svc.text("enrol.answer_set", question=svc.text(f"enrol.label_{name}"),
                                         answer=_answer_label(svc, value)), None
    if name == "skin":
        skipped = raw.strip().upper() in {"SKIP", svc.text("enrol.skin_skip").upper()}
        found = () if skipped else parse.skin_types(raw, svc.words) if typed else (raw.upper(),)
        if found is None or not set(found) <= set(SKIN_TYPES):
            return {}, None, svc.text("enrol.bad_skin")
        if len(found) == 2:  # "fair": type I or II, asked with those two buttons
            rows = [[(t, f"{CB}:skin:{t}") for t in found], [(svc.text("enrol.skin_skip"), f"{CB}:skin:skip")]]
            return {}, None, Reply(svc.text("enrol.skin_which", text=raw.strip()[:20], first=found[0],
                                            second=found[1]), keyboard(rows))
        value = found[0] if found else None
        return {"skin_type": value}, svc.text("enrol.answer_set", question=svc.text("enrol.label_skin"),
                                              answer=value or svc.text("enrol.not_given")), None
    raise ValueError(f"unknown question {name!r}")


def next_question(mode: str, name: str) -> str | None:
    """The question after ``name`` in ``mode``, or None when the flow is complete."""
    name = {"date_other": "date", "evening": "times"}.get(name, name)
    if mode == "enrol":
        index = ENROL_ORDER.index(name)
        return ENROL_ORDER[index + 1] if index + 1 < len(ENROL_ORDER) else None
    if mode == "edit" and name in HEALTH[:-1]:
        return HEALTH[HEALTH.index(name) + 1]
    return None

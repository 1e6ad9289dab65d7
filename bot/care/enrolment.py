"""The enrolment and settings questions: what to ask and what comes next (``enrolment_answers`` reads the answers).

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
from bot.services import Services, keyboard, plan_for
from bot.store import Patient
from bot.care.scheduling import midday_label, patient_day, patient_timing, quiet_label
from schedules.planner import in_quiet_hours

CB = "e1"  # callback-data version for this flow: bump it when the meaning of a button changes
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


def enrolment_question(svc: Services, patient: Patient | None, name: str, now: datetime) -> Reply:
    """The message that asks the enrolment or settings question ``name``."""
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
        if refused_default(svc, patient, [clinic.morning, clinic.evening]):  # never offer what would be refused
            return Reply(svc.text("rhythm_truth.ask_times_own", quiet=quiet_label(svc, patient.quiet_start,
                                                                                   patient.quiet_end)))
        return Reply(svc.text("enrol.ask_times", **values),
                     keyboard([[(svc.text("enrol.times_default", **values), f"{CB}:times:default")]]))
    if name == "evening":
        values = {"morning": hhmm(patient.morning if patient else None), "evening": f"{clinic.evening:%H:%M}"}
        if refused_default(svc, patient, [clinic.evening]):
            return Reply(svc.text("rhythm_truth.ask_evening_own", morning=values["morning"],
                                  quiet=quiet_label(svc, patient.quiet_start, patient.quiet_end)))
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


def refused_default(svc: Services, patient: Patient | None, times: list[time]) -> bool:
    """Whether the clinic's default times fall inside the patient's own quiet hours (the bot would refuse them;
    the clinic's own quiet hours are checked against them when the profile loads)."""
    return patient is not None and any(in_quiet_hours(t, patient_timing(svc, patient)) for t in times)


def hhmm(value: time | None) -> str:
    """A reminder time as shown ("08:30"), or "?" when none is set."""
    return f"{value:%H:%M}" if value else "?"


def answer_label(svc: Services, value: str | None) -> str:
    """A stored yes / no / not sure answer in words, or "not given"."""
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
            "zone": zone, "morning": hhmm(patient.morning), "evening": hhmm(patient.evening),
            "immune": answer_label(svc, patient.immunocompromised),
            "cold_sores": answer_label(svc, patient.cold_sore_history),
            "skin": patient.skin_type or svc.text("enrol.not_given"), "plan_title": plan_for(svc, patient_plan(svc, patient)).title_in(svc.voice),
            "quiet": quiet_label(svc, patient.quiet_start, patient.quiet_end), "midday": midday_label(svc, patient)}


def patient_plan(svc: Services, patient: Patient) -> str:
    """The plan the patient follows, or will: their session's, the one a link chose, else the clinic's."""
    return patient.treatment.plan if patient.treatment else patient.draft_plan or svc.plan.name


def next_enrolment_question(mode: str, name: str) -> str | None:
    """The enrolment or settings question after ``name`` in ``mode``, or None when the flow is complete."""
    name = {"date_other": "date", "evening": "times"}.get(name, name)
    if mode == "enrol":
        index = ENROL_ORDER.index(name)
        return ENROL_ORDER[index + 1] if index + 1 < len(ENROL_ORDER) else None
    if mode == "edit" and name in HEALTH[:-1]:
        return HEALTH[HEALTH.index(name) + 1]
    return None

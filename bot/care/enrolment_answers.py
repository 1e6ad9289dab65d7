"""How an answer to an enrolment or settings question is read: one small reader per question.

``read_answer`` looks the question up in ``READERS``; each reader turns a
button's value or typed text into an ``EnrolmentAnswer``: the patient columns to
store and the confirmation, or, when nothing is taken, the refusal that says why
or a question back with its own buttons ("12/11: the 12th of November or the
11th of December?"). The questions themselves, and what follows which, are in
``bot/care/enrolment.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from messages import parsing as parse
from bot.services import Services, keyboard
from bot.store import Patient
from bot.care.enrolment import CB, SKIN_TYPES, Reply, answer_label, hhmm, local_today, split_step
from bot.care.scheduling import patient_timing, quiet_label
from schedules.planner import in_quiet_hours

# A treatment date this far ahead is still taken (booked, not yet had; the preparation days come before it): as
# far as an invitation made at booking may be (bot/care/invites.py MAX_AHEAD).
MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class EnrolmentAnswer:
    """What one answer comes to. Taken: ``updates`` (patient columns) and its ``confirmation``, and ``then``
    when another question than the usual next one follows (one time typed: the evening is asked). Not taken:
    ``refusal`` (why, and the question stays open), or ``question_back`` (a question with its own buttons),
    or neither (a stale tap: nothing to say)."""

    updates: dict[str, Any] = field(default_factory=dict)
    confirmation: str | None = None
    then: str | None = None
    refusal: str | None = None
    question_back: Reply | None = None

    @property
    def taken(self) -> bool:
        return bool(self.updates or self.then)


NOTHING = EnrolmentAnswer()
Reader = Callable[[Services, Patient, str, str, bool, datetime], EnrolmentAnswer]


def read_answer(svc: Services, patient: Patient, name: str, raw: str, typed: bool,
                now: datetime) -> EnrolmentAnswer:
    """Read a button value or typed text (``typed``) given to the question ``name``."""
    if name not in READERS:
        raise ValueError(f"unknown question {name!r}")
    return READERS[name](svc, patient, name, raw, typed, now)


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


def _read_date(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """The treatment date: today, yesterday, a day of the picker, or typed ("12/11", "last Tuesday")."""
    today = local_today(svc, now, patient.zone)
    if not typed and raw == "other":
        return EnrolmentAnswer(then="date_other")
    if typed:
        readings = [d for d in parse.date_readings(raw, today, svc.words) if check_date(svc, d, today) is None]
        if len(parse.date_readings(raw, today, svc.words)) == 2 and readings:  # "12/11": ask, naming the month
            return EnrolmentAnswer(question_back=pick_date(svc, name, raw, readings))
        chosen = parse.parse_date(raw, today, svc.words)
    elif raw in {"today", "yest"}:
        chosen = today - timedelta(days=0 if raw == "today" else 1)
    else:  # a tapped day of the picker: e1:date_other:20261120
        chosen = parse.parse_date(f"{raw[:4]}-{raw[4:6]}-{raw[6:]}", today)
    if chosen is None:  # say why: no such day (30/02), too vague (next week), or not a date at all
        if not typed:
            return NOTHING
        problem = parse.date_problem(raw, today, svc.words)
        return EnrolmentAnswer(refusal=svc.text(f"enrol.date_{problem}" if problem else "enrol.bad_date",
                                                text=raw.strip()[:20]))
    if refusal := check_date(svc, chosen, today):
        return EnrolmentAnswer(refusal=refusal)
    return EnrolmentAnswer({"draft_date": chosen}, svc.text("enrol.date_set", date=svc.date("date", chosen)))


def _read_zone(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """The time zone: the clinic's (tapped, typed or "ok"), a tapped suggestion, or a typed place or name."""
    clinic = svc.settings.clinic
    if typed and raw.strip() != svc.text("enrol.zone_clinic", clinic_zone=clinic.timezone) \
            and svc.words.yes_no(raw) != "yes":  # "ok" takes the one zone offered with a tap
        zone, problem = parse.read_zone(raw, svc.words)
        if problem == "typo":  # "Europe/Londn": asked with a button, never taken as typed
            return EnrolmentAnswer(question_back=Reply(svc.text("enrol.zone_typo", text=raw.strip()[:40], zone=zone),
                                                       keyboard([[(zone, f"{CB}:zone:{zone}")]])))
        if zone is None:  # say why: an abbreviation, an offset, "here", a country with several zones
            return EnrolmentAnswer(refusal=svc.text(f"enrol.zone_{problem}" if problem else "enrol.bad_zone",
                                                    text=raw.strip()[:40]))
    else:  # the offered zone, typed or tapped, or a tapped suggestion
        zone = raw if not typed and parse.parse_zone(raw) == raw else clinic.timezone
    return EnrolmentAnswer({"zone": zone}, svc.text("enrol.zone_set", zone=zone))


def quiet_refusal(svc: Services, patient: Patient, times: list[time]) -> EnrolmentAnswer | None:
    """Refuse reminder times inside the patient's quiet hours, naming the time and the quiet hours.

    (New quiet hours over existing times are allowed: the reminders then move to where they end.)"""
    timing = patient_timing(svc, patient)
    inside = [t for t in times if in_quiet_hours(t, timing)]
    if not inside:
        return None
    enrolling = split_step(patient.step)[0] == "enrol"  # /settings is not open mid-enrolment
    return EnrolmentAnswer(refusal=svc.text("rhythm_truth.time_in_quiet_enrol" if enrolling else "enrol.time_in_quiet",
                                            time=hhmm(inside[0]),
                                            quiet=quiet_label(svc, patient.quiet_start, patient.quiet_end)))


def evening_check(svc: Services, name: str, morning: time, evening: time, typed: bool) -> EnrolmentAnswer | None:
    """Two equal times are refused; a typed evening time before noon ("8 and 9") is asked: 21:00, or as typed?"""
    if evening == morning:
        return EnrolmentAnswer(refusal=svc.text("enrol.times_same", time=hhmm(morning)))
    if not typed or evening >= time(12):
        return None
    later = time(evening.hour + 12, evening.minute)
    value = (lambda t: f"{morning:%H.%M}-{t:%H.%M}") if name == "times" else (lambda t: f"{t:%H.%M}")
    return EnrolmentAnswer(question_back=Reply(
        svc.text("enrol.evening_is_morning", morning=hhmm(morning), evening=hhmm(evening), later=hhmm(later)),
        keyboard([[(svc.text("enrol.times_default", morning=hhmm(morning), evening=hhmm(t)),
                    f"{CB}:{name}:{value(t)}") for t in (later, evening)]])))


def _read_times(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """The morning and evening reminder times: the clinic's, or typed (one time typed: the evening is asked)."""
    clinic = svc.settings.clinic
    if (not typed and raw == "default") or (typed and svc.words.yes_no(raw) == "yes"):  # "ok": the offered
        times = [clinic.morning, clinic.evening]
    elif (times := parse.parse_times(raw, svc.words)) is None:  # typed, or a tap on "did you mean 21:00?"
        return EnrolmentAnswer(refusal=svc.text("enrol.bad_time")) if typed else NOTHING
    if refused := quiet_refusal(svc, patient, times):
        return refused
    if len(times) == 1:
        return EnrolmentAnswer({"morning": times[0]}, then="evening")
    morning, evening = sorted(times)
    if asked := evening_check(svc, name, morning, evening, typed):
        return asked
    return EnrolmentAnswer({"morning": morning, "evening": evening},
                           svc.text("enrol.times_set", morning=hhmm(morning), evening=hhmm(evening)))


def _read_evening(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """The evening time after a single typed time: the clinic's, or typed; after the morning, out of quiet hours."""
    offered = (not typed and raw == "default") or (typed and svc.words.yes_no(raw) == "yes")
    evening = svc.settings.clinic.evening if offered else parse.parse_time(raw, svc.words)
    if evening is None:
        return EnrolmentAnswer(refusal=svc.text("enrol.bad_time"))
    if patient.morning and (asked := evening_check(svc, name, patient.morning, evening, typed)):
        return asked
    if patient.morning and evening <= patient.morning:
        return EnrolmentAnswer(refusal=svc.text("enrol.evening_before_morning", morning=hhmm(patient.morning)))
    if refused := quiet_refusal(svc, patient, [evening]):
        return refused
    return EnrolmentAnswer({"evening": evening},
                           svc.text("enrol.times_set", morning=hhmm(patient.morning), evening=hhmm(evening)))


def _read_quiet(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """Quiet hours: the clinic's, none, or typed ("10-7" is asked: 22:00-07:00, or as typed?)."""
    value = raw if not typed and raw in {"clinic", "off"} else \
        "clinic" if typed and svc.words.yes_no(raw) == "yes" else parse.parse_quiet(raw, svc.words)
    if value is None:
        return EnrolmentAnswer(refusal=svc.text("enrol.bad_quiet"))
    if typed and isinstance(value, tuple) and (night := parse.night_reading(raw, value)):  # "10-7": 22:00?
        return EnrolmentAnswer(question_back=Reply(
            svc.text("enrol.quiet_which", typed=f"{value[0]:%H:%M}-{value[1]:%H:%M}"),
            keyboard([[(f"{a:%H:%M}-{b:%H:%M}", f"{CB}:quiet:{a:%H.%M}-{b:%H.%M}") for a, b in (night, value)]])))
    start, end = (None, None) if value == "clinic" else ("off", None) if value == "off" else \
        (f"{value[0]:%H:%M}", f"{value[1]:%H:%M}")
    return EnrolmentAnswer({"quiet_start": start, "quiet_end": end},
                           svc.text("enrol.quiet_set", quiet=quiet_label(svc, start, end)))


def _read_yes_no(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """A weakened immune system, or cold sores before: yes, no or not sure ("diabetes type 2" is a typed yes)."""
    value = (svc.words.yes_no(raw) or ("yes" if svc.words.read(raw, (f"{name}_yes",)) else None)) if typed else raw
    if value not in {"yes", "no", "unsure"}:
        return EnrolmentAnswer(refusal=svc.text("enrol.bad_yes_no", topic=svc.text(f"enrol.topic_{name}")))
    column = "immunocompromised" if name == "immune" else "cold_sore_history"
    return EnrolmentAnswer({column: value}, svc.text("enrol.answer_set", question=svc.text(f"enrol.label_{name}"),
                                                     answer=answer_label(svc, value)))


def _read_skin(svc: Services, patient: Patient, name: str, raw: str, typed: bool, now: datetime) -> EnrolmentAnswer:
    """The skin type: I to VI, skipped, or typed in words ("fair" is asked: type I or II?)."""
    skipped = raw.strip().upper() in {"SKIP", svc.text("enrol.skin_skip").upper()}
    found = () if skipped else parse.skin_types(raw, svc.words) if typed else (raw.upper(),)
    if found is None or not set(found) <= set(SKIN_TYPES):
        return EnrolmentAnswer(refusal=svc.text("enrol.bad_skin"))
    if len(found) == 2:  # "fair": type I or II, asked with those two buttons
        rows = [[(t, f"{CB}:skin:{t}") for t in found], [(svc.text("enrol.skin_skip"), f"{CB}:skin:skip")]]
        return EnrolmentAnswer(question_back=Reply(
            svc.text("enrol.skin_which", text=raw.strip()[:20], first=found[0], second=found[1]), keyboard(rows)))
    value = found[0] if found else None
    return EnrolmentAnswer({"skin_type": value}, svc.text("enrol.answer_set", question=svc.text("enrol.label_skin"),
                                                          answer=value or svc.text("enrol.not_given")))


READERS: dict[str, Reader] = {"date": _read_date, "date_other": _read_date, "zone": _read_zone, "times": _read_times,
                              "evening": _read_evening, "quiet": _read_quiet, "immune": _read_yes_no,
                              "cold_sores": _read_yes_no, "skin": _read_skin}

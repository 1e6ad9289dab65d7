"""/mydata's document: everything stored about a patient, arranged by topic and in plain words.

The store's ``export_patient`` gives every row of every table (sealed answers
opened with the data key); this module turns them into sections a patient can
read (profile, reminders, check-ins with their results, messages with the
clinic, alerts to the clinic) and keeps the rows themselves at the end, so the
copy stays complete. Times are shown in the patient's zone.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.care.scheduling import quiet_label
from bot.services import Services
from messages.answer_words import describe_all

# Tokens that record what the bot knew, not what the patient said that day.
BACKGROUND = ("risk:", "previous_outcome:", "rash_first_reported_day:")


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, (list, dict)):
        return value
    try:
        return json.loads(value) if value else default
    except (TypeError, ValueError):
        return default


class _Local:
    """ISO instants from the store shown in the patient's zone and language ("Mon 23 Nov 2026 09:00")."""

    def __init__(self, zone: str, write) -> None:
        self.zone, self.write = ZoneInfo(zone), write  # write: an instant in the catalog's "moment" format

    def __call__(self, stamp: str | None) -> str | None:
        if not stamp:
            return None
        try:
            return self.write(datetime.fromisoformat(stamp).astimezone(self.zone))
        except ValueError:
            return stamp


def build(svc: Services, chat_id: int, now: datetime) -> tuple[dict[str, Any], str]:
    """The export document and the short plain-text summary for the chat."""
    tables = svc.store.export_patient(chat_id)
    person = (tables.get("patients") or [{}])[0]
    zone = person.get("zone") or svc.settings.clinic.timezone
    local = _Local(zone, lambda when: svc.date("moment", when))
    treatments = tables.get("treatments", [])
    current = next((t for t in reversed(treatments) if not t.get("replaced_at")), None)
    profile = {
        "name": person.get("display_name") or None,
        "patient_number": next((r.get("number") for r in tables.get("patient_refs", [])), None),
        "clinic_reference": person.get("clinic_ref") or None, "treatment_date": current and current["treatment_date"],
        "time_zone": zone, "morning_reminder": person.get("morning"), "evening_reminder": person.get("evening"),
        "quiet_hours": quiet_label(svc, person.get("quiet_start"), person.get("quiet_end")),
        "weakened_immune_system_or_diabetes": _answer(svc, person, "immunocompromised"),
        "cold_sores_before": _answer(svc, person, "cold_sore_history"), "skin_type": person.get("skin_type"),
        "consent_given": local(person.get("consent_at")), "messages_switched_off": sorted(
            k for k in (person.get("stopped_kinds") or "").split(",") if k),
        "paused_until": local(person.get("paused_until")), "can_reach_you": bool(person.get("reachable", 1)),
        "language": svc.language_name(person.get("language")),
        "photo_checkins": _photo_consent(svc, person), "photos_sent": svc.store.photos_sent(chat_id),
    }
    reminders = [svc.text("export.reminder", when=local(d["due_at"]), day=d["day"], what=_kind(svc, d["kind"]),
                          state=_word(svc, "state", d["state"]) + (
                              f" ({_word(svc, 'reason', d['reason'])})" if d.get("reason") else ""))
                 for d in tables.get("deliveries", [])]
    verdict_of = {v.get("checkin_id"): v for v in tables.get("verdicts", [])}
    checkins = [_checkin(svc, local, c, verdict_of.pop(c["id"], None)) for c in tables.get("checkins", [])]
    checkins += [_checkin(svc, local, None, v) for v in verdict_of.values()]  # typed messages judged alone
    messages = [{"when": local(r["created_at"]), "from": svc.text(f"export.direction_{r['direction']}"),
                 "text": r.get("text") or None, "photo": bool(r.get("file_id"))} for r in tables.get("relays", [])]
    alerts = [{"when": local(a["created_at"]), "level": svc.text(f"checkin.level_label_{a['level']}"),
               "seen_by_clinic": local(a.get("acknowledged_at")),
               "state": svc.text(f"export.alert_state_{a.get('state') or 'open'}")} for a in tables.get("alerts", [])]
    for row in tables.get("alerts", []):  # who on the team acted is theirs, not the patient's: no staff ids here
        row.pop("acknowledged_by", None)
    companion = svc.store.companion_of(chat_id)
    profile["companion"] = companion.name if companion is not None else None
    for row in tables.get("patients", []):  # the companion's Telegram id and language are theirs, not the patient's
        row.pop("companion_chat_id", None)
        row.pop("companion_language", None)
    for row in tables.get("relays", []):  # a photo's Telegram file id is a key to the picture, not a fact about them
        row["file_id"] = bool(row.get("file_id"))
    document = {"about": svc.text("export.about"), "clinic": svc.settings.clinic.name, "exported": local(
        now.isoformat()), "profile": profile, "treatments": [
        {"date": t["treatment_date"], "plan": t["plan"], "registered": local(t["created_at"]),
         "replaced": local(t.get("replaced_at"))} for t in treatments],
        "reminders": reminders, "checkins": checkins, "messages_with_the_clinic": messages,
        "alerts_to_the_clinic": alerts, "stored_rows": tables}
    states = Counter(d["state"] for d in tables.get("deliveries", []))
    summary = _summary(svc, profile, states, checkins, messages, alerts)
    photos = svc.text("photos.mydata", consent=profile["photo_checkins"], count=profile["photos_sent"])
    link = "\n" + svc.text("companion.mydata", companion=companion.name, since=svc.date("date", companion.since)) \
        if companion is not None else ""  # the summary stays short: a line only when there is a companion
    return document, summary + "\n" + svc.text("language.mydata", language=profile["language"]) + "\n" + photos \
        + link


def _answer(svc: Services, person: dict, column: str) -> str | None:
    value = person.get(column)
    return svc.text(f"common.answer_{value}") if value in {"yes", "no", "unsure"} else None


def _photo_consent(svc: Services, person: dict) -> str:
    """The patient's yes or no to photo check-ins, in words."""
    value = person.get("photo_consent")
    return svc.text(f"photos.consent_label_{value if value in {'yes', 'no'} else 'none'}")


def _word(svc: Services, group: str, value: str) -> str:
    """A delivery state or reason in words ("pending" -> "planned"); an unknown one as stored."""
    key = f"export.{group}_{'late' if value.startswith('late_') else value}"
    return svc.text(key) if svc.catalog.has(key) else value.replace("_", " ")


def _kind(svc: Services, kind: str) -> str:
    key = f"progress.kind_{kind}"
    return svc.text(key) if svc.catalog.has(key) else kind


def _checkin(svc: Services, local: _Local, row: dict | None, verdict: dict | None) -> dict[str, Any]:
    """One check-in: when, what was answered (plain words), and the result with its reasons."""
    tokens = [t for t in _json(verdict and verdict.get("tokens"), []) if not t.startswith(BACKGROUND)]
    reasons = _json(verdict and verdict.get("reasons"), [])
    entry: dict[str, Any] = {
        "day": (row or verdict or {}).get("day"),
        "when": local((row or {}).get("completed_at") or (row or {}).get("started_at") or
                      (verdict or {}).get("created_at")),
        "state": _word(svc, "checkin", (row or {}).get("state", "done")),
        "answers": describe_all(svc.catalog, tokens),
    }
    if verdict:
        entry["result"] = svc.text(f"checkin.level_label_{verdict['level']}")
        entry["why"] = [svc.text(f"triage.rule_{r['rule']}", day=entry["day"]) for r in reasons
                        if isinstance(r, dict) and svc.catalog.has(f"triage.rule_{r.get('rule')}")]
        if verdict.get("patient_text"):
            entry["your_message"] = verdict["patient_text"]
    return entry


def _summary(svc: Services, profile: dict, states: Counter, checkins: list, messages: list, alerts: list) -> str:
    last = next((c for c in reversed(checkins) if c.get("result")), None)
    return svc.text(
        "export.summary", date=profile["treatment_date"] or svc.text("enrol.not_given"), zone=profile["time_zone"],
        morning=profile["morning_reminder"] or "?", evening=profile["evening_reminder"] or "?",
        sent=states["sent"], planned=states["pending"], checkins=len(checkins),
        last=svc.text("export.last_checkin", day=last["day"], result=last["result"]) if last
        else svc.text("export.no_checkins"), messages=len(messages), alerts=len(alerts))

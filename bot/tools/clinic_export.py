"""`aftercare export`: the clinic's export of check-ins and verdicts, as one CSV or one FHIR R4 Bundle.

A row (CSV) or a resource group (FHIR) per verdict since a date: a completed or unfinished check-in, or a typed
message judged alone. Patients are named by their patient number and the clinic's reference only; their Telegram
name and @username are added with ``--with-names``. The file is written owner-only (0600), and nothing the patient
typed in their own words goes into it (the answers are the check-in's choices).

The FHIR Bundle (type ``collection``) holds the check-in as one ``Questionnaire``, a ``QuestionnaireResponse`` per
check-in, and each verdict as a ``RiskAssessment`` whose ``method`` names the rules version and whose
``reasonCode`` lists the rule ids (``basis`` points at the check-in's response). Codes live in this project's
own ``urn:aftercare:*`` systems.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import uuid
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.config import ConfigError, load_settings
from bot.crypto import DataKeyError
from bot.store import open_store
from bot.store.clinic_side import ExportRow
from messages.answer_words import describe_all
from messages.catalog import load_catalog
from messages.questionnaire import QUESTIONS

FORMATS = ("csv", "fhir")
QUESTIONNAIRE_URL = "urn:aftercare:questionnaire:checkin"
ANSWER_SYSTEM = "urn:aftercare:answer"
LEVEL_SYSTEM = "urn:aftercare:triage-level"
RULE_SYSTEM = "urn:aftercare:triage-rule"
RULES_SYSTEM = "urn:aftercare:triage-rules-version"
NUMBER_SYSTEM = "urn:aftercare:patient-number"
REF_SYSTEM = "urn:aftercare:clinic-reference"
_NAMESPACE = uuid.UUID("6d1f3c52-8a43-4d8e-9a57-0c7d2f1b9e11")  # stable fullUrls for the same rows
COLUMNS = ["patient_number", "clinic_ref", "plan", "treatment_date", "day", "recorded_at", "source", "answers",
           "answers_in_words", "level", "rule_ids", "rules_version", "alerts"]
NAME_COLUMNS = ["name", "username"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftercare export", description="Export check-ins and verdicts for the clinic's records: one CSV "
        "(a row per check-in) or one FHIR R4 Bundle, written owner-only. Patients are named by number and "
        "clinic reference only.")
    parser.add_argument("--since", default="", help="the first day to include, YYYY-MM-DD in the clinic's time "
                        "zone (default: everything)")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or fhir")
    parser.add_argument("--out", default="", help="the file to write (default: exports/ in the data folder)")
    parser.add_argument("--with-names", action="store_true", help="also the patients' Telegram names and @usernames")
    return parser


def export_command(environ: dict[str, str], argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                   now: datetime | None = None) -> int:
    """Write the export and print where, with the count; exit 2 with the reason on bad input."""
    args = _parser().parse_args(argv)
    now = now or datetime.now(timezone.utc)
    try:
        settings = load_settings(environ, require_token=False)
    except ConfigError as exc:
        print(f"error: {exc}", file=err)
        return 2
    zone = ZoneInfo(settings.clinic.timezone)
    try:
        first = date.fromisoformat(args.since) if args.since else date(1970, 1, 1)
    except ValueError:
        print(f"error: --since {args.since!r} is not a date like 2026-12-01", file=err)
        return 2
    since = datetime.combine(first, time(0), zone).astimezone(timezone.utc)
    if not settings.database_path.exists():
        print(f"error: there is no database in {settings.data_dir} yet: nothing to export", file=err)
        return 2
    try:
        store = open_store(settings.database_path, settings.sealer())
    except DataKeyError as exc:
        print(f"error: {exc}", file=err)
        return 2
    try:
        rows = store.export_rows(since)
    finally:
        store.close()
    catalog = load_catalog(settings.language, settings.catalog_dir)
    if args.format == "csv":
        body = to_csv(rows, catalog, zone, args.with_names)
    else:
        body = json.dumps(to_fhir(rows, catalog, now, args.with_names), ensure_ascii=False, indent=1)
    suffix = "csv" if args.format == "csv" else "json"
    path = Path(args.out) if args.out else settings.data_dir / "exports" / f"aftercare-export-{now:%Y%m%d-%H%M%S}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps no wider mode
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(body)
    checkins = sum(1 for r in rows if r.checkin_id is not None)
    print(f"wrote {path}: {len(rows)} verdicts ({checkins} check-ins, {len(rows) - checkins} typed messages) "
          f"since {first:%d %b %Y}{', with names' if args.with_names else ''}", file=out)
    return 0


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).isoformat(timespec="minutes")


def _source(row: ExportRow) -> str:
    if row.checkin_id is None:
        return "typed message"
    return "check-in" if row.checkin_state in ("", "done", "completed") else f"check-in ({row.checkin_state})"


def to_csv(rows: list[ExportRow], catalog, zone: ZoneInfo, with_names: bool = False) -> str:
    """The CSV text: a header and a row per verdict."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS + (NAME_COLUMNS if with_names else []))
    for row in rows:
        answers = [t for t in row.tokens if not t.startswith(("risk:", "previous_outcome:", "rash_first_reported_day:"))
                   and not t.startswith("free_text")]
        writer.writerow([
            row.number if row.number is not None else "", row.clinic_ref, row.plan, row.treatment_date, row.day,
            _local(row.recorded_at, zone), _source(row), "; ".join(answers),
            "; ".join(describe_all(catalog, answers)), row.level, "; ".join(row.rules), row.rules_version,
            "; ".join(f"#{i} {level} {state}" for i, level, state in row.alerts),
        ] + ([row.display_name, row.username] if with_names else []))
    return buffer.getvalue()


def _full_url(kind: str, key: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def _subject(row: ExportRow, with_names: bool) -> dict[str, Any]:
    subject: dict[str, Any] = {"identifier": {"system": NUMBER_SYSTEM, "value": str(row.number)}} \
        if row.number is not None else {"identifier": {"system": REF_SYSTEM, "value": row.clinic_ref or "unknown"}}
    label = f"patient no. {row.number}" if row.number is not None else "patient"
    if row.clinic_ref:
        label += f", clinic ref. {row.clinic_ref}"
    if with_names and row.display_name:
        label = f"{row.display_name} ({label})"
    subject["display"] = label
    return subject


def questionnaire(catalog) -> dict[str, Any]:
    """The check-in as a FHIR Questionnaire: every question with its allowed answers as codes."""
    items = []
    for question in QUESTIONS.values():
        key = f"checkin.q_{question.id}"
        items.append({
            "linkId": question.id, "text": catalog.render(key) if catalog.has(key) else question.id.replace("_", " "),
            "type": "choice", "repeats": question.multi,
            "answerOption": [{"valueCoding": {"system": ANSWER_SYSTEM, "code": option}} for option in question.options],
        })
    return {"resourceType": "Questionnaire", "id": "aftercare-checkin", "url": QUESTIONNAIRE_URL,
            "name": "AftercareCheckin", "title": "Microneedling aftercare check-in", "status": "active",
            "subjectType": ["Patient"], "item": items}


def _response(row: ExportRow, with_names: bool) -> dict[str, Any]:
    items = []
    for question, value in row.answers:
        codes = [v for v in str(value).split(",") if v] if QUESTIONS.get(question) and QUESTIONS[question].multi \
            else [str(value)]
        items.append({"linkId": question, "answer": [{"valueCoding": {"system": ANSWER_SYSTEM, "code": code}}
                                                     for code in codes]})
    status = "completed" if row.checkin_state in ("", "done", "completed") else \
        ("in-progress" if row.checkin_state == "open" else "stopped")
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": f"checkin-{row.checkin_id}",
                                "questionnaire": QUESTIONNAIRE_URL, "status": status,
                                "subject": _subject(row, with_names), "authored": row.recorded_at.isoformat()}
    if items:
        resource["item"] = items
    return resource


def _assessment(row: ExportRow, catalog, with_names: bool) -> dict[str, Any]:
    label_key = f"checkin.level_label_{row.level}"
    label = catalog.render(label_key) if catalog.has(label_key) else row.level
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment", "id": f"verdict-{row.verdict_id}", "status": "final",
        "subject": _subject(row, with_names), "occurrenceDateTime": row.recorded_at.isoformat(),
        "method": {"coding": [{"system": RULES_SYSTEM, "code": row.rules_version}],
                   "text": f"aftercare triage rules {row.rules_version}"},
        "prediction": [{"outcome": {"coding": [{"system": LEVEL_SYSTEM, "code": row.level, "display": label}],
                                    "text": label}}],
    }
    if row.rules:
        resource["reasonCode"] = [{"coding": [{"system": RULE_SYSTEM, "code": rule}], "text": rule}
                                  for rule in row.rules]
    if row.checkin_id is not None:
        resource["basis"] = [{"reference": _full_url("checkin", row.checkin_id)}]
    notes = [f"day {row.day} after treatment ({row.plan or 'plan unknown'}, treated {row.treatment_date or '?'})",
             _source(row)]
    notes += [f"alert #{i} ({level}): {state}" for i, level, state in row.alerts]
    resource["note"] = [{"text": note} for note in notes]
    return resource


def to_fhir(rows: list[ExportRow], catalog, now: datetime, with_names: bool = False) -> dict[str, Any]:
    """The FHIR R4 Bundle (type collection) as a JSON-ready dict."""
    entries = [{"fullUrl": _full_url("questionnaire", QUESTIONNAIRE_URL), "resource": questionnaire(catalog)}]
    answered: set[int] = set()
    for row in rows:
        if row.checkin_id is not None and row.checkin_id not in answered:  # a later verdict on it: once
            answered.add(row.checkin_id)
            entries.append({"fullUrl": _full_url("checkin", row.checkin_id), "resource": _response(row, with_names)})
        entries.append({"fullUrl": _full_url("verdict", row.verdict_id),
                        "resource": _assessment(row, catalog, with_names)})
    return {"resourceType": "Bundle", "id": f"aftercare-export-{now:%Y%m%d%H%M%S}", "type": "collection",
            "timestamp": now.isoformat(), "entry": entries}

"""`aftercare export`: check-ins and verdicts from the real Application's database, as CSV and as a FHIR R4 Bundle
that a maintained FHIR model library (fhir.resources, R4 models) accepts; names only with --with-names; 0600."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import timedelta

import pytest
from fhir.resources.bundle import Bundle  # R4 models (fhir.resources 6.4, the test extra)

from bot.tools.clinic_export import export_command
from tests.conftest import CLINIC_CHAT, DATA_KEY, START, enrol, severe_redness_on_day_four

CHAT = 1001


@pytest.fixture
async def history(clinic_phone):
    """Ana enrols, taps a day-4 check-in with severe redness (an alert), and types a warning sign on day 5 (an
    urgent alert; the bot opens a check-in to confirm it, still open)."""
    await enrol(clinic_phone, CHAT)
    await severe_redness_on_day_four(clinic_phone, CHAT)
    clinic_phone.clock.advance(timedelta(days=1))
    await clinic_phone.send(CHAT, "my lips are swelling up")
    return clinic_phone


def run(phone, tmp_path, *args: str) -> tuple[int, str, str]:
    environ = {"AFTERCARE_DATA_DIR": str(phone.app.bot_data["services"].settings.data_dir),
               "AFTERCARE_DATA_KEY": DATA_KEY, "AFTERCARE_CLINIC_CHAT_ID": str(CLINIC_CHAT)}
    out, err = io.StringIO(), io.StringIO()
    code = export_command(environ, list(args), out=out, err=err, now=START + timedelta(days=6))
    return code, out.getvalue(), err.getvalue()


async def test_the_csv_has_a_row_per_verdict_with_answers_level_rules_and_alert_states(history, tmp_path):
    path = tmp_path / "out.csv"
    code, out, err = run(history, tmp_path, "--format", "csv", "--out", str(path))
    assert code == 0, err
    assert "2 verdicts (2 check-ins, 0 typed messages)" in out
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    tapped, typed = rows
    assert (tapped["patient_number"], tapped["day"], tapped["source"], tapped["level"]) == ("1", "4", "check-in",
                                                                                              "contact_provider")
    assert "redness:severe" in tapped["answers"] and tapped["rules_version"] and tapped["rule_ids"]
    assert tapped["alerts"].startswith("#") and "open" in tapped["alerts"]
    assert (typed["day"], typed["source"], typed["level"]) == ("5", "check-in (open)", "urgent")
    assert "U10" in typed["rule_ids"]
    assert "name" not in tapped and "lips are swelling" not in path.read_text(encoding="utf-8")  # no names, no words
    assert os.stat(path).st_mode & 0o777 == 0o600


async def test_since_leaves_out_what_came_before_and_names_come_only_when_asked(history, tmp_path):
    path = tmp_path / "later.csv"
    code, out, _ = run(history, tmp_path, "--since", "2026-11-28", "--with-names", "--out", str(path))
    assert code == 0 and "1 verdicts" in out
    (row,) = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert row["day"] == "5" and row["name"]


async def test_the_fhir_bundle_is_valid_r4_with_a_questionnaire_responses_and_risk_assessments(history, tmp_path):
    path = tmp_path / "out.json"
    code, _, err = run(history, tmp_path, "--format", "fhir", "--out", str(path))
    assert code == 0, err
    data = json.loads(path.read_text(encoding="utf-8"))
    bundle = Bundle.parse_obj(data)  # R4 (fhir.resources 6.4): raises on any field R4 does not have
    kinds = [entry.resource.resource_type for entry in bundle.entry]
    assert kinds == ["Questionnaire", "QuestionnaireResponse", "RiskAssessment", "QuestionnaireResponse",
                     "RiskAssessment"]
    response, tapped, still_open, typed = (entry.resource for entry in bundle.entry[1:])
    assert response.status == "completed" and any(item.linkId == "redness" for item in response.item)
    assert still_open.status == "in-progress" and typed.basis[0].reference == bundle.entry[3].fullUrl
    assert tapped.basis[0].reference == bundle.entry[1].fullUrl
    assert tapped.method.coding[0].code and tapped.prediction[0].outcome.coding[0].code == "contact_provider"
    assert [c.coding[0].code for c in typed.reasonCode] == ["U10"]
    assert tapped.subject.identifier.value == "1" and "Ana" not in path.read_text(encoding="utf-8")
    assert os.stat(path).st_mode & 0o777 == 0o600


async def test_a_bad_date_or_no_database_is_a_clear_error(clinic_phone, tmp_path):
    code, _, err = run(clinic_phone, tmp_path, "--since", "last week")
    assert code == 2 and "is not a date" in err
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path / "empty"), "AFTERCARE_DATA_KEY": DATA_KEY}
    (tmp_path / "empty").mkdir()
    err_io = io.StringIO()
    assert export_command(environ, [], out=io.StringIO(), err=err_io) == 2 and "no database" in err_io.getvalue()

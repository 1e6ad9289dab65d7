"""Health data sealed at rest: every answer a patient gives is encrypted in the database and WAL bytes,
the bot still reads it back (/mydata, /progress, clinic alerts), and older databases are sealed in place.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.crypto import DataKeyError, Sealer, is_sealed
from bot.store import open_store
from bot.store.migrations import migrations
from bot.store.sealing import check_key
from tests.conftest import CLINIC_CHAT, DATA_KEY, START

CHAT, CLINIC = 1001, CLINIC_CHAT
OTHER_KEY = "eDIhXF6U0ZCqzUkP7pLtp2h1v1Fb7oHl2lqGQgGm0fc="
# Shapes the patient's answers take in plain text: answer pairs, triage tokens, reasons, enrolment answers.
PLAIN_SHAPES = [b'[["', b"redness:", b"risk:", b'"rule"', b"free_text", b"trend:"]
ANSWER_COLUMNS = {"patients": ("immunocompromised", "cold_sore_history", "skin_type"),
                  "checkins": ("answers", "selection", "still", "asks"),
                  "verdicts": ("reasons", "tokens", "patient_text")}


def raw_bytes(database: Path) -> bytes:
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def sealed_columns(database: Path) -> dict[str, list]:
    """Every non-empty value of every sealed column, read raw (no key)."""
    conn = sqlite3.connect(database)
    try:
        return {f"{table}.{column}": [row[0] for row in conn.execute(
                    f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} NOT IN ('', '[]')")]
                for table, columns in ANSWER_COLUMNS.items() for column in columns}
    finally:
        conn.close()


async def test_every_answer_is_sealed_in_the_file_and_still_read_back(clinic_phone):
    """Enrolment answers (immune, cold sores, skin type) and check-in answers, tokens and reasons are
    ciphertext in the database and WAL bytes, while the clinic alert, /progress and /mydata show them."""
    phone = clinic_phone
    await phone.send(CHAT, "/start")
    await phone.tap(CHAT, "I agree")
    for answer in ("London", "today", "8:00 21:00", "yes", "yes", "5"):
        await phone.send(CHAT, answer)
    phone.clock.advance(timedelta(days=4))
    await phone.send(CHAT, "/checkin")
    for label in ["No", "Better", "Severe", "None", "Mild", "None", "None of these", "No"]:
        await phone.tap(CHAT, label)

    alert = phone.telegram.last(CLINIC).text
    progress = await phone.send(CHAT, "/progress")
    document = next(m for m in await phone.send(CHAT, "/mydata") if m.kind == "document")
    export = json.loads(document.file_bytes)["stored_rows"]

    assert "C8" in alert and "redness severe" in alert.lower()
    assert "Day 4" in progress[-1].text
    patient = export["patients"][0]
    assert (patient["immunocompromised"], patient["cold_sore_history"], patient["skin_type"]) == ("yes", "yes", "V")
    assert "redness:severe" in export["verdicts"][0]["tokens"]
    database = Path(phone.store.db.conn.execute("PRAGMA database_list").fetchone()[2])
    values = sealed_columns(database)
    for column in ("patients.immunocompromised", "patients.cold_sore_history", "patients.skin_type",
                   "checkins.answers", "verdicts.reasons", "verdicts.tokens"):
        assert values[column] and all(is_sealed(v) for v in values[column]), column
    with sqlite3.connect(database) as conn:
        rules = [row[0] for row in conn.execute("SELECT rules FROM alerts")]
    conn.close()
    assert rules and all(rule.startswith("h:") for rule in rules)  # compared only: a keyed hash
    assert [shape for shape in PLAIN_SHAPES if shape in raw_bytes(database)] == []


def old_database(path: Path) -> None:
    """A database as the previous version left it: schema up to 0007, answers in plain text."""
    db = Database(sqlite3.connect(path))
    db.execute("PRAGMA journal_mode = WAL")
    migrations.apply(db, stop_before="0008_seal_patient_answers")
    check_key(db, Sealer(DATA_KEY))
    stamp = START.isoformat()
    db.execute("INSERT INTO patients (chat_id, status, display_name, immunocompromised, cold_sore_history,"
               " skin_type, consent_at, created_at, updated_at) VALUES (?, 'active', ?, 'yes', 'unsure', 'VI',"
               " ?, ?, ?)", [CHAT, Sealer(DATA_KEY).seal("Ana"), stamp, stamp, stamp])
    db.execute("INSERT INTO treatments (id, chat_id, plan, treatment_date, created_at)"
               " VALUES (1, ?, 'microneedling', '2026-11-23', ?)", [CHAT, stamp])
    db.execute("INSERT INTO checkins (chat_id, treatment_id, day, state, answers, selection, still, asks,"
               " started_at) VALUES (?, 1, 2, 'open', '[[\"redness\", \"severe\"]]', 'pus', 'swelling',"
               " '[\"ask_crusts\"]', ?)", [CHAT, stamp])
    db.execute("INSERT INTO alerted_reasons (chat_id, checkin_id, reason, created_at) VALUES (?, 1, 'C8', ?)",
               [CHAT, stamp])
    db.execute("INSERT INTO verdicts (chat_id, checkin_id, treatment_id, day, level, reasons, tokens,"
               " rules_version, created_at) VALUES (?, 1, 1, 2, 'contact_provider',"
               " '[{\"rule\": \"C8\", \"level\": \"contact_provider\", \"answers\": [\"redness:severe\"]}]',"
               " '[\"redness:severe\", \"risk:immunocompromised\"]', 'v2', ?)", [CHAT, stamp])
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def test_an_older_database_is_sealed_in_place_on_opening_with_its_key(tmp_path):
    """Opening a database with plain answers seals them (and the old plain bytes leave the file); a wrong
    key is refused before anything is sealed with it."""
    database = tmp_path / "aftercare.db"
    old_database(database)
    assert b'[["redness"' in raw_bytes(database) and b"risk:immunocompromised" in raw_bytes(database)

    with pytest.raises(DataKeyError):
        open_store(database, Sealer(OTHER_KEY))
    assert sealed_columns(database)["patients.skin_type"] == ["VI"]  # nothing sealed with the wrong key

    store = open_store(database, Sealer(DATA_KEY))
    try:
        patient = store.patient(CHAT)
        checkin = store.open_checkin(CHAT)
        verdict = store.last_verdict(CHAT, 1)
        alerted, again = store.alerted_reasons(CHAT, 1), store.claim_alert_reasons(CHAT, 1, ("C8",), START)
        on_disk = raw_bytes(database)
    finally:
        store.close()
    assert (patient.immunocompromised, patient.cold_sore_history, patient.skin_type) == ("yes", "unsure", "VI")
    assert checkin.answers == [("redness", "severe")] and checkin.selection == ["pus"]
    assert checkin.still == ("swelling",) and checkin.asks == ("ask_crusts",)
    assert alerted == {"C8"} and again == []  # still one alert per reason and check-in
    assert verdict.tokens == ["redness:severe", "risk:immunocompromised"] and verdict.reasons[0]["rule"] == "C8"
    assert all(is_sealed(v) for values in sealed_columns(database).values() for v in values)
    assert [shape for shape in PLAIN_SHAPES if shape in on_disk] == []

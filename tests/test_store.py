"""The store: owner-only file, migrations on open, upgrades that keep data, and the patient methods."""

from __future__ import annotations

import os
import sqlite3
from datetime import date, datetime, time, timezone

import pytest
from sqlite_utils import Database

from bot.crypto import Sealer
from bot.store import open_store
from bot.store.migrations import migrations
from tests.conftest import DATA_KEY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def test_new_database_is_owner_only_with_every_migration(tmp_path):
    """Opening creates the file 0600 and applies every numbered migration in order."""
    store = open_store(tmp_path / "a.db")
    assert os.stat(tmp_path / "a.db").st_mode & 0o777 == 0o600
    names = store.applied_migrations()
    assert names == sorted(names) and names[0].startswith("0001_") and len(names) == len(migrations.pending(
        Database(memory=True)))
    store.close()


def test_an_old_database_is_upgraded_without_losing_rows(tmp_path):
    """A database written by an earlier version (up to 0003) opens, migrates and keeps its patient."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="0004_meta_and_patient_text")
    conn.execute("INSERT INTO patients (chat_id, display_name, status, zone, morning, evening, consent_at,"
                 " created_at, updated_at) VALUES (7, 'Old', 'active', 'Europe/Rome', '07:00', '20:00', 'x', 'x', 'x')")
    conn.execute("INSERT INTO treatments (chat_id, plan, treatment_date, created_at)"
                 " VALUES (7, 'microneedling', '2026-11-20', 'x')")
    conn.commit()
    conn.close()
    store = open_store(path, Sealer(DATA_KEY))
    patient = store.patient(7)
    assert (patient.display_name, patient.zone, patient.morning) == ("Old", "Europe/Rome", time(7))
    assert patient.treatment.treatment_date == date(2026, 11, 20) and patient.quiet_start is None
    assert "0005_patient_quiet_hours" in store.applied_migrations()
    store.close()


def test_consent_enrolment_and_new_session():
    """Consent creates the row; a new session replaces the current one in one transaction."""
    store = open_store(None)
    assert store.patient(1) is None
    store.give_consent(1, 11, "Ana", "enrol:zone", NOW)
    store.update_patient(1, NOW, zone="Europe/London", draft_date=date(2026, 11, 23), morning=time(8))
    first = store.start_treatment(1, "microneedling", date(2026, 11, 23), NOW)
    second = store.start_treatment(1, "microneedling", date(2026, 12, 21), NOW)
    patient = store.patient(1)
    assert patient.enrolled and patient.step is None and patient.treatment == second and second.id != first.id
    with pytest.raises(ValueError, match="not a patient column"):
        store.update_patient(1, NOW, status="active")


def test_handled_update_ids_are_remembered_the_newest_ten_thousand():
    """An update id is new once; past 10,000 the oldest recorded go, by the order they came in."""
    store = open_store(None)
    assert all(store.first_sight(update_id) for update_id in range(1, 11_001))
    assert not store.first_sight(1_001) and not store.first_sight(11_000)
    assert store.first_sight(1_000)  # among the oldest 1,000, forgotten
    assert store.db.execute("SELECT count(*) FROM handled_updates").fetchone()[0] == 10_001
    store.close()


def test_handled_update_ids_survive_telegram_choosing_lower_ones():
    """After a week without updates Telegram may start again at a lower id: those are remembered too."""
    store = open_store(None)
    assert all(store.first_sight(update_id) for update_id in range(900_000, 901_000))
    assert all(store.first_sight(update_id) for update_id in range(1, 1_001))  # the 1,000th of them prunes
    assert not store.first_sight(1) and not store.first_sight(900_000)
    assert store.newest_update_id() == 1_000
    store.close()

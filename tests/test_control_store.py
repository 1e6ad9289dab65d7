"""The control part of the store: stops, pauses, resume, export, erasure and retention on a real database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.store import open_store
from schedules.planner import Delivery
from schedules.kinds import ALL_KINDS

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
CHAT = 42


@pytest.fixture
def db():
    store = open_store(None)
    yield store
    store.close()


def enrolled(store, chat_id=CHAT, treated=date(2026, 11, 23)):
    store.give_consent(chat_id, chat_id, "Ana", "enrol:date", NOW)
    treatment = store.start_treatment(chat_id, "microneedling", treated, NOW)
    planned = [Delivery(f"{kind}:{day}", day, kind, "reminders.x", NOW + timedelta(days=day), "morning")
               for day in range(1, 6) for kind in ("sunscreen", "skincare", "checkin")]
    store.replace_pending(chat_id, treatment.id, planned, NOW)
    return treatment


def states(store, chat_id=CHAT):
    return {(d.kind, d.day): (d.state, d.reason) for d in store.deliveries(chat_id)}


def test_migration_is_registered(db):
    """The control migration runs on open."""
    assert "0003_patient_control" in db.applied_migrations()


def test_stop_kind_cancels_its_pending_rows_only(db):
    """Stopping sunscreen cancels pending sunscreen rows with reason 'stopped' and leaves the rest."""
    enrolled(db)
    assert db.stop_kinds(CHAT, {"sunscreen"}, NOW) == 5
    rows = states(db)
    assert all(rows[("sunscreen", d)] == ("cancelled", "stopped") for d in range(1, 6))
    assert all(rows[("skincare", d)] == ("pending", None) for d in range(1, 6))
    assert db.muted_kinds(CHAT, NOW) == {"sunscreen"}


def test_stop_rejects_unknown_kinds(db):
    """A typo in a kind is a programming error, not a silent no-op."""
    enrolled(db)
    with pytest.raises(ValueError):
        db.stop_kinds(CHAT, {"sunscren"}, NOW)


def test_pause_mutes_everything_until_its_end(db):
    """A pause cancels rows due before its end and mutes every kind only while it lasts."""
    enrolled(db)
    until = NOW + timedelta(days=3)
    assert db.pause(CHAT, until, NOW) == 6  # days 1 and 2, three kinds each
    rows = states(db)
    assert rows[("checkin", 2)] == ("cancelled", "paused") and rows[("checkin", 3)] == ("pending", None)
    assert db.muted_kinds(CHAT, NOW) == set(ALL_KINDS)
    assert db.muted_kinds(CHAT, until + timedelta(seconds=1)) == set()


def test_resume_forgets_only_future_cancellations(db):
    """Resume deletes future rows cancelled by stop or pause so they can be re-planned; past ones stay."""
    enrolled(db)
    db.stop_kinds(CHAT, {"skincare"}, NOW)
    db.pause(CHAT, NOW + timedelta(days=3), NOW)
    later = NOW + timedelta(days=1, hours=12)
    db.resume(CHAT, later)
    rows = states(db)
    assert rows[("sunscreen", 1)] == ("cancelled", "paused")  # missed: never sent later
    assert ("sunscreen", 2) not in rows and ("skincare", 4) not in rows
    prefs = db.preferences(CHAT)
    assert prefs.stopped == frozenset() and prefs.paused_until is None and prefs.reachable


def test_unknown_chat_has_everything_muted(db):
    """A chat with no patient row gets nothing."""
    assert db.preferences(CHAT) is None and db.muted_kinds(CHAT, NOW) == set(ALL_KINDS)


def test_export_covers_every_table_with_a_chat_id(db):
    """The export finds tables dynamically, including one created after the store was written."""
    enrolled(db)
    db.db.execute("CREATE TABLE later_notes (id INTEGER PRIMARY KEY, chat_id INTEGER, note TEXT)")
    db.db.execute("INSERT INTO later_notes (chat_id, note) VALUES (?, 'x'), (?, 'other')", [CHAT, CHAT + 1])
    export = db.export_patient(CHAT)
    assert list(export)[0] == "patients"
    assert {"patients", "treatments", "deliveries", "later_notes"} <= set(export)
    assert export["later_notes"] == [{"id": 1, "chat_id": CHAT, "note": "x"}]
    assert len(export["deliveries"]) == 15


def test_forget_erases_every_row_and_only_that_patient(db):
    """Forgetting deletes the patient's rows everywhere, even in a table without a cascading key."""
    enrolled(db)
    enrolled(db, chat_id=CHAT + 1)
    db.db.execute("CREATE TABLE later_notes (id INTEGER PRIMARY KEY, chat_id INTEGER, note TEXT)")
    db.db.execute("INSERT INTO later_notes (chat_id, note) VALUES (?, 'x'), (?, 'other')", [CHAT, CHAT + 1])
    assert db.forget_patient(CHAT) == 1 + 1 + 15 + 1
    assert all(rows == [] for rows in db.export_patient(CHAT).values())
    assert len(db.export_patient(CHAT + 1)["deliveries"]) == 15
    assert db.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_finished_patients_after_plan_and_retention(db):
    """Only plans that ended more than the retention period ago, and long-abandoned enrolments, are due."""
    enrolled(db, chat_id=1, treated=date(2026, 1, 1))     # ended long ago
    enrolled(db, chat_id=2, treated=date(2026, 11, 1))    # still running
    db.give_consent(3, 3, "Ana", "enrol:date", NOW - timedelta(days=200))  # abandoned enrolment
    db.give_consent(4, 4, "Ana", "enrol:date", NOW)       # enrolling now
    assert db.current_plans() == {"microneedling"}
    assert db.finished_patients(NOW, retention_days=90, plan_lengths={"microneedling": 60}) == [1, 3]
    assert db.finished_patients(NOW, retention_days=400, plan_lengths={"microneedling": 60}) == []


def test_retention_follows_each_patients_own_plan_length(db):
    """A patient's data is kept for their own plan's length plus the retention period; an unknown plan never ends."""
    db.give_consent(1, 1, "Ana", "enrol:date", NOW)
    db.start_treatment(1, "microneedling", date(2026, 6, 1), NOW)   # 60 + 90 days: ended before NOW
    db.give_consent(2, 2, "Ben", "enrol:date", NOW)
    db.start_treatment(2, "long-plan", date(2026, 6, 1), NOW)       # 120 + 90 days: still kept
    db.give_consent(3, 3, "Cy", "enrol:date", NOW)
    db.start_treatment(3, "gone-plan", date(2025, 1, 1), NOW)       # no length known: kept
    lengths = {"microneedling": 60, "long-plan": 120}
    assert db.finished_patients(NOW, retention_days=90, plan_lengths=lengths) == [1]
    assert db.finished_patients(NOW, retention_days=90, plan_lengths={**lengths, "long-plan": 60}) == [1, 2]

"""Nightly backups built into the running bot: written at the set hour by the fake clock, verified, rotated, a
damaged one found, a missed night caught up at start-up, and `doctor`, `backup --verify` and `restore --dry-run`
telling the operator about them."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.store.backups import nightly_files
from bot.tools.backup import backup_command, restore_command
from bot.tools.doctor import doctor_command
from tests.conftest import DATA_KEY, START, enrol, make_settings, open_phone
from bot.store import open_store

A = 1001
UTC = timezone.utc


@pytest.fixture
def backups(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nightly") / "backups"  # created by the first run


@pytest.fixture
async def night_phone(tmp_path, backups, clock):
    settings = make_settings(tmp_path, AFTERCARE_BACKUP_DIR=str(backups), AFTERCARE_BACKUP_KEEP="3")
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


def job(phone, name: str):
    [found] = phone.app.job_queue.get_jobs_by_name(name)
    return found


async def night(phone, day: int) -> None:
    """The clock at 02:30 UTC of the ``day``-th night after START, and the nightly job's run."""
    target = datetime.combine(START.date() + timedelta(days=day), time(2, 30), tzinfo=UTC)
    phone.clock.advance(target - phone.clock.now())
    await job(phone, "nightly_backup").run(phone.app)


def doctor(tmp_path: Path, backups: Path, now: datetime, **more: str) -> str:
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               "AFTERCARE_BACKUP_DIR": str(backups), "AFTERCARE_BACKUP_KEEP": "3", **more}
    out = io.StringIO()
    doctor_command(environ, out, now=now)
    return out.getvalue()


def backup_lines(report: str) -> list[str]:
    return [line for line in report.splitlines() if "backups:" in line]


async def test_five_nights_keep_the_newest_three_each_verified_and_recorded(night_phone, backups, tmp_path):
    """Each night at 02:30 the bot writes nightly-<time>.db (0600), verified; after five nights the newest
    three are kept, the record says so, and doctor reports the newest as fine."""
    await enrol(night_phone, A)
    for day in range(1, 6):
        await night(night_phone, day)
    names = [p.name for p in nightly_files(backups)]
    assert names == ["nightly-20261126T023000Z.db", "nightly-20261127T023000Z.db", "nightly-20261128T023000Z.db"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in nightly_files(backups))
    record = night_phone.store.last_backup()
    assert record.ok and record.file == names[-1] and record.problem == ""
    assert record.last_ok_at == datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    copy = open_store(nightly_files(backups)[-1], night_phone.store.sealer)
    try:
        assert copy.patient(A) is not None  # the patient is in the backup, and opens with the key
    finally:
        copy.close()
    lines = backup_lines(doctor(tmp_path, backups, night_phone.clock.now() + timedelta(hours=6)))
    assert lines == [f"ok: backups: nightly-20261128T023000Z.db verified at 2026-11-28 02:30 UTC; 3 kept in "
                     f"{backups} (the newest 3)"]


async def test_a_backup_damaged_on_disk_is_found_the_next_night_and_doctor_warns(night_phone, backups, tmp_path):
    """An older backup whose bytes rot on disk is reported by the next night's run (the new one is still
    written), and doctor turns that into a warning naming the file."""
    await enrol(night_phone, A)
    for day in (1, 2):
        await night(night_phone, day)
    rotten = nightly_files(backups)[0]
    with open(rotten, "r+b") as handle:
        handle.write(b"\0" * 100)  # the SQLite header gone
    await night(night_phone, 3)
    record = night_phone.store.last_backup()
    assert not record.ok and record.file == "nightly-20261126T023000Z.db" and rotten.name in record.problem
    lines = backup_lines(doctor(tmp_path, backups, night_phone.clock.now()))
    assert len(lines) == 1 and lines[0].startswith("warning: backups: the last nightly backup") and rotten.name in lines[0]
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY}
    assert backup_command(environ, ["--verify", str(rotten)]) == 1


async def test_a_failed_night_keeps_the_last_good_time_and_doctor_warns(night_phone, backups, tmp_path):
    """A night whose backup cannot be written (the folder is a file) is recorded as failed with its reason,
    keeps the time of the last good backup, and is a doctor warning."""
    await night(night_phone, 1)
    for path in nightly_files(backups):
        path.unlink()
    backups.rmdir()
    backups.write_text("not a folder")
    await night(night_phone, 2)
    record = night_phone.store.last_backup()
    assert not record.ok and record.file == "" and str(backups) in record.problem
    assert record.last_ok_at == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    [line] = backup_lines(doctor(tmp_path, backups, night_phone.clock.now()))
    assert line.startswith("warning: backups: the last nightly backup (2026-11-25 02:30 UTC) failed: no backup")


async def test_doctor_warns_when_the_newest_backup_is_more_than_a_day_old(night_phone, backups, tmp_path):
    """A bot that stopped backing up (it is not running) shows in doctor two nights later."""
    await night(night_phone, 1)
    [line] = backup_lines(doctor(tmp_path, backups, night_phone.clock.now() + timedelta(days=2)))
    assert line.startswith("warning: backups: the newest nightly backup is from 2026-11-24 02:30 UTC")


async def test_the_nightly_job_has_hours_of_grace_and_catches_up_at_start_up(night_phone, backups):
    """The daily job survives a late wake (grace of hours, coalesced); at start-up a missed night is backed up
    at once, and a night already done is not done twice."""
    daily = job(night_phone, "nightly_backup")
    assert daily.job.misfire_grace_time >= 3 * 3600 and daily.job.coalesce is True
    night_phone.clock.advance(timedelta(days=1))
    await job(night_phone, "nightly_backup.catch_up").run(night_phone.app)
    assert [p.name for p in nightly_files(backups)] == ["nightly-20261124T090000Z.db"]
    await job(night_phone, "nightly_backup.catch_up").run(night_phone.app)
    assert len(nightly_files(backups)) == 1


async def test_backup_verify_and_the_restore_drill_report_on_the_newest_backup(night_phone, backups, tmp_path,
                                                                              capsys):
    """`aftercare backup --verify FILE` says the file is intact with this schema and opens with the key;
    `aftercare restore --dry-run` restores the newest nightly backup into a temporary folder, opens it, and
    leaves the live database as it was."""
    await enrol(night_phone, A)
    await night(night_phone, 1)
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               "AFTERCARE_BACKUP_DIR": str(backups)}
    newest = nightly_files(backups)[-1]
    live = (tmp_path / "aftercare.db").stat().st_mtime_ns
    assert backup_command(environ, ["--verify", str(newest)]) == 0
    assert restore_command(environ, ["--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{newest}: intact, an aftercare database with this version's schema")
    assert out[1] == (f"restore drill passed: {newest} was restored into a temporary folder and opened with the "
                      "data key (1 patients); the live database was not touched")
    assert (tmp_path / "aftercare.db").stat().st_mtime_ns == live


def test_a_drill_with_another_key_fails_and_says_why(tmp_path, backups, capsys):
    """A backup that would not open with the configured key fails the drill (exit 1) with the reason."""
    backups.mkdir(parents=True)
    open_store(backups / "nightly-20261124T023000Z.db", make_settings(tmp_path).sealer()).close()
    other = "eDIhXF6U0ZCqzUkP7pLtp2h1v1Fb7oHl2lqGQgGm0fc="
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": other, "AFTERCARE_BACKUP_DIR": str(backups)}
    assert restore_command(environ, ["--dry-run"]) == 1
    assert "restore drill failed" in capsys.readouterr().err


@pytest.mark.parametrize("name,value,says", [("AFTERCARE_BACKUP_AT", "25:00", "AFTERCARE_BACKUP_AT"),
                                             ("AFTERCARE_BACKUP_KEEP", "0", "AFTERCARE_BACKUP_KEEP"),
                                             ("AFTERCARE_BACKUP_DIR", "INSIDE", "inside the data folder")])
def test_bad_backup_settings_stop_with_the_variable_named(tmp_path, name, value, says):
    """A malformed hour, a count of none, or a backup folder inside the data folder is refused by name."""
    with pytest.raises(ConfigError) as refused:
        make_settings(tmp_path, **{name: str(tmp_path / "b") if value == "INSIDE" else value})
    assert says in str(refused.value)


def test_backups_default_beside_the_data_folder_at_02_30_and_can_be_off(tmp_path):
    """Unset, backups go to <data>-backups at 02:30 UTC, 14 kept; `off` turns them off."""
    settings = make_settings(tmp_path / "data")
    assert settings.backup_folder == tmp_path / "data-backups"
    assert settings.backup_at == time(2, 30, tzinfo=UTC) and settings.backup_keep == 14
    assert make_settings(tmp_path, AFTERCARE_BACKUP_AT="off").backup_at is None

"""The restore drill reported by `aftercare doctor`: `aftercare restore --dry-run` records when it passed (in the
backup folder, never in the live database), and doctor says so, or warns when it never ran, failed, or is older
than AFTERCARE_RESTORE_DRILL_DAYS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.config import ConfigError
from bot.store.backups import DRILL_NAME, nightly_files, read_drill_record
from bot.tools.backup import restore_command
from bot.store import open_store
from tests.conftest import DATA_KEY, START, enrol, make_settings
from tests.test_nightly_backup import backups, doctor, night, night_phone  # noqa: F401 - fixtures

A = 1001


def drill_lines(report: str) -> list[str]:
    return [line for line in report.splitlines() if "restore drill:" in line]


def drill(tmp_path, backups, now) -> int:  # noqa: F811 - the fixture's value
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": DATA_KEY,
               "AFTERCARE_BACKUP_DIR": str(backups)}
    return restore_command(environ, ["--dry-run"], now=now)


async def test_doctor_warns_until_a_drill_passes_then_again_when_it_is_a_month_old(night_phone, backups, tmp_path,
                                                                                  capsys):
    """With nightly backups and no drill doctor warns; a passed drill is an ok line naming its backup, and
    32 days later (the limit is 31) a warning again, unless AFTERCARE_RESTORE_DRILL_DAYS allows more."""
    await enrol(night_phone, A)
    await night(night_phone, 1)
    now = night_phone.clock.now()
    [line] = drill_lines(doctor(tmp_path, backups, now))
    assert line.startswith(f"warning: restore drill: none has been run with the backups in {backups}; "
                           "run `aftercare restore --dry-run`")
    live = (tmp_path / "aftercare.db").stat().st_mtime_ns
    assert drill(tmp_path, backups, now) == 0
    assert capsys.readouterr().out.startswith("restore drill passed: ")
    assert (tmp_path / "aftercare.db").stat().st_mtime_ns == live  # the record is not in the live database
    newest = nightly_files(backups)[-1].name
    assert drill_lines(doctor(tmp_path, backups, now + timedelta(days=1))) == [
        f"ok: restore drill: passed on 2026-11-24 02:30 UTC with {newest} (due again within 31 days)"]
    [late] = drill_lines(doctor(tmp_path, backups, now + timedelta(days=32)))
    assert late.startswith("warning: restore drill: the last one that passed was on 2026-11-24, more than 31 days "
                           "ago (AFTERCARE_RESTORE_DRILL_DAYS)")
    [allowed] = drill_lines(doctor(tmp_path, backups, now + timedelta(days=32), AFTERCARE_RESTORE_DRILL_DAYS="60"))
    assert allowed.startswith("ok: restore drill: passed on 2026-11-24")


async def test_a_failed_drill_is_a_warning_with_its_reason_and_keeps_the_last_pass(night_phone, backups, tmp_path,
                                                                                  capsys):
    """A drill on a backup whose bytes rotted fails (exit 1); doctor warns with the reason, and the record still
    knows when the last drill passed; the record is owner-only and holds no patient data."""
    await enrol(night_phone, A)
    await night(night_phone, 1)
    passed = night_phone.clock.now()
    assert drill(tmp_path, backups, passed) == 0
    await night(night_phone, 2)
    with open(nightly_files(backups)[-1], "r+b") as handle:
        handle.write(b"\0" * 100)  # the SQLite header gone
    failed = night_phone.clock.now()
    assert drill(tmp_path, backups, failed) == 1
    assert "restore drill failed" in capsys.readouterr().err
    [line] = drill_lines(doctor(tmp_path, backups, failed))
    assert line.startswith("warning: restore drill: the last one (2026-11-25 02:30 UTC) failed: restore drill "
                           "failed: ")
    record = read_drill_record(backups)
    assert not record.ok and record.last_ok_at == passed
    kept = backups / DRILL_NAME
    assert kept.stat().st_mode & 0o077 == 0
    assert set(json.loads(kept.read_text())) == {"at", "ok", "file", "problem", "last_ok_at"}


def test_no_backups_yet_is_no_warning(tmp_path, tmp_path_factory):
    """A clinic that has not written its first nightly backup is told when the drill comes, without a warning."""
    settings = make_settings(tmp_path)
    open_store(settings.database_path, settings.sealer()).close()
    empty = tmp_path_factory.mktemp("none") / "backups"
    [line] = drill_lines(doctor(tmp_path, empty, START))
    assert line == ("ok: restore drill: none yet; once the first nightly backup is written, run `aftercare restore "
                    "--dry-run` (it restores the newest backup into a temporary folder, never the live one)")


@pytest.mark.parametrize("value", ["0", "soon", "99999"])
def test_a_bad_drill_limit_is_refused_by_name(tmp_path, value):
    """AFTERCARE_RESTORE_DRILL_DAYS must be a number of days; anything else stops with the variable named."""
    with pytest.raises(ConfigError) as refused:
        make_settings(tmp_path, AFTERCARE_RESTORE_DRILL_DAYS=value)
    assert "AFTERCARE_RESTORE_DRILL_DAYS" in str(refused.value)

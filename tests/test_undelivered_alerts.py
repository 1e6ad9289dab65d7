"""An alert the clinic chat refuses reaches the on-call admins and the worklist; the health check notices it, and a
dispatcher that stopped ticking, whatever the wall clock did."""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clinic_profile import ClinicFileError, default_clinic_file, load_clinic, render_clinic
from bot.store import open_store
from bot.tools.health import healthcheck, healthcheck_command
from tests.conftest import enrol, start
from tests.test_alerts import ADMIN, CLINIC, ONCALL, A, clinic_settings, red_flag
from tests.texts import shows


async def started(tmp_path, clock, **extra):
    settings = clinic_settings(tmp_path, **extra)
    store = open_store(settings.database_path, settings.sealer())
    return settings, store, await start(settings, store, clock)


async def refused_for(bot, minutes: int) -> None:
    """The clinic chat refuses everything (BadRequest); the dispatcher runs every minute for ``minutes``."""
    alerted = bot.phone.clock.now()
    for minute in range(1, minutes + 1):
        await bot.run(alerted + timedelta(minutes=minute))


@pytest.mark.parametrize("oncall, reached", [({"AFTERCARE_ONCALL_IDS": str(ONCALL)}, ONCALL), ({}, ADMIN)])
async def test_an_alert_the_clinic_chat_refuses_goes_to_the_oncall_admins_in_private_once(tmp_path, clock, oncall,
                                                                                         reached):
    """After its tries, an alert the clinic chat refuses (BadRequest) goes in private to the on-call admins (or,
    with none on call, the admins), once, and is listed by undeliverable_alerts() for the worklist."""
    settings, store, bot = await started(tmp_path, clock, **oncall)
    try:
        await enrol(bot.phone, A)
        bot.telegram.fail_next("sendMessage", "bad_request", chat_id=CLINIC, times=1000)
        await red_flag(bot)
        assert bot.telegram.chat(reached) == [] and store.undeliverable_alerts() == []
        await refused_for(bot, 10)
        [private] = bot.telegram.chat(reached)
        assert shows(private.text, "alerts.undeliverable", at_start=True) and "EMERGENCY: Ana" in private.text
        assert private.buttons == [[("Acknowledge", "al1:1")]]
        [listed] = store.undeliverable_alerts()
        assert (listed.alert_id, listed.number, listed.level, listed.open) == (1, 1, "emergency", True)
        assert bot.telegram.chat(CLINIC) == []
        bot.telegram.clear_failures()  # the chat fixed: the alert still arrives there, and nothing twice
        await refused_for(bot, 10)
        assert len(bot.telegram.chat(CLINIC)) == 1 and len(bot.telegram.chat(reached)) == 1
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_healthcheck_fails_on_an_urgent_alert_undelivered_longer_than_the_profile_allows(tmp_path, clock):
    """An emergency alert the clinic chat refuses: healthy for the profile's 15 minutes, then one clear line and
    exit 1; delivered at last, healthy again."""
    settings, store, bot = await started(tmp_path, clock)
    try:
        assert settings.clinic.undelivered_minutes == 15
        await enrol(bot.phone, A)
        bot.telegram.fail_next("sendMessage", "bad_request", chat_id=CLINIC, times=1000)
        await red_flag(bot)
        await refused_for(bot, 14)
        assert healthcheck(settings, clock.now(), clock=clock) == []
        await refused_for(bot, 2)
        [problem] = healthcheck(settings, clock.now(), clock=clock)
        assert "has not reached the clinic chat for 16 minutes (more than 15" in problem
        err = io.StringIO()
        with redirect_stderr(err):
            assert healthcheck_command({"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_CLINIC_CHAT_ID": str(CLINIC)},
                                       [], now=clock.now(), clock=clock) == 1
        assert err.getvalue().count("unhealthy:") == 1
        bot.telegram.clear_failures()
        await refused_for(bot, 6)
        assert healthcheck(settings, clock.now(), clock=clock) == []
    finally:
        await bot.phone.app.shutdown()
        store.close()


async def test_healthcheck_fails_when_the_dispatcher_stalls_after_the_wall_clock_stepped_back(tmp_path, clock):
    """The dispatcher's last run is timed on the monotonic clock: an hour without a run is stuck even though the
    wall clock, stepped back that hour, shows the same instant as the last run."""
    settings, store, bot = await started(tmp_path, clock)
    try:
        await bot.run(clock.now())
        assert healthcheck(settings, clock.now(), clock=clock) == []
        clock.advance(timedelta(hours=1))
        clock.step_wall(timedelta(hours=-1))  # an hour passed without a run; the wall clock shows the last run's time
        [problem] = healthcheck(settings, clock.now(), clock=clock)
        assert "the dispatcher last ran 3600 s ago" in problem and "looks stuck" in problem
        await bot.run(clock.now())
        assert healthcheck(settings, clock.now(), clock=clock) == []
    finally:
        await bot.phone.app.shutdown()
        store.close()


def test_a_heartbeat_of_another_clock_is_timed_on_the_wall_clock(tmp_path, clock):
    """A tick recorded by another machine's clock (or an older bot) falls back to the wall clock, and a tick far in
    the future of the wall clock is reported too."""
    from bot.clock import ManualClock
    from bot.runtime import record_tick
    from tests.conftest import make_settings
    settings = make_settings(tmp_path)
    open_store(settings.database_path, settings.sealer()).close()
    other = ManualClock(clock.now())
    record_tick(settings.data_dir, clock.now() + timedelta(minutes=10), other.monotonic(), other.monotonic_source)
    [problem] = healthcheck(settings, clock.now(), clock=clock)
    assert "600 s in the future (the clock was stepped back since)" in problem


def test_undelivered_minutes_is_read_from_the_profile_and_written_back(tmp_path):
    """[alerts] undelivered_minutes is read (default 15), kept when setup rewrites the profile, and a bad value is
    refused naming the setting."""
    profile = replace(load_clinic(default_clinic_file()), undelivered_minutes=25)
    path = tmp_path / "clinic.toml"
    path.write_text(render_clinic(profile), encoding="utf-8")
    assert load_clinic(path).undelivered_minutes == 25
    path.write_text(render_clinic(profile).replace("undelivered_minutes = 25", "undelivered_minutes = 0"),
                    encoding="utf-8")
    with pytest.raises(ClinicFileError, match="undelivered_minutes"):
        load_clinic(path)

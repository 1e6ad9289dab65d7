"""A second treatment and a second language are data only: a plan file, a catalog folder and configuration."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.clinic_profile import default_clinic_file
from schedules.kinds import ALL_KINDS
from tests.conftest import START, bot_of, enrol_typing, make_settings

DATA = Path(__file__).resolve().parent / "data"
CHAT = 1001
DAY1_MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # 08:00 in London


def clinic_on(tmp_path: Path, plan: str) -> str:
    """The shipped clinic profile, following ``plan``."""
    text = Path(default_clinic_file()).read_text(encoding="utf-8").replace('plan = "microneedling"', f'plan = "{plan}"')
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
async def peel(tmp_path, clock):
    """The bot of a clinic whose patients follow the test-only chemical peel plan."""
    settings = make_settings(tmp_path, AFTERCARE_CLINIC_FILE=clinic_on(tmp_path, "chemical-peel"),
                             AFTERCARE_PLANS_DIR=str(DATA / "plans"), AFTERCARE_CATALOG_DIR=str(DATA / "catalog"))
    async with bot_of(settings, clock) as bot:
        yield bot


@pytest.fixture
async def xx(tmp_path, clock):
    """The bot speaking the test-only language "xx" (a few keys; the rest falls back to English)."""
    settings = make_settings(tmp_path, AFTERCARE_LANGUAGE="xx", AFTERCARE_CATALOG_DIR=str(DATA / "catalog"))
    async with bot_of(settings, clock) as bot:
        yield bot


async def test_a_second_plan_sends_its_own_days_texts_and_timeline(peel):
    """A patient on the peel plan gets the peel's steps, texts and timeline line, none of microneedling's."""
    await enrol_typing(peel.phone, CHAT)
    patient = peel.store.patient(CHAT)
    assert patient.treatment.plan == "chemical-peel" and patient.treatment.treatment_date == date(2026, 11, 23)
    steps = {row.step.split(":")[0] for row in peel.store.deliveries(CHAT)}
    assert steps == {"spf", "no-picking", "checkin", "reprompt"}
    assert max(row.day for row in peel.store.deliveries(CHAT)) == 14
    await peel.run(DAY1_MORNING)
    reminder = peel.telegram.last(CHAT)
    assert peel.reminders(CHAT) == [reminder.text]
    assert reminder.text.endswith("Peel care, day 1: sunscreen SPF 50 before you go out.")
    await peel.phone.tap(CHAT, "More", reminder)  # the full texts, in place
    assert reminder.text == ("After a peel, skin feels tight and looks a little pink for two days.\n\n"
                             "Peel care, day 1: sunscreen SPF 50 before you go out.")


async def test_retention_follows_the_second_plans_own_length(peel):
    """The peel patient's data goes the retention period after day 14, not after microneedling's day 90."""
    await enrol_typing(peel.phone, CHAT)
    job = peel.phone.app.job_queue.get_jobs_by_name("retention")[0]
    retention = peel.phone.app.bot_data["services"].settings.clinic.retention_days
    peel.phone.clock.set(START + timedelta(days=14 + retention))
    await job.run(peel.phone.app)
    assert peel.store.patient(CHAT) is not None
    peel.phone.clock.set(START + timedelta(days=14 + retention + 2))
    await job.run(peel.phone.app)
    assert peel.store.patient(CHAT) is None


async def test_a_second_language_is_one_catalog_folder(xx):
    """The "xx" catalog's commands, dates, reminders, timeline and typed words are used; English fills the gaps."""
    await xx.phone.app.post_init(xx.phone.app)
    commands = xx.telegram.commands
    commands = json.loads(commands) if isinstance(commands, str) else commands
    described = {c["command"]: c["description"] for c in commands}
    assert described["start"] == "xx: anmelden" and described["help"] == "xx: hilfe"
    assert described["stop"] == "Stop some or all messages"  # not translated: the English text
    await enrol_typing(xx.phone, CHAT, treated="heute")
    assert any("23. Nov 2026" in text for text in xx.telegram.texts(CHAT))  # its pattern; CLDR has no "xx" names
    assert xx.store.patient(CHAT).treatment.treatment_date == date(2026, 11, 23)
    await xx.run(DAY1_MORNING)
    first = next(m for m in xx.telegram.chat(CHAT) if m.text == xx.reminders(CHAT)[0])
    assert first.text.startswith("xx: Tag 1.")  # the timeline's short line opens the day's first push
    await xx.phone.tap(CHAT, "More", first)
    assert first.text.startswith("xx: Tag 1, die Haut ist rosa.") and "xx: Sonnencreme, Tag 1." in first.text
    await xx.phone.send(CHAT, "HALT!")
    assert xx.store.preferences(CHAT).stopped == ALL_KINDS


def test_aftercare_preview_shows_the_clinics_own_plan_and_texts(tmp_path, monkeypatch, capsys):
    """`aftercare preview` follows the bot's settings: the clinic's plan from AFTERCARE_PLANS_DIR and its texts
    from AFTERCARE_CATALOG_DIR, so a clinic sees what its patients will get (before, always microneedling)."""
    from bot.tools.cli import main as cli_main
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("AFTERCARE_CLINIC_FILE", clinic_on(tmp_path, "chemical-peel"))
    monkeypatch.setenv("AFTERCARE_PLANS_DIR", str(DATA / "plans"))
    monkeypatch.setenv("AFTERCARE_CATALOG_DIR", str(DATA / "catalog"))
    monkeypatch.setenv("AFTERCARE_DATA_DIR", str(tmp_path / "data"))
    assert cli_main(["preview", "--treated", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "Peel care, day 1: sunscreen SPF 50 before you go out." in out
    assert max(int(line.split("day")[1].split()[0]) for line in out.splitlines()) == 14

"""Invitations (bot/care/invites.py, bot/care/opening.py): a personal link that knows the treatment date, plan and
clinic reference; forged, expired or used ones refused kindly; poster links selecting a plan."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.care.invites import invite_for
from bot.store import open_store
from bot.tools.invite import invite_command
from tests.conftest import (CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, CLINIC_NURSE as NURSE, START,
                            clinic_settings, make_settings, open_phone)
from tests.texts import said, shows

ANA, BOB = 1001, 1002
PLANS = str(Path(__file__).parent / "data" / "plans")
CATALOG = str(Path(__file__).parent / "data" / "catalog")  # the second plan's texts


@pytest.fixture
async def clinic(tmp_path, clock):
    settings = clinic_settings(tmp_path, AFTERCARE_PLANS_DIR=PLANS, AFTERCARE_CATALOG_DIR=CATALOG)
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    yield phone
    await phone.app.shutdown()
    store.close()


def payload_of(phone, treated=date(2026, 11, 20), plan="microneedling", ref="A-1043", days=14, today=None):
    settings = phone.app.bot_data["services"].settings
    payload, _ = invite_for(settings.sealer(), settings.plans_dir, plan, treated, ref, days,
                            today or phone.clock.now().date())
    return payload


async def enrol_invited(phone, chat_id: int, payload: str) -> list:
    """Open the link, agree, and answer only what an invited patient is asked (zone, times, health)."""
    first = await phone.send(chat_id, f"/start {payload}")
    await phone.tap(chat_id, "I agree")
    await phone.send(chat_id, "Use Europe/London")
    await phone.tap(chat_id, "Use 08:00")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "No")
    await phone.tap(chat_id, "Skip")
    return first


async def test_an_invitation_enrols_with_its_date_plan_and_reference(clinic):
    """From the admin's /invite in the clinic chat to an enrolled patient: the date and plan are never asked, the
    plan and date are the invitation's, and the reference is in the patient's record and in their alert."""
    await clinic.feed(clinic.telegram.message(CLINIC, "/invite 2026-11-20 chemical-peel A-1043 10", user_id=ADMIN,
                                              chat_type="supergroup"))
    photo, pdf = clinic.telegram.chat(CLINIC)[-2:]
    assert photo.kind == "photo" and photo.file_bytes.startswith(b"\x89PNG")
    assert pdf.kind == "document" and pdf.file_bytes.startswith(b"%PDF")
    link = next(line for line in photo.text.splitlines() if line.startswith("https://t.me/"))
    payload = link.split("?start=", 1)[1]
    assert len(payload) <= 64 and set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    first = await enrol_invited(clinic, ANA, payload)
    assert shows(first[0].text, "enrol.invite_found", date="20 Nov 2026", plan_title="Chemical peel aftercare")
    texts = clinic.telegram.texts(ANA)
    assert not any(shows(t, "enrol.ask_date") for t in texts)  # the date question never came
    patient = clinic.store.patient(ANA)
    assert patient.enrolled and patient.treatment.treatment_date == date(2026, 11, 20)
    assert patient.treatment.plan == "chemical-peel" and patient.clinic_ref == "A-1043"
    await clinic.send(ANA, "My throat is swelling and I can't breathe")
    alert = next(m for m in reversed(clinic.telegram.chat(CLINIC)) if m.text.startswith("⚠️"))
    assert "clinic ref. A-1043" in alert.text
    assert clinic.store.alerts()[0].clinic_ref == "A-1043"


async def test_a_used_invitation_is_refused_and_the_patient_enrols_normally(clinic):
    """The same link a second time: told it was used, then asked the date like anyone."""
    payload = payload_of(clinic)
    await enrol_invited(clinic, ANA, payload)
    answer = await clinic.send(BOB, f"/start {payload}")
    assert answer[0].text == said("enrol.invite_used")
    await clinic.tap(BOB, "I agree")
    asked = await clinic.send(BOB, "Use Europe/London")
    assert any(shows(m.text, "enrol.ask_date") for m in asked)
    assert clinic.store.patient(BOB).clinic_ref is None and clinic.store.patient(BOB).draft_date is None


async def test_two_patients_opening_one_invitation_only_the_first_to_agree_gets_it(clinic):
    """Both opened the link before either agreed: the second to agree is told, and answers the date."""
    payload = payload_of(clinic)
    await clinic.send(ANA, f"/start {payload}")
    await clinic.send(BOB, f"/start {payload}")
    await clinic.tap(ANA, "I agree")
    told = await clinic.tap(BOB, "I agree")
    assert said("enrol.invite_used") in [m.text for m in told]
    assert clinic.store.patient(ANA).draft_date == date(2026, 11, 20) and clinic.store.patient(BOB).draft_date is None


async def test_an_expired_invitation_is_refused_kindly(clinic):
    """Opened after its days ran out: told so, offered the normal enrolment."""
    payload = payload_of(clinic, days=3, today=START.date() - timedelta(days=5))
    answer = await clinic.send(ANA, f"/start {payload}")
    assert answer[0].text == said("enrol.invite_expired")
    assert shows(answer[1].text, "enrol.welcome", name_part=", Ana")


@pytest.mark.parametrize("change", ["flip", "other_key", "cut"])
async def test_a_forged_invitation_is_refused_kindly(clinic, tmp_path, change):
    """A payload changed by one character, signed with another key, or cut short: refused, nothing taken from it."""
    payload = payload_of(clinic)
    if change == "flip":
        payload = payload[:20] + ("A" if payload[20] != "A" else "B") + payload[21:]
    elif change == "other_key":
        other = make_settings(tmp_path, AFTERCARE_DATA_KEY="Zm9yZ2VkLWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=")
        payload, _ = invite_for(other.sealer(), PLANS, "microneedling", date(2026, 11, 20), "A-1", 14, START.date())
    else:
        payload = payload[:40]
    answer = await clinic.send(ANA, f"/start {payload}")
    assert answer[0].text == said("enrol.invite_forged")
    await clinic.tap(ANA, "I agree")
    assert clinic.store.patient(ANA).draft_date is None and clinic.store.patient(ANA).clinic_ref is None


async def test_a_poster_link_selects_a_plan_and_an_unknown_plan_is_refused(clinic):
    """?start=chemical-peel enrols on that plan; ?start=no-such-plan is refused kindly and uses the clinic's."""
    await clinic.send(ANA, "/start chemical-peel")
    await clinic.tap(ANA, "I agree")
    await clinic.send(ANA, "Use Europe/London")
    for label in ("Today", "Use 08:00", "No", "No", "Skip"):
        await clinic.tap(ANA, label)
    assert clinic.store.patient(ANA).treatment.plan == "chemical-peel"
    answer = await clinic.send(BOB, "/start no-such-plan")
    assert answer[0].text == said("enrol.unknown_plan")
    await clinic.send(BOB, "/start microneedling")  # the plain poster link still works as always
    assert shows(clinic.telegram.last(BOB).text, "enrol.welcome", name_part=", Ana")


async def test_only_admins_make_invitations_in_the_clinic_chat(clinic):
    """A nurse on the staff list (not an admin) and a stranger are refused; a bad command gets its usage."""
    for user in (NURSE, 6060):
        await clinic.feed(clinic.telegram.message(CLINIC, "/invite 2026-11-20 microneedling", user_id=user,
                                                  chat_type="supergroup"))
        assert clinic.telegram.last(CLINIC).text == said("staff.invite_admins_only")
    await clinic.feed(clinic.telegram.message(CLINIC, "/invite tomorrow", user_id=ADMIN, chat_type="supergroup"))
    assert clinic.telegram.last(CLINIC).text == said("staff.invite_usage")
    await clinic.feed(clinic.telegram.message(CLINIC, "/invite 2026-11-20 nope", user_id=ADMIN, chat_type="supergroup"))
    assert shows(clinic.telegram.last(CLINIC).text, "staff.invite_refused")


def test_the_invite_command_prints_the_link_and_writes_owner_only_files(tmp_path, capsys):
    """`aftercare invite` prints the deep link and writes the QR PNG and the PDF, readable by their owner only;
    a bad reference exits 2 with the reason."""
    environ = {"AFTERCARE_DATA_DIR": str(tmp_path), "AFTERCARE_DATA_KEY": "qsXcIYk2F4w3Mb1pTzDaNNV6O6Csa8bkDPcUaJ4pRw0="}
    out, err = io.StringIO(), io.StringIO()
    code = invite_command(environ, ["--date", "2026-11-20", "--plan", "microneedling", "--ref", "A-1043",
                                    "--bot", "clinic_bot", "--out", str(tmp_path / "desk")], out=out, err=err,
                          today=START.date())
    assert code == 0, err.getvalue()
    link = out.getvalue().splitlines()[0]
    assert link.startswith("https://t.me/clinic_bot?start=i")
    files = sorted((tmp_path / "desk").iterdir())
    assert [f.suffix for f in files] == [".pdf", ".png"]
    assert all(os.stat(f).st_mode & 0o777 == 0o600 for f in files)
    assert files[0].read_bytes().startswith(b"%PDF") and files[1].read_bytes().startswith(b"\x89PNG")
    bad = invite_command(environ, ["--date", "2026-11-20", "--plan", "microneedling", "--ref", "Ana Smith",
                                   "--bot", "b"], out=out, err=err, today=START.date())
    assert bad == 2 and "clinic reference" in err.getvalue()

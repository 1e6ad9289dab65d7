"""`aftercare setup` driven end to end by a scripted operator against the fake Bot API over HTTP, and the
running bot's /clinicid and /myid, answered only while no clinic chat is configured."""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

import pytest
import segno

from bot.clinic_profile import load_clinic
from bot.config import environment_with_dotenv, read_dotenv
from bot.tools.poster import ERROR_LEVEL
from bot.tools.setup import Console, setup_command
from schedules.opening import format_hours
from tests.conftest import make_settings, open_phone
from tests.doubles.bot_api_server import FakeBotServer
from tests.texts import said, shows

GROUP, ADMIN, OTHER_ADMIN, PATIENT = -1005550001, 4242, 4343, 1001
WRONG_TOKEN = "123456:WRONG-token_abcdefghijklmnopqrstu"
OUT_OF_HOURS = "If we are closed, call the Harbour out-of-hours line on +353 1 555 0199."
# The profile step answered with the clinic's name, phone and out-of-hours line, every default kept, and Germany.
PROFILE = ["Harbour Skin Clinic", "+353 1 555 0142", OUT_OF_HOURS, "", "", "", "", "", "", "", "Germany"]
OPERATOR: list = [None]  # the operator of the set-up now running (its callables read the printed codes)


def printed_code(command: str) -> str:
    """The one-time code the running set-up printed for ``command``."""
    return OPERATOR[0].code(command)


class Operator:
    """The person at the terminal: answers in order; a callable answer first does something in Telegram (it may
    read what set-up printed so far, ``operator.printed``)."""

    def __init__(self, answers: list, out: io.StringIO) -> None:
        self.answers, self.prompts, self.out = list(answers), [], out

    @property
    def printed(self) -> str:
        return self.out.getvalue()

    def code(self, command: str) -> str:
        """The one-time code set-up printed last for ``command`` ("send /myid 4821")."""
        return re.findall(rf"{command} (\d{{4}})", self.printed)[-1]

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        assert self.answers, f"an unexpected question: {prompt}"
        answer = self.answers.pop(0)
        return answer() if callable(answer) else answer


def run_setup(server: FakeBotServer, answers: list) -> tuple[int, str, Operator]:
    out = io.StringIO()
    operator = Operator(answers, out)
    OPERATOR[0] = operator
    environ = environment_with_dotenv({"TELEGRAM_API_URL": server.url})  # as `aftercare` reads it: .env below
    code = setup_command(environ, [], Console(ask=operator, out=out))
    assert operator.answers == [], f"questions not asked: {operator.answers}"
    return code, out.getvalue(), operator


def qr_matrix_in(png: Path, size: int) -> list[list[int]]:
    """Read the QR code's modules back from the poster's pixels (found by its top-left finder pattern)."""
    import matplotlib.image
    dark = matplotlib.image.imread(png)[:, :, :3].mean(axis=2) < 0.5
    for y, row in enumerate(dark):
        runs, x = [], 0
        while x < len(row):  # (value, start, length) of each run of equal pixels
            end = x
            while end < len(row) and row[end] == row[x]:
                end += 1
            runs.append((bool(row[x]), x, end - x))
            x = end
        for i in range(len(runs) - 4):  # dark:light:dark:light:dark = 1:1:3:1:1, the finder's middle rows
            window = runs[i:i + 5]
            unit = window[0][2]
            if window[0][0] and unit >= 3 and [r[2] for r in window] == [unit, unit, 3 * unit, unit, unit]:
                top, left = y - 2 * unit, window[0][1]
                return [[int(dark[top + r * unit + unit // 2, left + c * unit + unit // 2]) for c in range(size)]
                        for r in range(size)]
    raise AssertionError("no QR finder pattern in the poster")


@pytest.fixture
def server():
    with FakeBotServer() as fake:
        yield fake


@pytest.mark.process
def test_setup_takes_a_new_clinic_live(server, tmp_path, monkeypatch):
    """From nothing: the token is checked before it is saved, the profile written, the staff chat and the
    admins found by /clinicid and /myid (answered in their chats), and a QR poster of the patient link made."""
    monkeypatch.chdir(tmp_path)

    def clinicid_sent():
        server.send(GROUP, f"/clinicid@aftercare_test_bot {printed_code('/clinicid')}", chat_type="group",
                    user_id=ADMIN, first_name="Mo")
        server.send(PATIENT, "/start")  # a patient who found the bot early: left for the bot to answer
        return ""

    def myid_sent():
        server.send(ADMIN, f"/myid {printed_code('/myid')}", first_name="Mo")
        server.send(GROUP, f"/myid {printed_code('/myid')}", chat_type="group", user_id=OTHER_ADMIN, first_name="Lu")
        return ""

    def good_token():
        assert not (tmp_path / ".env").exists(), "a token was saved before Telegram accepted it"
        return server.token

    code, out, operator = run_setup(server, [
        "not a token", WRONG_TOKEN, good_token,                                # 1. token
        "Harbour Skin Clinic", "+44 20 7946 0000", "+353 1 555 0142",          # 2. name, phone (x2),
        "", OUT_OF_HOURS,                                                      #    out of hours (no example default)
        "112", "Mars/Olympus", "Europe/Dublin", "", "21:30-07:30",             #    emergency, zone (x2), times, quiet
        "9-17", "09:00-17:30", "10:00-14:00", "closed", "",                    #    hours (x2), Sat, Sun; country
        "", clinicid_sent, "",                                                 # 3. Enter too early, then sent; yes
        myid_sent, "y",                                                        # 4. admins; yes
    ])
    assert code == 0, out
    assert "does not look like a bot token" in out and "Telegram rejected this token" in out
    assert "fictional number" in out and "not a known time zone" in out
    assert server.token not in out and WRONG_TOKEN not in out
    assert [p for m, p in server.calls() if m == "getMe"]  # the token was checked with Telegram

    env = read_dotenv(tmp_path / ".env")
    assert env["TELEGRAM_BOT_TOKEN"] == server.token  # only the accepted token was ever saved
    assert env["AFTERCARE_CLINIC_CHAT_ID"] == str(GROUP) and env["AFTERCARE_ADMIN_IDS"] == f"{ADMIN},{OTHER_ADMIN}"
    assert stat.S_IMODE(os.stat(tmp_path / ".env").st_mode) == 0o600
    assert (tmp_path / env["AFTERCARE_DATA_KEY_FILE"]).exists()
    clinic = load_clinic(tmp_path / env["AFTERCARE_CLINIC_FILE"])
    assert (clinic.name, clinic.phone, clinic.out_of_hours, clinic.emergency_number, clinic.timezone) == \
        ("Harbour Skin Clinic", "+353 1 555 0142", OUT_OF_HOURS, "112", "Europe/Dublin")
    assert (str(clinic.quiet_start), str(clinic.quiet_end), str(clinic.morning)) == ("21:30:00", "07:30:00", "08:00:00")
    assert "'9' is not a time like" in out  # the hours asked again with the reason
    assert [format_hours(day) for day in clinic.hours.week] == ["09:00-17:30"] * 5 + ["10:00-14:00", "closed"]
    assert (clinic.hours.country, clinic.hours_set) == ("IE", True)  # offered from the zone, Europe/Dublin

    assert said("setup.clinicid", chat_id=GROUP) in server.texts(GROUP)[0]
    assert said("setup.myid", user_id=ADMIN) in server.texts(ADMIN)[0]
    assert said("setup.myid", user_id=OTHER_ADMIN) in server.texts(GROUP)[1]
    assert server.texts(PATIENT) == [] and server.pending_updates() == 3  # the patient's /start still waits

    link = "https://t.me/aftercare_test_bot?start=microneedling"
    assert link in out
    png, pdf = tmp_path / "aftercare-poster.png", tmp_path / "aftercare-poster.pdf"
    expected = segno.make_qr(link, error=ERROR_LEVEL)
    assert qr_matrix_in(png, len(expected.matrix)) == [list(row) for row in expected.matrix]
    assert expected.designator.endswith("-M") and segno.make(link, error="m", micro=False).matrix == expected.matrix
    assert b"Harbour Skin Clinic" in png.read_bytes() and pdf.read_bytes().startswith(b"%PDF")
    assert b"Harbour Skin Clinic" in pdf.read_bytes()


@pytest.mark.process
def test_setup_again_keeps_everything_on_enter(server, tmp_path, monkeypatch):
    """Re-running setup with every answer Enter keeps the token, profile, chat and admins as they were."""
    monkeypatch.chdir(tmp_path)
    first = run_setup(server, [server.token, *PROFILE, str(GROUP), str(ADMIN)])
    assert first[0] == 0, first[1]
    before = ((tmp_path / ".env").read_text(), (tmp_path / "clinic.toml").read_text())
    code, out, operator = run_setup(server, [""] * 13)
    assert code == 0, out
    assert ((tmp_path / ".env").read_text(), (tmp_path / "clinic.toml").read_text()) == before
    assert not any("Paste the token" in prompt for prompt in operator.prompts)


@pytest.mark.process
def test_a_strangers_clinicid_and_myid_without_the_code_are_named_and_skipped(server, tmp_path, monkeypatch):
    """While set-up waits, a stranger's group sends /clinicid and a stranger sends /myid (bare, with a guessed
    code, and one sent before set-up printed its code): none is offered or saved, each is named as skipped
    and left unanswered; the clinic's own group and admin, with the printed codes, are taken."""
    monkeypatch.chdir(tmp_path)
    stranger_group, stranger = -1009990001, 6666
    server.send(stranger, "/myid 1234", first_name="Eve")  # before set-up printed any code

    def clinicid_sent():
        server.send(stranger_group, "/clinicid", chat_type="group", user_id=stranger, first_name="Eve")
        wrong = "0000" if printed_code("/clinicid") != "0000" else "1111"
        server.send(stranger_group, f"/clinicid {wrong}", chat_type="group", user_id=stranger, first_name="Eve")
        server.send(GROUP, f"/clinicid {printed_code('/clinicid')}", chat_type="group", user_id=ADMIN,
                    first_name="Mo")
        server.send(stranger_group, "/clinicid", chat_type="group", user_id=stranger, first_name="Eve")
        return ""

    def myid_sent():
        server.send(ADMIN, f"/myid {printed_code('/myid')}", first_name="Mo")
        server.send(stranger, "/myid", first_name="Eve")
        return ""

    code, out, operator = run_setup(server, [server.token, *PROFILE, clinicid_sent, "y", myid_sent, "y"])
    assert code == 0, out
    env = read_dotenv(tmp_path / ".env")
    assert env["AFTERCARE_CLINIC_CHAT_ID"] == str(GROUP) and env["AFTERCARE_ADMIN_IDS"] == str(ADMIN)
    assert out.count(f"Skipped: /clinicid from Eve ({stranger}) in the group") == 3
    assert out.count(f"Skipped: /myid from Eve ({stranger}) in a private chat") == 2
    offers = [prompt for prompt in operator.prompts if "Use it as" in prompt or "Make them" in prompt]
    assert len(offers) == 2 and not any(str(stranger_group) in p or "Eve" in p for p in offers)
    assert server.texts(stranger_group) == [] and server.texts(stranger) == []


@pytest.mark.process
def test_a_backlog_of_120_messages_does_not_hide_the_operators_fresh_commands(server, tmp_path, monkeypatch):
    """With 120 messages waiting for a bot that has no database yet, set-up reads the newest ones, says it dropped
    the older, and finds the admin's fresh /clinicid and /myid; on a bot that has run (patients may be waiting), it
    takes the backlog from Telegram batch by batch, keeps every message sealed for the bot, and finds them too."""
    monkeypatch.chdir(tmp_path)
    for sender in range(120):
        server.send(7000 + sender, "hello?")

    def clinicid_sent():
        server.send(GROUP, f"/clinicid {printed_code('/clinicid')}", chat_type="group", user_id=ADMIN, first_name="Mo")
        return ""

    def myid_sent():
        server.send(ADMIN, f"/myid {printed_code('/myid')}", first_name="Mo")
        return ""

    code, out, _ = run_setup(server, [server.token, *PROFILE, clinicid_sent, "y", myid_sent, "y"])
    assert code == 0, out
    env = read_dotenv(tmp_path / ".env")
    assert env["AFTERCARE_CLINIC_CHAT_ID"] == str(GROUP) and env["AFTERCARE_ADMIN_IDS"] == str(ADMIN)
    assert out.count("set-up read the newest 100 and dropped the older ones") == 1

    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "aftercare.db").write_bytes(b"")  # a bot that has run: patients may be waiting
    for sender in range(120):
        server.send(8000 + sender, "hello again?")
    waiting = server.pending_updates()
    code, out, _ = run_setup(server, [""] * 11 + ["n", clinicid_sent, "y", "n", myid_sent, "y"])  # fresh codes
    assert code == 0, out
    env = read_dotenv(tmp_path / ".env")
    assert env["AFTERCARE_CLINIC_CHAT_ID"] == str(GROUP) and env["AFTERCARE_ADMIN_IDS"] == str(ADMIN)
    kept_file = tmp_path / "data" / "kept-updates.sealed"
    assert stat.S_IMODE(os.stat(kept_file).st_mode) == 0o600 and b"hello" not in kept_file.read_bytes()
    assert server.pending_updates() < waiting - 150  # taken from Telegram, and kept
    from bot.store import kept_updates
    settings = make_settings(tmp_path, AFTERCARE_DATA_DIR=str(tmp_path / "data"), AFTERCARE_DATA_KEY="",
                             AFTERCARE_DATA_KEY_FILE=str(tmp_path / env["AFTERCARE_DATA_KEY_FILE"]))
    kept = kept_updates.take(settings.data_dir, settings.sealer(), remove=False)
    assert len(kept) > 190 and {u["message"]["text"] for u in kept} == {"hello?", "hello again?"}
    assert f"keeps {len(kept)} of them, sealed, for the bot to answer when it starts" in out


async def test_updates_kept_by_setup_are_answered_when_the_bot_starts(tmp_path, clock):
    """A patient's /start that set-up had to take from Telegram (kept sealed) is put on the bot's update queue at
    start-up and answered; the kept file is gone."""
    from bot.store import kept_updates
    from bot.store import open_store
    from bot.tools.simulated_telegram import FakeTelegram
    telegram = FakeTelegram()
    settings = make_settings(tmp_path)
    kept_updates.keep(settings.data_dir, settings.sealer(), [telegram.message(PATIENT, "/start")])
    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock, telegram)
    try:
        await phone.app.post_init(phone.app)
        assert not kept_updates.path_of(settings.data_dir).exists()
        await phone.app.process_update(phone.app.update_queue.get_nowait())
        assert telegram.texts(PATIENT) and "Do you agree?" in telegram.texts(PATIENT)[-1]
    finally:
        await phone.app.shutdown()
        store.close()


@pytest.mark.process
def test_setup_without_a_token_saves_nothing(server, tmp_path, monkeypatch):
    """No token given: setup stops, writes no .env, and says how to come back."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_setup(server, [""])
    assert code == 3 and "No token" in out and not (tmp_path / ".env").exists()


@pytest.mark.parametrize("configured", [False, True])
async def test_clinicid_and_myid_only_while_no_clinic_chat_is_set(tmp_path, store, clock, configured):
    """The running bot answers /clinicid in any group and /myid anywhere until a clinic chat is configured;
    afterwards other groups get the usual refusal and /myid is an unknown command."""
    settings = make_settings(tmp_path, **({"AFTERCARE_CLINIC_CHAT_ID": str(GROUP)} if configured else {}))
    phone = await open_phone(settings, store, clock)
    try:
        other_group = GROUP - 1
        in_group = await phone.send(other_group, "/clinicid", chat_type="group", user_id=ADMIN)
        mine = await phone.send(ADMIN, "/myid")
        in_private = await phone.send(PATIENT, "/clinicid")
    finally:
        await phone.app.shutdown()
    texts = [m.text for m in in_group + mine + in_private]
    if configured:
        assert not any(shows(text, "setup.clinicid") or shows(text, "setup.myid") for text in texts)
        assert in_group[0].text == said("common.group_refusal") and mine[0].text == said("common.unknown_command")
    else:
        assert said("setup.clinicid", chat_id=other_group) in in_group[0].text
        assert said("setup.myid", user_id=ADMIN) in mine[0].text
        assert shows(in_private[0].text, "setup.clinicid_private")
    assert store.patient(ADMIN) is None  # nothing is stored for either


@pytest.mark.process
def test_setup_replaces_a_malformed_saved_token(server, tmp_path, monkeypatch):
    """A malformed token in .env is named and replaced by a checked one (it does not stop setup)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=oops pasted twice\n", encoding="utf-8")
    code, out, _ = run_setup(server, [server.token, "Harbour Skin Clinic", "+353 1 555 0142", OUT_OF_HOURS, "", "",
                                      "", "", "", "", "", "", "skip", "skip"])
    assert code == 1 and "does not look like a bot token" in out and "oops" not in out
    assert read_dotenv(tmp_path / ".env")["TELEGRAM_BOT_TOKEN"] == server.token
    assert "no clinic chat is set" in out and "no admins are set" in out  # what is still missing is named


@pytest.mark.process
def test_setup_refuses_reminder_defaults_inside_the_quiet_hours_and_saves_a_whole_sentence(server, tmp_path,
                                                                                           monkeypatch):
    """An evening default of 22:30 inside quiet hours 22:00-07:00 is refused with the fix and both are asked
    again; out-of-hours advice typed as the end of a sentence is saved as a whole one."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_setup(server, [
        server.token, "Harbour Skin Clinic", "+353 1 555 0142", "call NHS 111 or go to A&E", "", "",
        "08:00 13:00 22:30", "",          # refused: 22:30 is inside 22:00-07:00
        "08:00 13:00 21:00", "",          # asked again, accepted
        "", "", "", "", "skip", "skip"])
    assert code == 1, out
    assert ("Refused: the evening reminder default 22:30 falls inside the quiet hours 22:00-07:00: move it out "
            "of them") in out
    assert "Saved as a sentence: Call NHS 111 or go to A&E." in out
    clinic = load_clinic(tmp_path / "clinic.toml")
    assert (str(clinic.evening), clinic.out_of_hours) == ("21:00:00", "Call NHS 111 or go to A&E.")


@pytest.mark.process
def test_setup_reads_the_clinic_zone_from_a_city_and_refuses_a_fixed_offset(server, tmp_path, monkeypatch):
    """"GMT" and "UTC+1" are refused with the reason (no summer time) and the city zones to use; "europe/london"
    is suggested by name and "Manchester" (a city, from GeoNames) becomes Europe/London."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_setup(server, [
        server.token, "Harbour Skin Clinic", "+353 1 555 0142", OUT_OF_HOURS, "",
        "GMT", "UTC+1", "europe/londn", "Manchester", "", "", "", "", "", "", "skip", "skip"])
    assert code == 1, out
    assert "GMT keeps the same clock all year (no summer time)" in out and "such as Europe/London" in out
    assert "UTC+1 keeps the same clock all year (no summer time)" in out and "Europe/Berlin" in out
    assert "did you mean Europe/London?" in out and "Time zone: Europe/London" in out
    assert load_clinic(tmp_path / "clinic.toml").timezone == "Europe/London"
    assert load_clinic(tmp_path / "clinic.toml").hours.country == "GB"  # the example's, kept: the zone is the same

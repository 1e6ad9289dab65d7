"""`aftercare demo`: the real bot in a terminal with a fake Telegram and time travel; the transcript in docs/demo.md."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

import tasks
from bot.tools.cli import main as cli_main
from bot.crypto import Sealer
from bot.tools.demo import PATIENT_CHAT, demo_command, parse_skip, run_demo
from bot.runtime import acquire_instance_lock
from bot.store import open_store
from tests.conftest import START
from tests.texts import said, shows

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = ROOT / "demo" / "walkthrough.txt"
START_ISO = "2026-11-23T09:00:00+00:00"


def walkthrough() -> list[str]:
    return WALKTHROUGH.read_text(encoding="utf-8").splitlines()


def enrolment() -> list[str]:
    """The walkthrough's lines up to its first time skip: Ana enrols with buttons."""
    lines = walkthrough()
    return lines[:next(i for i, line in enumerate(lines) if line.startswith(":skip"))]


async def transcript(lines, tmp_path: Path, data_dir: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_demo(lines, out, data_dir, tmp_path / "files", START)
    return code, out.getvalue()


def kept_store(data_dir: Path):
    """Open a kept demo database with the key the demo left beside it."""
    key = data_dir.with_name(data_dir.name + ".key").read_text(encoding="ascii").strip()
    return open_store(data_dir / "aftercare.db", Sealer(key))


def docs_transcript(name: str = "demo") -> str:
    """The transcript between docs/demo.md's ``<name>-transcript`` markers."""
    page = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name}-transcript:start -->\n```text\n(.*?)```\n<!-- {name}-transcript:end -->", page,
                      re.DOTALL)
    assert block, f"docs/demo.md lost its {name}-transcript markers"
    return block.group(1)


async def test_docs_transcript_is_what_the_walkthrough_prints(tmp_path):
    """The transcript in docs/demo.md is exactly what demo/walkthrough.txt prints from the fixed start instant."""
    code, text = await transcript(walkthrough(), tmp_path)
    assert code == 0
    assert docs_transcript() == text


async def test_walkthrough_enrols_triages_saves_the_chart_and_exits_cleanly(tmp_path):
    """The walkthrough enrols with buttons, gets contact_provider with its reason, saves the chart and exits 0."""
    data = tmp_path / "data"
    code, text = await transcript(walkthrough(), tmp_path, data)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    assert shows(text, "enrol.summary", zone="Europe/London") and said("enrol.zone_set", zone="Europe/London") in text
    assert said("checkin.because", answers=said(
        "answers.severity", level=said("answers.level_severe"), item=said("answers.item_pain"))) in text
    assert "bot> " + said("triage.level_contact_provider") in text
    assert "saved photo-1.png" in text and str(tmp_path) not in text
    assert "you> can I wear make-up tomorrow?\nbot> " + said("questions.makeup_ok") in text  # a question answered
    assert "[chat -100100] bot> ✉️ Message from Ana, patient no. 1 (day 1):\n     The burning is easing now." in text  # relayed
    assert "bot> " + said("clinic.from_clinic", text="Yes Ana, keep using it") in text  # the nurse's reply reached her
    assert "bot> " + said("clinic.alerted") in text
    assert (tmp_path / "files" / "photo-1.png").read_bytes().startswith(b"\x89PNG")
    after_stop = text.split("you> /stop", 1)[1].split("you> :skip 1d", 1)[1]
    assert "\nbot>" not in after_stop  # /stop → Everything: the next day brings her nothing (staff get their worklist)
    with acquire_instance_lock(data):  # released: the demo shut down
        store = kept_store(data)
        try:
            patient = store.patient(PATIENT_CHAT)
            assert patient.enrolled and patient.display_name == "Ana"
            (verdict,) = [v for v in store.verdicts(PATIENT_CHAT, patient.treatment.id) if v.day == 1]
            assert verdict.level == "contact_provider"
            assert "C10" in [r["rule"] for r in verdict.reasons] and "pain:severe" in verdict.tokens
        finally:
            store.close()


EXPECTED_THREE_DAYS = [
    ("Mon 23 Nov 2026 21:00", ["Day 0:", "This evening", "Day 0 check-in"]),  # day 0's first push, the prompt apart
    ("Mon 23 Nov 2026 21:45", ["today's check-in: it takes under a minute"]),
    ("Tue 24 Nov 2026 08:00", ["Day 1:", "Good morning", "SPF 30+", "no make-up today"]),
    ("Tue 24 Nov 2026 13:00", ["Midday: re-apply SPF"]),  # the timeline line at most once a day
    ("Tue 24 Nov 2026 21:00", ["This evening", "Day 1 check-in"]),  # no re-prompt: 3 pushes a day in week 1
    ("Wed 25 Nov 2026 08:00", ["Day 2:", "Good morning", "SPF 30+"]),
    ("Wed 25 Nov 2026 13:00", ["Midday: re-apply SPF"]),
    ("Wed 25 Nov 2026 21:00", ["This evening", "Day 2 check-in"]),
    ("Thu 26 Nov 2026 08:00", ["Day 3:", "Good morning", "SPF 30+"]),
]


async def test_skipping_three_days_delivers_each_reminder_in_order_at_its_instant(tmp_path):
    """:skip 3d after enrolling delivers every reminder and check-in prompt of the three days, in due order."""
    data = tmp_path / "data"
    code, text = await transcript(enrolment() + [":skip 3d"], tmp_path, data)
    assert code == 0
    blocks = re.split(r"^  ⏰ ", text.split("you> :skip 3d\n", 1)[1], flags=re.MULTILINE)[1:]
    blocks = [b for b in blocks if "\nbot> " in b]  # the patient's (the clinic's daily worklist is [chat ...] only)
    assert [block[:21] for block in blocks] == [when for when, _ in EXPECTED_THREE_DAYS]
    for block, (when, phrases) in zip(blocks, EXPECTED_THREE_DAYS):
        positions = [block.find(phrase) for phrase in phrases]
        assert -1 not in positions and positions == sorted(positions), (when, phrases)
        patient = block.count("\nbot> ") + block.startswith("bot> ")  # the patient's chat; the clinic's is [chat ...]
        assert patient == (2 if "check-in:" in block and "This evening" in block else 1)  # the prompt apart
    assert "\n     (now Thu 26 Nov 2026 09:00 Europe/London, day 3 since treatment)\n" in text.split("you> :skip 3d", 1)[1]
    store = kept_store(data)
    try:
        sent = sorted({row.due_at for row in store.deliveries(PATIENT_CHAT) if row.state == "sent"})
        assert [f"{when:%a %d %b %Y %H:%M}" for when in sent] == [when for when, _ in EXPECTED_THREE_DAYS]
        assert store.next_due_at() > START + timedelta(days=3)
    finally:
        store.close()


async def test_day_four_severe_redness_gives_contact_provider_with_its_reason(tmp_path):
    """Severe redness at a day-4 check-in is triaged contact_provider, naming the answer that led there."""
    # No, Better, redness Severe, swelling None, pain Mild, itching None, None of these (one tap), no fever
    answers = ["/checkin", "2", "1", "4", "1", "2", "1", "14", "2"]
    code, text = await transcript(enrolment() + [":skip 4d", *answers], tmp_path)
    assert code == 0
    advice = next(part for part in text.split("bot> ") if part.startswith("Please contact Example Skin Clinic"))
    assert said("checkin.because", answers=said(
        "answers.severity", level=said("answers.level_severe"), item=said("answers.item_redness"))) in advice


async def test_buttons_reply_keyboard_location_and_demo_commands(tmp_path):
    """Typed numbers tap buttons (the location button shares one), and :now, :help and bad input are answered."""
    lines = ["/start", "1", "1", "1", "9", ":now", ":skip soon", ":help", ":nope", ":quit", "/help"]
    code, text = await transcript(lines, tmp_path)
    assert code == 0
    assert "↳ " + said("enrol.zone_share") in text and "bot> " + said("enrol.zone_set", zone="Europe/London") in text
    assert "(there is no button 9; 1 to 1 on the latest message)" in text
    assert "Mon 23 Nov 2026 09:00 Europe/London" in text.split("you> :now", 1)[1]
    assert "(say how far" in text and ":skip 1d   move the clock" in text and "unknown demo command :nope" in text
    assert "you> /help" not in text  # :quit ended the demo


@pytest.mark.parametrize("text, delta", [
    ("1d", timedelta(days=1)), ("8h", timedelta(hours=8)), ("30m", timedelta(minutes=30)),
    ("2d12h", timedelta(days=2, hours=12)), ("0d", None), ("soon", None), ("", None), ("1w", None),
])
def test_parse_skip(text, delta):
    """:skip takes days, hours and minutes, alone or combined, and nothing else."""
    assert parse_skip(text) == delta


def test_interactive_mode_reads_the_keyboard(tmp_path):
    """Without --script the demo prompts `you>` and reads stdin until :quit or end of input."""
    out = io.StringIO()
    code = demo_command(["--start", START_ISO, "--files", str(tmp_path / "files")], out=out,
                        inp=io.StringIO("/start\n1\n:now\n"), environ={})
    assert code == 0
    text = out.getvalue()
    assert "you> /start\nbot> " + said("enrol.welcome", name_part=", Ana").splitlines()[0] in text
    assert "↳ " + said("enrol.consent_yes") in text
    assert text.rstrip().endswith("(demo over)")


def test_aftercare_demo_command_runs_the_script(tmp_path, capsys):
    """`aftercare demo --script FILE --start ISO` prints the same transcript as docs/demo.md's."""
    code = cli_main(["demo", "--script", str(WALKTHROUGH), "--start", START_ISO, "--files", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0 and captured.out == docs_transcript()
    assert str(tmp_path) in captured.err and (tmp_path / "photo-1.png").exists()


def test_demo_command_refuses_a_missing_script_and_a_naive_start(tmp_path, capsys):
    """A script that cannot be read exits 2 naming it; a start without an offset is refused by argparse."""
    assert demo_command(["--script", str(tmp_path / "nope.txt")], out=io.StringIO(), environ={}) == 2
    assert "nope.txt" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        demo_command(["--start", "2026-11-23T09:00"], out=io.StringIO(), environ={})


def test_tasks_run_without_token_points_to_botfather_and_the_demo(tmp_path, monkeypatch):
    """`python3 tasks.py run` without a token says how to get one from @BotFather and points to the demo."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(tasks, "ENV_FILE", tmp_path / ".env")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as stopped:
        tasks.first_start()
    assert "@BotFather" in str(stopped.value.code) and "python3 tasks.py demo" in str(stopped.value.code)


def test_tasks_demo_runs_aftercare_demo_with_the_extra_arguments(monkeypatch):
    """`python3 tasks.py demo ARGS` sets up the environment without the test extra and runs `aftercare demo ARGS`."""
    calls = []
    monkeypatch.setattr(tasks, "ensure_venv", lambda extra: calls.append(("venv", extra)))
    monkeypatch.setattr(tasks.subprocess, "call", lambda command: calls.append(("call", command)) or 0)
    monkeypatch.chdir(ROOT)
    assert tasks.main(["demo", "--script", "demo/walkthrough.txt"]) == 0
    assert calls == [("venv", None), ("call", [str(tasks.PYTHON), "-m", "bot.tools.cli", "demo", "--script",
                                                "demo/walkthrough.txt"])]



async def test_a_second_run_on_a_kept_folder_still_answers(tmp_path):
    """A kept demo database remembers the update ids it handled; the next run's updates are new ones."""
    data = tmp_path / "data"
    assert (await transcript(enrolment(), tmp_path, data))[0] == 0
    code, text = await transcript(["/start"], tmp_path, data)
    assert code == 0 and "you> /start\nbot> " in text and shows(text, "enrol.already_enrolled")


# ---- demo/typed.txt: every case of the typed-text issue, as a patient sends it ------------------------------
TYPED = ROOT / "demo" / "typed.txt"


def reply_to(text: str, line: str) -> str:
    """What the demo printed after the patient's ``line`` (the bot and the clinic chat), up to the next line."""
    assert f"you> {line}\n" in text, line
    return text.split(f"you> {line}\n", 1)[1].split("\nyou> ", 1)[0]


async def test_docs_typed_transcript_is_what_the_typed_walkthrough_prints(tmp_path):
    """The second transcript in docs/demo.md is exactly what demo/typed.txt prints from the fixed start instant."""
    code, text = await transcript(TYPED.read_text(encoding="utf-8").splitlines(), tmp_path)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    assert docs_transcript("typed") == text


def first_line(key: str, **values) -> str:
    """The first line of a catalog text (the demo indents the lines after it)."""
    return said(key, **values).strip().split("\n")[0]


URGENT_ADVICE = first_line("triage.level_urgent")
EMERGENCY_LINE = first_line("common.emergency_line")
ZONE_QUESTION = first_line("enrol.ask_zone", clinic_zone="Europe/London")

# Each quoted case of the issue: the patient's line, what the reply must hold, what it must not.
TYPED_CASES = [
    ("yes i agre", [ZONE_QUESTION], [first_line("enrol.consent_hint")]),
    ("is this normal? my face is really red and hot", [first_line("timeline.day_0")],
     [first_line("questions.unknown")]),
    ("can I use hyaluronic acid serum?", [EMERGENCY_LINE], [first_line("questions.actives_wait")]),
    ("I need to run to the pharmacy", [EMERGENCY_LINE], [first_line("questions.exercise_wait")]),
    ("should I drink lots of water?", [EMERGENCY_LINE], [first_line("questions.washing_today")]),
    ("my lips feel a bit funny", [first_line("checkin.q_safety")], []),
    ("No I'm fine", ["Question 2"], [first_line("checkin.q_safety"), "couldn't take that"]),
    ("no dear", ["Question 3"], ["couldn't take that"]),
    ("I have fiver and my face is hot", [URGENT_ADVICE, "URGENT (today)", "U10 (fever)"], []),
    (":photo my lips have swollen up massively",
     [first_line("control.media_photo"), URGENT_ADVICE, "U10 (lip swelling)"], []),
    (":quick thanks for the tips | also my chin has yellow crusts", ["yellow crusts on the treated skin?"], []),
    ("my throat feels kinda odd", [first_line("checkin.q_safety")], [first_line("checkin.ask_later")]),
    ("No nothing like that", ["yellow crusts on the treated skin?"], ["couldn't take that"]),
    ("can I wear makeup now? my cheeks are still red though",
     ["is the treated skin still red?", first_line("questions.makeup_ok")], []),
    (":edit thanks, all good otherwise, but I have little bubbles of fluid on my chin",
     [URGENT_ADVICE, "U10 (blisters)"], [first_line("control.edited")]),
    ("/clinic my throat feels tight",
     ["Message from Ana", first_line("clinic.relayed"), "EMERGENCY: Ana", "E4 (tongue throat swelling)"], []),
    (":ack", [first_line("clinic.acknowledged_emergency")], []),
    (":reply yes breathing is fine, the tightness is going",
     ["[chat -100100] bot> ✉️ Message from Ana", "yes breathing is fine"], []),
    ("that bill was hard to swallow, sorry for the confusion", [EMERGENCY_LINE], ["EMERGENCY", "Call 999 now"]),
    ("I have a dark spot on my cheek", [first_line("checkin.ask_later")], [first_line("questions.pimples")]),
    ("yes please", [first_line("control.resumed")], []),
    ("Yes I agree to that", [ZONE_QUESTION], [first_line("enrol.consent_hint")]),
]


@pytest.fixture(scope="module")
def typed_walkthrough(tmp_path_factory):
    import asyncio
    tmp = tmp_path_factory.mktemp("typed")
    return asyncio.run(transcript(TYPED.read_text(encoding="utf-8").splitlines(), tmp))[1]


@pytest.mark.parametrize("line, holds, lacks", TYPED_CASES, ids=[c[0][:40] for c in TYPED_CASES])
def test_every_quoted_case_gets_a_fitting_reply_in_the_demo(typed_walkthrough, line, holds, lacks):
    """Each case the typed-text issue quotes, sent as a patient would in demo/typed.txt, gets a fitting reply."""
    reply = reply_to(typed_walkthrough, line)
    for text in holds:
        assert text in reply, (line, text)
    for text in lacks:
        assert text not in reply, (line, text)


# ---- demo/clinic.txt: the clinic's side, an invitation to a resolved alert -----------------------------------
CLINIC_SCRIPT = ROOT / "demo" / "clinic.txt"


async def test_the_clinic_walkthrough_enrols_from_an_invitation_and_closes_an_alert(tmp_path):
    """demo/clinic.txt: the nurse's /invite, Ana enrolled from it without the date question, her alert carrying
    the clinic reference through acknowledged, no answer (a note, the reminder two hours later), reached and
    resolved, then a staff pause she is told about."""
    code, text = await transcript(CLINIC_SCRIPT.read_text(encoding="utf-8").splitlines(), tmp_path)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    assert first_line("enrol.invite_found", date="23 Nov 2026", plan_title="Microneedling aftercare") in text
    assert first_line("enrol.ask_date") not in text
    assert "clinic ref. A-1043" in text and "⏰ Alert #1: nobody reached the patient at 18:00" in text
    assert "✅ Resolved by Sam" in text and "Note: Left a voicemail" in text
    assert first_line("control.clinic_paused", until="Thu 26 Nov, 20:05") in text


async def test_lang_switches_the_demo_patients_language(tmp_path):
    """`:lang CODE` makes the demo patient speak a language with a catalog (here a small test one); an unknown code
    is refused with the codes there are."""
    catalog = tmp_path / "catalog" / "it"
    catalog.mkdir(parents=True)
    (catalog / "meta.toml").write_text('name = "Italiano"\nreviewed = false\n', encoding="utf-8")
    (catalog / "control.toml").write_text('ask_pause = "Per quanto tempo?"\n', encoding="utf-8")
    out = io.StringIO()
    code = await run_demo([*enrolment(), ":lang zz", ":lang it", "/pause"], out, None, tmp_path / "files", START,
                          environ={"AFTERCARE_CATALOG_DIR": str(tmp_path / "catalog")})
    printed = out.getvalue()
    assert code == 0 and "(no catalog for 'zz'; there are: de, en, es, it)" in printed
    assert "(the patient's language is now Italiano)" in printed and "Per quanto tempo?" in printed


# ---- demo/deutsch.txt and demo/espanol.txt: a whole plan in German and in Spanish ------------------------------
def patient_side(text: str) -> str:
    """The lines the patient saw (the bot's messages to them and their continuation lines), not the clinic chat's."""
    mine, lines = False, []
    for line in text.splitlines():
        if line.startswith("bot> "):
            mine = True
        elif line.startswith(("[chat ", "you> ", "#", "  ⏰", "     (now")):
            mine = False
        if mine:
            lines.append(line)
    return "\n".join(lines)


def english_fragments() -> set[str]:
    """The start of every English catalog text long enough to be recognised (before any placeholder)."""
    from messages.catalog import load_catalog
    found = set()
    for key, value in load_catalog("en").texts.items():
        if key.startswith(("words.", "formats.", "language.")):
            continue
        for line in value.split("\n"):
            head = line.split("{")[0].strip()
            if len(head) >= 24 and len(head.split()) >= 4:
                found.add(head)
    return found


@pytest.mark.parametrize("script, language, name", [("deutsch.txt", "de", "Deutsch"), ("espanol.txt", "es", "Español")])
async def test_a_whole_plan_in_german_and_in_spanish(tmp_path, script, language, name):
    """The patient enrols, checks in, types a warning sign (alerted), one in another language (read and alerted),
    pauses, sees their data, gets every reminder to day 90 and erases everything, all in their language: not one
    English catalog text reaches them; the clinic's alerts are in English and name the patient's language."""
    code, text = await transcript((ROOT / "demo" / script).read_text(encoding="utf-8").splitlines(), tmp_path)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    seen = patient_side(text)
    assert not [fragment for fragment in english_fragments() if fragment in seen]
    assert "day 90 since treatment" in text and "⚠️ EMERGENCY" in text and "⚠️ URGENT" in text
    assert text.count(f"Patient's language: {name}") >= 2
    from messages.catalog import load_catalog
    catalog = load_catalog(language)
    assert catalog.render("control.deleted").split("\n")[0] in seen


# ---- demo/rhythm.txt: the day's rhythm, before the session to the end of the plan --------------------------------
async def test_the_rhythm_walkthrough_keeps_each_message_in_its_hour(tmp_path):
    """demo/rhythm.txt: preparation notes from the first morning after registering (none sent late), the check-in
    prompt as its own message, a two-sentence normal result, the midday top-up alone at midday, /resume naming
    what is stopped, and the end of the plan with its chart."""
    code, text = await transcript((ROOT / "demo" / "rhythm.txt").read_text(encoding="utf-8").splitlines(), tmp_path)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    assert "day -6 since treatment\nbot>" not in text and "08:00 Europe/London, day -5 since treatment" in text
    assert "ask your clinic about an antiviral" in text
    assert "\nbot> Day 0 check-in: how is your skin today? It takes about a minute.\n" in text
    result = next(line for line in text.splitlines() if "looks like normal healing" in line)
    assert result.startswith("bot> Day 1 looks like normal healing")
    midday = text.split("13:00 Europe/London, day 1 since treatment\n", 1)[1].split("  ⏰", 1)[0]
    assert midday.startswith("bot> Midday:") and "Good morning" not in midday and "evening" not in midday.lower()
    mornings = [block.split("  ⏰", 1)[0] for block in text.split("08:00 Europe/London, day ")[1:]]
    assert mornings and not [m for m in mornings if " now." in m or "tonight" in m.lower()]
    assert "Stopped: the midday sunscreen top-up." in text
    assert "bot> [photo] After day 60: healing is complete." in text and "your aftercare plan ends today" in text
    assert "Worklist for 30 Nov 2026\n\n" in text and "(sent late" not in text  # at opening, as live

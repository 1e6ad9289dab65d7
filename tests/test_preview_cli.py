"""``aftercare preview``: the whole reminder timeline of one treatment, printed."""

from __future__ import annotations

import io
from datetime import date, time

import pytest

from bot.tools.preview import preview_command
from schedules.budget import fit_budget
from schedules.care_plan import load_plan
from schedules.planner import Timing, expand, with_reprompts
from tests.texts import said, shows

DEFAULTS = Timing("Europe/Berlin", time(8, 0), time(13, 0), time(21, 0), time(22, 0), time(7, 0))


def run(*argv: str) -> tuple[int, str, str]:
    """Run the command with captured streams."""
    out, err = io.StringIO(), io.StringIO()
    code = preview_command(list(argv), DEFAULTS, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_prints_one_line_per_delivery():
    """Every planned delivery appears once, in order, with local time, UTC, kind and text."""
    code, out, err = run("preview", "--treated", "2026-11-20", "--tz", "Europe/Berlin")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    plan = load_plan("microneedling")
    expected = fit_budget(with_reprompts(expand(plan, date(2026, 11, 20), DEFAULTS), DEFAULTS),
                          plan.daily_budget)  # bundled to the plan's daily budget, as patients get them
    assert len(lines) == len(expected)
    assert sum("reprompt" in line for line in lines) == sum(d.kind == "reprompt" for d in expected)
    assert lines[0].startswith("2026-11-13 Fri 08:00 CET") and "day -7" in lines[0]  # the preparation week first
    first = next(line for line in lines if "day  0" in line)
    assert first.startswith("2026-11-20 Fri 08:00 CET")
    assert "2026-11-20T07:00Z" in first
    assert any("checkin" in l and shows(l, "reminders.checkin_prompt", day=7, clinic_name="your clinic") for l in lines)
    assert lines[-2].startswith("2027-02-18 Thu 21:00 CET")
    assert shows(lines[-2], "reminders.checkin_prompt", day=90, clinic_name="your clinic")
    assert lines[-1].startswith("2027-02-18 Thu 21:00 CET") and shows(lines[-1], "reminders.end_of_plan", clinic_name="your clinic")


def test_times_and_zone_override_defaults():
    """--tz, --morning and --evening replace the clinic defaults for the preview."""
    code, out, _ = run(
        "--treated", "2026-11-20", "--tz", "Australia/Sydney", "--morning", "07:30", "--evening", "20:00"
    )
    assert code == 0
    lines = out.splitlines()
    first = next(line for line in lines if "day  0" in line)
    assert first.startswith("2026-11-20 Fri 07:30 AEDT") and "2026-11-19T20:30Z" in first
    assert any(l.startswith("2026-11-20 Fri 20:00 AEDT") and "checkin" in l for l in lines)


def test_help_goes_to_stdout():
    """--help prints usage on stdout and succeeds."""
    code, out, err = run("--help")
    assert code == 0 and "--treated" in out and err == ""


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--treated", "2026-13-01"], "--treated"),
        (["--treated", "20.11.2026"], "--treated"),
        (["--tz", "UTC"], "--treated"),
        (["--treated", "2026-11-20", "--tz", "Mars/Olympus"], "--tz"),
        (["--treated", "2026-11-20", "--tz", "../../etc/passwd"], "--tz"),
        (["--treated", "2026-11-20", "--morning", "25:00"], "--morning"),
        (["--treated", "2026-11-20", "--evening", "nine"], "--evening"),
        (["--treated", "2026-11-20", "--plan", "nope"], "nope"),
        (["--treated", "2026-11-20", "--frobnicate"], "--frobnicate"),
    ],
)
def test_bad_input_is_one_line_on_stderr(argv, fragment):
    """A bad date, zone, time, plan or flag gives exit 2 and one clear stderr line, no output."""
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("aftercare preview: error:")
    assert fragment in err


def test_preview_names_the_clinic_when_given_its_contact_values():
    """With the clinic's values, preview prints the clinic's own name where the patient will see it."""
    out, err = io.StringIO(), io.StringIO()
    code = preview_command(["--treated", "2026-11-20"], DEFAULTS, out=out, err=err,
                           contact={"clinic_name": "Harbour Skin Clinic"})
    assert code == 0 and "Harbour Skin Clinic" in out.getvalue() and "your clinic" not in out.getvalue()

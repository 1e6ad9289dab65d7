"""Care plans as data: shipped plans load, reference real texts, and bad plans fail loudly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from messages.catalog import load_catalog
from schedules.care_plan import (
    REMINDER_PLACEHOLDERS,
    PlanError,
    SunscreenDays,
    SunscreenWindow,
    available_plans,
    load_plan,
    parse_plan,
)
from schedules.planner import timeline_key

ROOT = Path(__file__).resolve().parents[1]

VALID = """
name = "tiny"
title = "Tiny plan"
length_days = 10

[sunscreen]
start_day = 1
end_day = 8

[timeline]
before = "timeline.soon"
after = "timeline.done"

[timeline.by_day]
"0-3" = "timeline.early"
"4-10" = "timeline.later"

[[steps]]
key = "spf"
kind = "sunscreen"
days = "sunscreen"
at = "morning"
message = "reminders.a"

[[steps]]
key = "care"
kind = "skincare"
days = ["0-3", 7]
at = "evening"
message = "reminders.b"
"""
KNOWN = {"reminders.a", "reminders.b", "timeline.soon", "timeline.done", "timeline.early", "timeline.later"}


@pytest.fixture(scope="module")
def catalog():
    """The real English catalog shipped with the package."""
    return load_catalog()


def test_microneedling_is_shipped():
    """The default plan is listed among the shipped plans."""
    assert "microneedling" in available_plans()


@pytest.mark.parametrize("name", available_plans())
def test_every_shipped_plan_loads_against_the_catalog(name, catalog):
    """Every shipped plan validates, including its message keys against the catalog."""
    plan = load_plan(name, catalog.texts)
    assert plan.name == name and plan.steps


@pytest.mark.parametrize("name", available_plans())
def test_step_keys_are_unique_and_colon_free(name):
    """Step keys are unique and contain no ':' (it separates key and day in a delivery)."""
    keys = [s.key for s in load_plan(name).steps]
    assert len(keys) == len(set(keys))
    assert all(":" not in k for k in keys)


@pytest.mark.parametrize("name", available_plans())
def test_every_plan_message_renders(name, catalog):
    """Every message a shipped plan sends exists, uses only promised placeholders, renders short."""
    samples = {"day": 3, "clinic_name": "Example Skin Clinic"}
    assert set(samples) == REMINDER_PLACEHOLDERS
    for step in load_plan(name).steps:
        assert catalog.has(step.message), step.message
        assert catalog.placeholders(step.message) <= REMINDER_PLACEHOLDERS, step.message
        text = catalog.render(step.message, **samples)
        assert text.strip() and len(text) <= 300, step.message


@pytest.mark.parametrize("name", available_plans())
@pytest.mark.parametrize("day", range(-3, 91))
def test_timeline_key_exists_for_every_day(name, day, catalog):
    """Each day from before treatment to day 90 has a placeholder-free timeline line, and its short form."""
    key = timeline_key(load_plan(name), day)
    assert key is not None
    for form in (key, f"{key}_short"):
        assert catalog.has(form), form
        assert catalog.placeholders(form) == set()
        assert catalog.render(form).strip()


def test_microneedling_content():
    """The default plan carries the reminders the clinical brief asks for, on the right days."""
    steps = {s.key: s for s in load_plan("microneedling").steps}
    assert steps["sunscreen-am"].days == SunscreenDays(None)
    assert steps["sunscreen-noon"].days == SunscreenDays(7)
    assert steps["skincare-am"].days == steps["skincare-pm"].days == tuple(range(8))
    assert steps["no-actives"].days == tuple(range(6))
    assert steps["no-makeup"].days == (0, 1)
    assert steps["checkin"].days == (*range(8), 10, 14, 21, 30, 45, 60, 75, 90)
    assert {s.kind for s in steps.values()} == {"sunscreen", "skincare", "note", "checkin"}
    plan = load_plan("microneedling")
    assert plan.sunscreen == SunscreenWindow(1, 30) and plan.length_days == 90
    assert [plan.timeline.key(d) for d in (-1, 0, 3, 4, 7, 8, 14, 15, 60, 61)] == [
        "timeline.before_treatment", "timeline.day_0", "timeline.day_3", "timeline.days_4_7", "timeline.days_4_7",
        "timeline.days_8_14", "timeline.days_8_14", "timeline.days_15_60", "timeline.days_15_60",
        "timeline.after_60"]


def test_parse_valid_plan():
    """Day lists mix single days and ranges; sunscreen days follow the plan's window; the timeline is by day."""
    plan = parse_plan(VALID, KNOWN)
    assert plan.length_days == 10
    assert plan.steps[0].days == SunscreenDays() and plan.sunscreen == SunscreenWindow(1, 8)
    assert plan.sunscreen_days(plan.steps[0]) == tuple(range(1, 9))
    assert [plan.timeline.key(d) for d in (-1, 0, 3, 4, 10, 11)] == [
        "timeline.soon", "timeline.early", "timeline.early", "timeline.later", "timeline.later", "timeline.done"]
    assert plan.steps[1].days == (0, 1, 2, 3, 7)


def _edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, known, expected",
    [
        (_edit('"reminders.b"', '"reminders.nope"'), KNOWN, ["'care'", "'message'", "reminders.nope"]),
        (_edit('at = "evening"', 'at = "25:00"'), KNOWN, ["'care'", "'at'", "25:00"]),
        (_edit('at = "evening"', 'at = "8:00"'), KNOWN, ["'care'", "'at'"]),
        (_edit('at = "evening"', 'at = "noon"'), KNOWN, ["'care'", "'at'", "noon"]),
        (_edit('kind = "skincare"', 'kind = "spa"'), KNOWN, ["'care'", "'kind'", "spa"]),
        (_edit('["0-3", 7]', '[-1, 2]'), KNOWN, ["'care'", "'days'", "-1"]),
        (_edit('["0-3", 7]', '["0-11"]'), KNOWN, ["'care'", "'days'", "0..10"]),
        (_edit('["0-3", 7]', '["3-1"]'), KNOWN, ["'care'", "'days'", "backwards"]),
        (_edit('["0-3", 7]', '["soon"]'), KNOWN, ["'care'", "'days'", "soon"]),
        (_edit('["0-3", 7]', '"sunscreen"'), KNOWN, ["'care'", "'days'", "sunscreen"]),
        (_edit('key = "care"', 'key = "spf"'), KNOWN, ["'spf'", "'key'", "duplicate"]),
        (_edit('key = "care"', 'key = "care:1"'), KNOWN, ["'key'", "care:1"]),
        (_edit('message = "reminders.b"', 'message = "reminders.b"\nmesage = "x"'), KNOWN,
         ["'care'", "mesage"]),
        (_edit('length_days = 10', 'length_days = 0'), KNOWN, ["'length_days'"]),
        (_edit('name = "tiny"', 'name = "Tiny Plan"'), KNOWN, ["'name'"]),
        (_edit('name = "tiny"', 'name = "tiny"\ntitles = { de = "" }'), KNOWN, ["'titles'"]),
        ("name = ", KNOWN, ["TOML"]),
        (_edit("end_day = 8", "end_day = 0"), KNOWN, ["sunscreen", "start_day <= end_day"]),
        (_edit("end_day = 8", "end_day = 11"), KNOWN, ["sunscreen", "end_day <= 10"]),
        (_edit("start_day = 1\nend_day = 8\n", ""), KNOWN, ["'sunscreen'"]),
        (_edit("[sunscreen]\nstart_day = 1\nend_day = 8\n", ""), KNOWN, ["no [sunscreen] window"]),
        (_edit('"4-10" = "timeline.later"', '"5-10" = "timeline.later"'), KNOWN, ["timeline", "day 4 is missing"]),
        (_edit('"4-10" = "timeline.later"', '"3-10" = "timeline.later"'), KNOWN, ["timeline", "covered twice"]),
        (_edit('after = "timeline.done"', 'after = "timeline.nope"'), KNOWN, ["timeline", "'after'"]),
        (_edit('before = "timeline.soon"', 'bfore = "timeline.soon"'), KNOWN, ["timeline", "bfore"]),
    ],
)
def test_invalid_plans_name_the_field(text, known, expected):
    """Each kind of plan mistake raises PlanError naming the file, the step and the field."""
    with pytest.raises(PlanError) as info:
        parse_plan(text, known, source="plans/tiny.toml")
    message = str(info.value)
    assert message.startswith("plans/tiny.toml: ")
    for fragment in expected:
        assert fragment in message


@pytest.mark.parametrize(
    "extra, expected",
    [
        # same kind, same slot, shared day 3
        ('key = "care2"\nkind = "skincare"\ndays = [3]\nat = "evening"', "overlaps step 'care'"),
        # two sunscreen-window steps in one slot overlap for any window
        ('key = "spf2"\nkind = "sunscreen"\ndays = "sunscreen"\nuntil_day = 5\nat = "morning"',
         "overlaps step 'spf'"),
    ],
)
def test_overlapping_steps_are_rejected(extra, expected):
    """Two steps of one kind in one slot on one day are a plan error naming 'days'."""
    text = VALID + f'\n[[steps]]\n{extra}\nmessage = "reminders.a"\n'
    with pytest.raises(PlanError, match=expected) as info:
        parse_plan(text, KNOWN)
    assert "'days'" in str(info.value)


@pytest.mark.parametrize(
    "extra",
    [
        'key = "care2"\nkind = "skincare"\ndays = [4, 5]\nat = "evening"',  # other days
        'key = "care2"\nkind = "skincare"\ndays = [3]\nat = "morning"',  # other slot
        'key = "note"\nkind = "note"\ndays = [3]\nat = "evening"',  # other kind
    ],
)
def test_non_overlapping_steps_are_fine(extra):
    """Steps that differ in day, slot or kind do not count as overlapping."""
    text = VALID + f'\n[[steps]]\n{extra}\nmessage = "reminders.a"\n'
    assert len(parse_plan(text, KNOWN).steps) == 3


def test_unknown_keys_not_checked_without_catalog():
    """Without known keys, message keys are not checked (tests can parse plans alone)."""
    assert parse_plan(_edit('"reminders.b"', '"reminders.later"')).steps[1].message == "reminders.later"


@pytest.mark.parametrize("name", ["nope", "../etc/passwd", "Micro needling"])
def test_load_unknown_or_unsafe_plan(name):
    """Unknown or path-like plan names raise PlanError instead of reading arbitrary files."""
    with pytest.raises(PlanError):
        load_plan(name)


@pytest.mark.parametrize("module", sorted((ROOT / "schedules").glob("*.py")))
def test_schedules_stay_pure(module):
    """The planner package never imports the shell's libraries and never reads the clock."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Attribute):
            assert node.attr not in {"now", "utcnow", "today", "time_ns", "monotonic"}, module.name
    assert not imported & {"telegram", "sqlite_utils", "bot", "time", "sqlite3"}


@pytest.mark.parametrize("language, title", [("de", "Nachsorge nach Microneedling"),
                                             ("es", "Cuidados tras el microneedling"),
                                             ("en", "Microneedling aftercare"), ("fr", "Microneedling aftercare")])
def test_the_plan_title_is_in_the_patients_language(language, title):
    """The plan names itself in the patient's language where it has a title for it, else in its own."""
    assert load_plan("microneedling").title_in(language) == title

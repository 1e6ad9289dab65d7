"""The house rules that keep the core pure and every text in the catalog."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from messages.catalog import load_catalog
from messages.questionnaire import NEW_SIGNS, QUESTIONS
from messages.triage import LEVELS

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"bot", "telegram", "sqlite_utils", "sqlite3", "httpx"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "schedules").rglob("*.py")) + sorted((ROOT / "messages").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_the_shell(path):
    """schedules/ and messages/ stay pure: no bot, Telegram or database imports."""
    assert imported_modules(path) & FORBIDDEN == set()


@pytest.mark.parametrize("path", sorted((ROOT / "schedules").rglob("*.py")) + sorted((ROOT / "messages").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_reads_the_clock(path):
    """The pure core takes `now` as an argument instead of reading the clock."""
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(datetime\.now|date\.today|time\.time)\(", source)


def test_every_literal_key_used_in_the_shell_exists():
    """Every `text("area.key")` in bot/ names a catalog text that renders."""
    catalog = load_catalog()
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r"""text\(\s*"([a-z_]+\.[a-z0-9_]+)\"""", path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys: the pattern is wrong"
    missing = sorted(key for key in used if not catalog.has(key))
    assert missing == []


def test_every_checkin_question_and_option_has_a_text():
    """Each check-in question, answer option, sign and level label has catalog text."""
    catalog = load_catalog()
    for question in QUESTIONS.values():
        if question.id.startswith("still_"):  # "Still there?" names its item
            assert catalog.has(f"checkin.item_{question.id.removeprefix('still_')}")
        else:
            assert catalog.has(f"checkin.q_{question.id}")
        if question.multi:
            assert sorted(o for o in question.options if not catalog.has(f"checkin.sign_{o}")) == []
    for level in LEVELS:
        assert catalog.has(f"checkin.level_label_{level}") and catalog.has(f"triage.level_{level}")
    options = {v for q in QUESTIONS.values() if not q.multi for v in q.options}
    assert sorted(o for o in options if not catalog.has(f"checkin.opt_{o}")) == []


def test_every_timeline_line_has_a_short_form():
    """The day's later messages carry a short timeline line, so every line needs one."""
    from schedules.care_plan import available_plans, load_plan
    catalog = load_catalog()
    keys = {key for name in available_plans() for key in load_plan(name).timeline.keys()}
    assert sorted(k for k in keys if not catalog.has(f"{k}_short")) == []

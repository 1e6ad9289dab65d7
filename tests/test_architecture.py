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


# --- SQL only in bot/store/ -------------------------------------------------------------------------------

SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)"
                 r"|DROP\s+TABLE|ALTER\s+TABLE|PRAGMA\s+\w+)", re.S)


def sql_outside_the_store(source: str) -> list[str]:
    """What in ``source`` speaks SQL or reaches the database: sqlite imports, SQL text, a store's db or conn."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in {"sqlite3", "sqlite_utils"}]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"sqlite3", "sqlite_utils"}:
            found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(node.value[:60])
        elif isinstance(node, ast.Attribute) and node.attr in {"db", "conn"}:
            found.append(f".{node.attr} at line {node.lineno}")
    return found


OUTSIDE_THE_STORE = sorted(p for folder in ("bot", "messages", "schedules", "bench") for p in (ROOT / folder).rglob("*.py")
                           if "store" not in p.relative_to(ROOT).parts)


@pytest.mark.parametrize("path", OUTSIDE_THE_STORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_outside_the_store(path):
    """Only bot/store/ imports sqlite3 or sqlite_utils, holds SQL text or touches the store's connection."""
    assert sql_outside_the_store(path.read_text(encoding="utf-8")) == []


def test_the_sql_check_can_fail():
    """The SQL scan flags an import, a statement and a reach into the store's connection."""
    found = sql_outside_the_store('import sqlite3\nq = "SELECT id FROM patients"\nstore.db.execute(q)\n')
    assert len(found) == 3


# --- no user-facing literals in bot/ ------------------------------------------------------------------------

SENDS = {"send_message", "reply_text", "answer", "edit_message_text", "edit_text", "send_photo", "send_document",
         "edit_message_caption", "answer_callback_query", "BotCommand", "InlineKeyboardButton", "KeyboardButton",
         "Outgoing", "reply_photo", "reply_document"}


def _literal(node: ast.AST) -> bool:
    """Words written in code: a string (or f-string part) with a letter in it; glue such as "\\n\\n" or " ✓" is not."""
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    if isinstance(node, ast.JoinedStr):
        return any(_literal(part) for part in node.values)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value)


def user_facing_literals(source: str) -> list[str]:
    """Texts written into a send, an answer, an edit, a button or the command menu instead of the catalog.

    Log lines and exception messages (for operators) are not sends, so they are not flagged."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        if name in SENDS:
            positional = node.args[1:] if name == "BotCommand" else node.args  # a command's name is not a text
            texts = list(positional) + [k.value for k in node.keywords if k.arg in {"text", "caption", "description"}]
            found += [ast.unparse(t)[:60] for t in texts if _literal(t)]
        elif name == "keyboard":  # rows of (label, callback data)
            found += [ast.unparse(t)[:60] for t in ast.walk(node)
                      if isinstance(t, ast.Tuple) and t.elts and _literal(t.elts[0])]
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_user_facing_literals_in_the_shell(path):
    """What a patient or the clinic reads comes from the catalog, never a literal in bot/."""
    assert user_facing_literals(path.read_text(encoding="utf-8")) == []


def test_the_literal_check_can_fail():
    """The scan flags a literal send, an f-string answer, a literal button label and a literal menu entry."""
    source = ('await chat.send_message("Hello")\nawait query.answer(f"Hi {name}")\n'
              'keyboard([[("Yes", "c1:yes")]])\nBotCommand("start", "Start")\nlog.info("fine: %s", x)\n')
    assert len(user_facing_literals(source)) == 4


# --- the top of bot/ is the running bot -------------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    for candidate in (ROOT / (name.replace(".", "/") + ".py"), ROOT / name.replace(".", "/") / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def bot_imports(name: str) -> set[str]:
    """The bot modules ``name`` imports (at the top or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(_module_file(name).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in found if n.split(".")[0] == "bot" and _module_file(n)}


def test_the_top_of_bot_is_the_running_bot():
    """Every module at the top of bot/ is part of the running bot (reached from bot.serve and bot.app), and the
    running bot never needs the operator tools in bot/tools/ or anything under tests/."""
    reached, todo = set(), ["bot.serve", "bot.app"]
    while todo:
        if (name := todo.pop()) not in reached:
            reached.add(name)
            todo += bot_imports(name)
    top = {f"bot.{p.stem}" for p in (ROOT / "bot").glob("*.py") if p.stem not in {"__init__", "__main__"}}
    assert sorted(top - reached) == []
    assert sorted(n for n in reached if n.startswith("bot.tools")) == []
    assert {p.name for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"} <= \
        {"handlers", "store", "tools", "clinics"}

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


# --- the shell in labelled rooms: no circles, nothing running back up, handlers only from handlers ---------

SHELL_ROOMS = {"handlers", "store", "tools", "clinics", "delivery", "care"}
TOP_LIMIT = 12  # modules at the top of bot/ (start, wiring, configuration, plumbing), __init__ and __main__ aside

# The floors of the running bot, lowest first: a module may import its own floor and those below, never above.
# The top of bot/ (configuration, services, logs, the clock...) is the floor the rooms stand on, except the
# wiring (bot.app, bot.serve), which stands above the handlers it registers.
FLOORS = ("sealing and clock", "bot.store", "bot", "bot.delivery", "bot.care", "bot.handlers", "wiring", "bot.tools")
WIRING = {"bot.app", "bot.serve"}
BELOW_THE_STORE = {"bot.crypto", "bot.clock"}  # the store seals with the one and stamps with the other


def _module_file(name: str, root: Path = ROOT) -> Path | None:
    for candidate in (root / (name.replace(".", "/") + ".py"), root / name.replace(".", "/") / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(source: str) -> list[tuple[str, bool]]:
    """(module, at module level) for every absolute ``import`` and ``from ... import`` in ``source``; a name
    imported from a package counts as its submodule when it is one."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    top |= {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}  # TYPE_CHECKING blocks
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
            found += [(f"{node.module}.{a.name}", id(node) in top) for a in node.names]
    return found


def import_graph(root: Path = ROOT, package: str = "bot") -> dict[str, set[str]]:
    """Each module of ``package`` under ``root`` -> the modules of the package it imports (anywhere in it)."""
    graph = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = {m for m, _ in _imports(path.read_text(encoding="utf-8"))
                       if m.split(".")[0] == package and _module_file(m, root) and m != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph`` (strongly connected parts of more than one module, or a self-import)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1 or v in graph.get(v, ()):
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def floor(name: str) -> int:
    """Where a module of bot/ stands in FLOORS."""
    if name in WIRING:
        return FLOORS.index("wiring")
    if name in BELOW_THE_STORE:
        return 0
    if name == "bot.__main__":  # `python -m bot` is the `aftercare` command
        return FLOORS.index("bot.tools")
    for room in ("bot.store", "bot.delivery", "bot.care", "bot.handlers", "bot.tools"):
        if name == room or name.startswith(room + "."):
            return FLOORS.index(room)
    return FLOORS.index("bot")


def arrows_up(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a lower floor to a higher one, and imports of a handler from outside bot/handlers/ (only ``bot.app``
    imports ``bot.handlers.registry``, for ``register_all``)."""
    found = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            registry = target == "bot.handlers.registry" and source == "bot.app"
            handler = target.startswith("bot.handlers") and not source.startswith("bot.handlers") and not registry
            if floor(target) > floor(source) or handler:
                found.append(f"{source} -> {target}")
    return found


def late_imports(root: Path = ROOT, package: str = "bot") -> list[str]:
    """Imports of the running bot's own modules inside a function (the way to hide a cycle); operator tools and
    the start of ``serve`` may import late to start fast."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root)
        if "tools" in rel.parts:
            continue
        for module, at_top in _imports(path.read_text(encoding="utf-8")):
            if not at_top and module.split(".")[0] == package and module not in LATE_ALLOWED.get(str(rel), ()):
                found.append(f"{rel}: {module}")
    return sorted(set(found))


# Late on purpose: start-up builds the app (and its imports) only after the configuration was checked.
LATE_ALLOWED = {"bot/serve.py": ("bot.app", "bot.app.build_app", "bot.clock", "bot.clock.SystemClock"),
                "bot/logs.py": ("bot.config", "bot.config.ConfigError")}


def test_the_shell_has_no_import_circles():
    """No module of bot/ imports, through any chain, a module that imports it back."""
    assert import_cycles(import_graph()) == []


def test_no_arrow_runs_back_up():
    """Imports run down the floors (store, plumbing, delivery, care, handlers, wiring, tools), and nothing
    outside bot/handlers/ imports a handler."""
    assert arrows_up(import_graph()) == []


def delivery_reaches_up(graph: dict[str, set[str]]) -> list[str]:
    """Imports from bot/delivery/ of care or of the running bot's heartbeat (bot.runtime): the wiring hands
    those in as hooks (bot/delivery/hooks.py)."""
    return sorted(f"{source} -> {target}" for source, targets in graph.items() if source.startswith("bot.delivery")
                  for target in targets if target.startswith(("bot.care", "bot.runtime")))


def test_delivery_imports_nothing_from_care():
    """bot/delivery/ only sends: it imports nothing from bot/care/ nor bot.runtime, and the scan can fail."""
    assert delivery_reaches_up(import_graph()) == []
    assert delivery_reaches_up({"bot.delivery.outbox": {"bot.care.alerts", "bot.store"},
                                "bot.delivery.dispatch": {"bot.runtime"}}) == [
        "bot.delivery.dispatch -> bot.runtime", "bot.delivery.outbox -> bot.care.alerts"]


def test_no_import_hides_inside_a_function():
    """The running bot imports its own modules at the top of each file, so a cycle cannot hide in a function."""
    assert late_imports() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path


def test_the_structure_scans_can_fail(tmp_path):
    """Each scan flags what it forbids: a circle through a function-level import, an arrow up from the store
    to care, a care module importing a handler, and the late import itself."""
    root = _tree(tmp_path, {
        "bot/__init__.py": "", "bot/store/__init__.py": "from bot.care.verdicts import x\n",
        "bot/care/__init__.py": "", "bot/handlers/__init__.py": "",
        "bot/care/verdicts.py": "def f():\n    from bot.care.alerts import y\n",
        "bot/care/alerts.py": "from bot.care.verdicts import f\nfrom bot.handlers.staff import z\n",
        "bot/handlers/staff.py": "z = 1\n",
    })
    graph = import_graph(root)
    assert import_cycles(graph) == [["bot.care.alerts", "bot.care.verdicts"]]
    assert set(arrows_up(graph)) == {"bot.store -> bot.care.verdicts",
                                     "bot.care.alerts -> bot.handlers.staff"}
    assert late_imports(root) == ["bot/care/verdicts.py: bot.care.alerts", "bot/care/verdicts.py: bot.care.alerts.y"]


def test_the_top_of_bot_is_the_running_bot():
    """Every module of bot/ outside tools/ is part of the running bot (reached from bot.serve and bot.app), the
    running bot never needs the operator tools or anything under tests/, the top of bot/ keeps at most
    TOP_LIMIT modules, and its folders are the labelled rooms."""
    graph = import_graph()
    reached, todo = set(), ["bot.serve", "bot.app"]
    while todo:
        if (name := todo.pop()) not in reached:
            reached.add(name)
            todo += graph.get(name, ())
    shell = {name for name in graph if not name.startswith("bot.tools") and name not in {"bot", "bot.__main__"}}
    assert sorted(shell - reached) == []
    assert sorted(n for n in reached if n.startswith("bot.tools")) == []
    top = [p.stem for p in (ROOT / "bot").glob("*.py") if p.stem not in {"__init__", "__main__"}]
    assert len(top) <= TOP_LIMIT, sorted(top)
    assert {p.name for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"} <= SHELL_ROOMS


def test_every_cli_command_runs_its_own_function():
    """Each `aftercare` command in the menu has its own function (none falls through to another command's)."""
    from bot.tools.cli import COMMANDS
    runs = [command.run for command in COMMANDS.values()]
    assert all(callable(run) for run in runs)
    assert len(set(runs)) == len(runs)


# --- handlers named by what the user did ----------------------------------------------------------------------

VAGUE_HANDLER_NAMES = {"on_button", "on_text"}
# Where each handler class takes its callback: CallbackQueryHandler(callback, ...), MessageHandler(filters, callback)...
CALLBACK_AT = {"CallbackQueryHandler": 0, "ChatMemberHandler": 0, "CommandHandler": 1, "MessageHandler": 1,
               "TypeHandler": 1}
VAGUE_NAMES_ALLOWED_IN: set[str] = set()  # every module's handlers are named by what the user did


def vaguely_named_handlers(source: str, module: str) -> list[str]:
    """Callbacks registered in ``source`` (module ``module`` of bot/handlers/) that are called ``on_button`` or
    ``on_text``, as ``module.name``; a callback defined in VAGUE_NAMES_ALLOWED_IN is left out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = getattr(node.func, "attr", getattr(node.func, "id", None))
        if called in CALLBACK_AT:
            at = CALLBACK_AT[called]
            callbacks = node.args[at:at + 1] + [k.value for k in node.keywords if k.arg == "callback"]
        elif called == "add_error_handler":
            callbacks = node.args[:1]
        else:
            continue
        for callback in callbacks:
            if isinstance(callback, ast.Name):
                owner, name = module, callback.id
            elif isinstance(callback, ast.Attribute) and isinstance(callback.value, ast.Name):
                owner, name = callback.value.id, callback.attr
            else:
                continue
            if name in VAGUE_HANDLER_NAMES and owner not in VAGUE_NAMES_ALLOWED_IN:
                found.append(f"{owner}.{name}")
    return found


def test_handlers_are_named_by_what_the_user_did():
    """No handler registered in bot/handlers/ is called on_button or on_text, so a traceback says which it was."""
    found = [name for path in sorted((ROOT / "bot" / "handlers").glob("*.py"))
             for name in vaguely_named_handlers(path.read_text(encoding="utf-8"), path.stem)]
    assert found == []


def test_the_handler_name_scan_can_fail():
    """The scan flags a vague callback registered by name and through its module, and leaves a well-named one."""
    source = ('application.add_handler(CallbackQueryHandler(on_button, pattern="^x1:"))\n'
              'application.add_handler(MessageHandler(filters.TEXT, enrol.on_text))\n'
              'application.add_handler(CommandHandler("x", callback=on_text))\n'
              'application.add_handler(MessageHandler(filters.TEXT, common.on_text))\n'
              'application.add_handler(CallbackQueryHandler(on_consent_tap))\n')
    assert sorted(vaguely_named_handlers(source, "flow")) == ["common.on_text", "enrol.on_text", "flow.on_button",
                                                              "flow.on_text"]


# The one door (STYLE 9, rules v3 P4e): a patient's words are read in one place. The warning-sign readers and
# the door's reading may be called only by the door itself and by the operator's `aftercare triage --text`,
# which must give the same reading as the chat.
TEXT_READERS = {"read_message", "read_text", "assess", "free_text_token", "read"}
READER_MODULES = {"messages.reading", "messages.checkin", "messages.assessment", "messages.routing"}
READ_IN = {"bot/handlers/typed.py", "bot/tools/triage.py"}
# The message handlers that are not the door, each with why it never meets a patient's words.
NOT_THE_DOOR = {
    "enrol.on_location": "a shared location (filters.LOCATION): no words",
    "clinic.on_staff_reply": "staff in the clinic chat (filters.ChatType.GROUPS), not a patient",
    "on_oncall_reply": "an on-call admin replying to an alert copy (OnCallReply), not a patient",
    "common.unknown_command": "a command the bot does not have: answered without reading it",
    "alert_steps.on_note": "a team member's note on an alert in the clinic chat (NoteReply), not a patient",
}


def text_reads(source: str) -> list[str]:
    """The calls in ``source`` to a reader of typed text (TEXT_READERS imported from READER_MODULES, or called
    through one of those modules), as the called name."""
    tree = ast.parse(source)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in READER_MODULES:
            aliases.update({alias.asname or alias.name: alias.name for alias in node.names
                            if alias.name in TEXT_READERS})
        elif isinstance(node, ast.ImportFrom) and node.module == "messages":
            aliases.update({alias.asname or alias.name: f"messages.{alias.name}" for alias in node.names
                            if f"messages.{alias.name}" in READER_MODULES})
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and aliases.get(func.id) in TEXT_READERS:
            found.append(aliases[func.id])
        elif isinstance(func, ast.Attribute) and func.attr in TEXT_READERS and isinstance(func.value, ast.Name) \
                and aliases.get(func.value.id) in READER_MODULES:
            found.append(f"{aliases[func.value.id]}.{func.attr}")
    return found


def message_handlers_besides_the_door(source: str, module: str) -> list[str]:
    """``MessageHandler(filter, callback)`` registrations in ``source`` whose callback is neither the door's
    (typed.*) nor listed in NOT_THE_DOOR."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "MessageHandler" and len(node.args) > 1:
            callback = ast.unparse(node.args[1])
            name = callback if "." in callback else f"{module}.{callback}"
            if not name.startswith("typed.") and module != "typed" and name not in NOT_THE_DOOR \
                    and callback not in NOT_THE_DOOR:
                found.append(name)
    return found


def test_typed_text_is_read_in_one_place():
    """Only the door (and `aftercare triage --text`) calls a reader of typed text, and every message handler
    but the door is one that never meets a patient's words."""
    reads, handlers = {}, []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source, name = path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        if found := text_reads(source):
            reads[name] = found
        handlers += message_handlers_besides_the_door(source, path.stem)
    assert set(reads) <= READ_IN and "bot/handlers/typed.py" in reads
    assert reads["bot/handlers/typed.py"] == ["messages.routing.read"]  # once, through the router's reading
    assert handlers == []


def test_the_one_door_scans_can_fail():
    """The scans flag a reader called by its name, through its module, or by another name, and a text handler
    that is not the door; a registration of the door or a listed one passes."""
    source = ("from messages.reading import read_message\nfrom messages import checkin as core\n"
              "from messages.assessment import assess as judge\n"
              "def f(text):\n    read_message(text)\n    core.read_text(text, None, w)\n    judge(text, 3)\n")
    assert text_reads(source) == ["read_message", "messages.checkin.read_text", "assess"]
    assert text_reads("from messages.reading import Reading\ndef f(r: Reading):\n    return r.read()\n") == []
    handlers = ("application.add_handler(MessageHandler(filters.TEXT, questions.on_everyday_question))\n"
                "application.add_handler(MessageHandler(filters.PHOTO, on_photo_sent))\n"
                "application.add_handler(MessageHandler(written, typed.on_patient_message))\n"
                "application.add_handler(MessageHandler(private & filters.LOCATION, enrol.on_location))\n")
    assert message_handlers_besides_the_door(handlers, "clinic") == ["questions.on_everyday_question",
                                                                      "clinic.on_photo_sent"]

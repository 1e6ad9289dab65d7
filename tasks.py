#!/usr/bin/env python3
"""The two commands a newcomer needs, with nothing installed but Python 3.11+.

    python3 tasks.py run    set up a local virtual environment; the first time, the guided set-up
                            (`aftercare setup`: token, clinic, staff chat, admins, QR poster); start the bot
    python3 tasks.py test   set up the same environment with the test extra and run the tests offline

and two more:

    python3 tasks.py setup  the guided set-up again, to change any of it
    python3 tasks.py demo   try the bot in this terminal: no token, no network (extra args go to `aftercare demo`)

Only the standard library is used here, so it works before anything is installed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
ENV_FILE = ROOT / ".env"
KEY_FILE = ROOT / ".aftercare.key"
DEMO_HINT = "No token yet? `python3 tasks.py demo` runs the bot in this terminal, without Telegram."


def ensure_venv(extra: str | None) -> None:
    """Create .venv and install the project (editable) with an optional extra; cheap when up to date."""
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed (found %d.%d)." % sys.version_info[:2])
    if not PYTHON.exists():
        print("Creating a virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extra}]" if extra else "."
    marker = VENV / f".installed-{extra or 'run'}"
    stamp = str((ROOT / "pyproject.toml").stat().st_mtime)
    if marker.exists() and marker.read_text() == stamp:
        return
    print(f"Installing {target} into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", target], cwd=ROOT, check=True)
    marker.write_text(stamp)


def configured(*names: str) -> bool:
    """Whether any of these variables has a value, in the environment or in .env."""
    if any(os.environ.get(name, "").strip() for name in names):
        return True
    if ENV_FILE.exists():
        return any(line.strip().partition("=")[0].strip() in names and line.partition("=")[2].strip()
                   for line in ENV_FILE.read_text(encoding="utf-8").splitlines())
    return False


def append_env(line: str) -> None:
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    os.chmod(ENV_FILE, 0o600)


def ensure_data_key() -> None:
    """Create the key that encrypts what patients type, once, beside (not inside) the data folder."""
    if configured("AFTERCARE_DATA_KEY", "AFTERCARE_DATA_KEY_FILE"):
        return
    if not KEY_FILE.exists():
        subprocess.run([str(PYTHON), "-m", "bot.tools.cli", "keygen", KEY_FILE.name], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"Created {KEY_FILE.name}: it encrypts what patients type. Keep it safe and apart from backups;\n"
              "without it the stored answers cannot be read.")
    append_env(f"AFTERCARE_DATA_KEY_FILE={KEY_FILE.name}")


def first_start() -> None:
    """No token yet: run the guided set-up (it checks the token with Telegram before saving it)."""
    if configured("TELEGRAM_BOT_TOKEN"):
        return
    if not sys.stdin.isatty():
        sys.exit("TELEGRAM_BOT_TOKEN is not set. Get one from @BotFather in Telegram (/newbot), then run\n"
                 "`python3 tasks.py setup` in a terminal (or put TELEGRAM_BOT_TOKEN=... in a .env file here).\n"
                 + DEMO_HINT)
    print("First start: the guided set-up (`aftercare setup`). " + DEMO_HINT + "\n", flush=True)
    # 0: ready; 1: saved, but the clinic chat or admins are still missing (the bot warns at start-up)
    if child([str(PYTHON), "-m", "bot.tools.cli", "setup"]) not in (0, 1) or \
            not configured("TELEGRAM_BOT_TOKEN"):
        sys.exit("Not started. `python3 tasks.py run` starts the bot once the set-up has saved a token.")
    print("\nStarting the bot (Ctrl-C stops it) ...", flush=True)


def child(command: list[str]) -> int:
    """Run an `aftercare` command and return its exit code. Ctrl-C reaches it too and it says its own one line,
    so here Ctrl-C only waits for it to end (a handler, not SIG_IGN: the child must not inherit an ignore)."""
    previous = signal.signal(signal.SIGINT, lambda number, frame: None)
    try:
        code = subprocess.call(command)
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - code if code < 0 else code  # killed by signal N: the shell's 128 + N


def hand_over(command: list[str]) -> int:
    """Become the bot (exec), so SIGTERM and Ctrl-C reach it directly and it shuts down cleanly."""
    sys.stdout.flush()
    if os.name == "posix":
        os.execv(command[0], command)
    return subprocess.call(command)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    os.chdir(ROOT)
    if command == "run":
        ensure_venv(None)
        first_start()
        ensure_data_key()
        return hand_over([str(PYTHON), "-m", "bot"])
    if command == "setup":
        ensure_venv(None)
        return child([str(PYTHON), "-m", "bot.tools.cli", "setup", *argv[1:]])
    if command == "demo":
        ensure_venv(None)
        return child([str(PYTHON), "-m", "bot.tools.cli", "demo", *argv[1:]])
    if command == "test":
        ensure_venv("test")
        return child([str(PYTHON), "-m", "pytest", *argv[1:]])
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # e.g. while pip installs: one line, no traceback
        print("\nStopped (Ctrl-C).", file=sys.stderr)
        raise SystemExit(130) from None

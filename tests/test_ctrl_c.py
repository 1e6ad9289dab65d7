"""Ctrl-C in the set-up, the demo and `tasks.py` ends with one line and exit code 130, never a traceback.

Each test starts a real process in its own session, waits (with a deadline, on its output) for the question it
asks, and sends SIGINT to the whole process group, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 30.0  # seconds for the prompt to appear and for the process to end


def interrupted(command: list[str], prompt: str, cwd: Path) -> tuple[int, str, str]:
    """Run ``command`` until it prints ``prompt``, press Ctrl-C; its exit code, stdout and stderr."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    with subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        return _interrupt(proc, prompt)


def _interrupt(proc: subprocess.Popen, prompt: str) -> tuple[int, str, str]:
    seen = b""
    try:
        while prompt.encode() not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], DEADLINE)
            chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
            assert chunk, f"no prompt {prompt!r}; the output was {seen.decode(errors='replace')}"
            seen += chunk
        reading(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(DEADLINE)  # stdin stays open until it ended (an end of input is not a Ctrl-C)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(DEADLINE)
    return proc.returncode, (seen + out).decode(errors="replace"), err.decode(errors="replace")


def reading(pid: int) -> None:
    """Wait until the process (or the child it waits for) blocks reading its input, as when a person presses
    Ctrl-C: a signal landing between the prompt and the read would be a race of the test, not of the program."""
    if not Path(f"/proc/{pid}/wchan").exists():
        pytest.skip("no /proc here to see the process waiting for its input")
    deadline = time.monotonic() + DEADLINE
    while not any(_waits_on_a_pipe(p) for p in _family(pid)):
        assert time.monotonic() < deadline, "the process never waited for its input"
        os.sched_yield()


def _family(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return found


def _waits_on_a_pipe(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/wchan").read_text().endswith(("pipe_read", "pipe_wait"))
    except OSError:
        return False


def last_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_ctrl_c_in_setup_is_one_line_and_130(tmp_path):
    """Ctrl-C at the token question: one line saying what is kept, exit 130, no traceback."""
    code, out, err = interrupted([sys.executable, "-m", "bot.tools.cli", "setup"], "Paste the token", tmp_path)
    assert code == 130, (out, err)
    assert "Traceback" not in out + err and err.strip() == ""
    assert last_lines(out)[-1].startswith("Setup stopped")


def test_ctrl_c_in_the_demo_is_one_line_and_130(tmp_path):
    """Ctrl-C while the demo waits for the patient's line ends it at once: one line, exit 130."""
    code, out, err = interrupted([sys.executable, "-m", "bot.tools.cli", "demo", "--files", str(tmp_path / "f")],
                                 "you> ", tmp_path)
    assert code == 130, (out, err)
    assert "Traceback" not in out + err
    assert last_lines(err)[-1].startswith("Stopped (Ctrl-C)") and len(last_lines(err)) == 2  # files line + this


def test_ctrl_c_reaches_tasks_py_as_the_child_ends_it(tmp_path):
    """`python3 tasks.py setup|demo` waits for its child on Ctrl-C and passes on its 130: no traceback of its own."""
    child = ("import sys\ntry:\n    print('ready', flush=True)\n    sys.stdin.readline()\nexcept KeyboardInterrupt:\n"
             "    print('child: stopped', file=sys.stderr)\n    sys.exit(130)\n")
    parent = f"import sys, tasks\nsys.exit(tasks.child([sys.executable, '-c', {child!r}]))"
    code, out, err = interrupted([sys.executable, "-c", parent], "ready", tmp_path)
    assert code == 130 and "Traceback" not in err and last_lines(err) == ["child: stopped"], (out, err)

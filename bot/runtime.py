"""The running bot as a service: one instance per data folder, the dispatcher's heartbeat, and the watchdog.

- The instance lock is a ``fcntl.flock`` on the data folder itself (and on ``aftercare.lock`` in it), held
  for the life of the process (the kernel drops it when the process dies, so a crash never leaves a stale
  lock, and deleting the lock file frees nothing). Two pollers on one token conflict and two dispatchers
  would send every reminder twice.
- The dispatcher calls :func:`record_tick` on every run (the heartbeat hook ``bot.app`` hands it);
  ``aftercare healthcheck`` (bot.tools.health) and the in-process :class:`Watchdog` read that file, from
  another process or thread.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import stat
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from bot.clock import Clock
from bot.logs import WATCHDOG_EXIT, log_event
from bot.store.records import iso

log = logging.getLogger(__name__)

LOCK_NAME = "aftercare.lock"

TICK_NAME = "dispatcher.tick"

DEFAULT_TICK_INTERVAL_S = 60      # the dispatcher's safety interval (bot.delivery.dispatch.SAFETY_INTERVAL)

WATCHDOG_FACTOR = 5               # no tick for 5 intervals: the dispatcher is stuck, stop the bot

WATCHDOG_EXIT_CODE = 70           # EX_SOFTWARE: non-zero, so Restart=on-failure restarts it


class OpsError(RuntimeError):
    """An operation refused or failed; the message is meant for the clinic's IT, as is."""


class AlreadyRunning(OpsError):
    """Another process holds the instance lock of this data folder."""


class InstanceLock:
    """The held lock; keep a reference for the life of the process (or use it as a context manager)."""

    def __init__(self, path: Path, fds: tuple[int, ...]) -> None:
        self.path, self._fds = path, fds

    def release(self) -> None:
        for fd in self._fds:
            os.close(fd)  # closing the descriptor releases its flock
        self._fds = ()

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _flock_or_refuse(fd: int, data_dir: Path, path: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(
            f"another aftercare process is already running with the data folder {data_dir} "
            f"(it holds {path}); stop it first, then start this one") from None


def acquire_instance_lock(data_dir: Path) -> InstanceLock:
    """Take the data folder's lock, or raise AlreadyRunning at once (never waits).

    The lock that counts is a flock on the data folder itself: deleting ``aftercare.lock`` (a tmp cleaner,
    an operator tidying up) cannot let a second instance in. ``aftercare.lock`` is flocked too, for
    earlier versions and for people looking (it names the pid). It is opened with O_NOFOLLOW and must be
    a regular file, so a symlink planted in its place is refused, its target never opened nor truncated.
    """
    data_dir = Path(data_dir)
    path = data_dir / LOCK_NAME
    folder = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    _flock_or_refuse(folder, data_dir, data_dir)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        os.close(folder)
        if exc.errno == errno.ELOOP:
            raise OpsError(f"the lock file {path} is a symbolic link, not a file: remove it (it is not followed, "
                           "so what it points to was left untouched) and start again") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        os.close(folder)
        raise OpsError(f"the lock file {path} is not a regular file: remove it and start again")
    try:
        _flock_or_refuse(fd, data_dir, path)
    except AlreadyRunning:
        os.close(folder)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())  # for people looking; the flocks are what count
    return InstanceLock(path, (folder, fd))


def _user() -> str:
    try:
        import pwd
        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def data_folder_problem(folder: Path) -> str | None:
    """Why this user could not keep the database in ``folder`` (created if missing), in one line; else None."""
    folder = Path(folder)
    target = folder
    while not target.exists() and target != target.parent:
        target = target.parent  # a missing folder is created later: its first existing parent must be writable
    if target.exists() and not target.is_dir():
        return f"the data folder {folder} cannot be used: {target} is a file, not a folder (AFTERCARE_DATA_DIR)"
    blocked = next((p for p in (target, folder / "aftercare.db") if p.exists() and not os.access(p, os.W_OK | (
        os.X_OK if p.is_dir() else 0))), None)
    if blocked is None:
        return None
    return (f"the data folder {folder} is not writable by the user {_user()} ({blocked} is not): "
            f"give it to that user (chown -R {_user()} {folder}) or set AFTERCARE_DATA_DIR to a folder it owns")


def private_temp(folder: Path, prefix: str) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")  # mkstemp creates 0600
    os.close(fd)
    return Path(name)


# ---- heartbeat --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    """The dispatcher's last run: the wall clock's instant and, when known, the monotonic clock's reading and
    whose monotonic clock it was (the machine's boot id), so another process on the same machine can tell
    how long ago it was even after the wall clock stepped."""

    at: datetime
    monotonic: float | None = None
    source: str | None = None


def record_tick(data_dir: Path, now: datetime, monotonic: float | None = None, source: str | None = None) -> None:
    """Record that the dispatcher ran at ``now`` (atomic replace of a tiny owner-only file)."""
    data_dir = Path(data_dir)
    temp = private_temp(data_dir, ".tick-")
    body = iso(now) + "\n" + (f"{monotonic!r} {source}\n" if monotonic is not None and source else "")
    try:
        temp.write_text(body, encoding="ascii")
        os.replace(temp, data_dir / TICK_NAME)
    finally:
        temp.unlink(missing_ok=True)


def read_heartbeat(data_dir: Path) -> Tick | None:
    """The dispatcher's last recorded run, or None when there is none (or it is unreadable)."""
    try:
        lines = (Path(data_dir) / TICK_NAME).read_text(encoding="ascii").split("\n")
        at = datetime.fromisoformat(lines[0].strip())
    except (OSError, ValueError):
        return None
    try:
        reading, source = lines[1].split(" ", 1)
        return Tick(at, float(reading), source.strip())
    except (IndexError, ValueError):
        return Tick(at)


def read_tick(data_dir: Path) -> datetime | None:
    """The wall-clock instant of the dispatcher's last recorded run, or None."""
    tick = read_heartbeat(data_dir)
    return tick.at if tick else None


def tick_age(tick: Tick, now: datetime, monotonic: float | None = None, source: str | None = None) -> timedelta:
    """How long ago ``tick`` was: by the monotonic clock when it is the same one (wall-clock steps do not
    count), else by the wall clock."""
    if tick.monotonic is not None and source is not None and tick.source == source and monotonic is not None:
        return timedelta(seconds=monotonic - tick.monotonic)
    return now - tick.at


# ---- the watchdog ----------------------------------------------------------------------------
def watchdog_check(data_dir: Path, now: datetime, tick_interval_s: int = DEFAULT_TICK_INTERVAL_S,
                   started_at: datetime | None = None, factor: int = WATCHDOG_FACTOR,
                   clock: Clock | None = None, started_monotonic: float | None = None) -> bool:
    """True when the dispatcher of this process has ticked before but not for ``factor`` intervals.

    A tick older than ``started_at`` (or, on this ``clock``'s monotonic reading, ``started_monotonic``) belongs
    to an earlier process and is ignored; until the first tick of this one, only the health check can
    complain (it reports a missing or stale tick).
    """
    tick = read_heartbeat(data_dir)
    if tick is None:
        return False
    source = clock.monotonic_source if clock is not None else None
    monotonic = clock.monotonic() if clock is not None else None
    same_clock = tick.monotonic is not None and source is not None and tick.source == source
    if same_clock and started_monotonic is not None:
        if tick.monotonic < started_monotonic:
            return False
    elif started_at is not None and tick.at < started_at:
        return False
    return tick_age(tick, now, monotonic, source) > timedelta(seconds=factor * tick_interval_s)


class Watchdog:
    """A daemon thread that stops the bot when its dispatcher is stuck, so the supervisor restarts it.

    A thread, not a JobQueue job, because a stuck event loop would never run the job. It sends the
    process SIGTERM (python-telegram-bot's run_polling/run_webhook then stop the application, i.e.
    ``application.stop_running()``, and the store is closed); if the loop is too stuck to react within
    ``grace_s`` it ends the process with os._exit. Exit code 70 either way (see ``fired``).
    """

    def __init__(self, data_dir: Path, now: Callable[[], datetime], tick_interval_s: int = DEFAULT_TICK_INTERVAL_S,
                 grace_s: float = 30, kill: Callable[[], None] | None = None,
                 hard_exit: Callable[[int], None] = os._exit, clock: Clock | None = None) -> None:
        self.data_dir, self.now, self.tick_interval_s, self.grace_s = Path(data_dir), now, tick_interval_s, grace_s
        self.started_at = now()
        self.clock = clock  # its monotonic reading measures the tick's age, whatever the wall clock does
        self.started_monotonic = clock.monotonic() if clock is not None else None
        self.kill = kill or (lambda: os.kill(os.getpid(), signal.SIGTERM))
        self.hard_exit = hard_exit
        self.fired = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="aftercare-watchdog", daemon=True)

    def check(self, now: datetime) -> bool:
        """One look at the tick; on a stuck dispatcher, log it and ask the process to stop. True if it fired."""
        if self.fired or not watchdog_check(self.data_dir, now, self.tick_interval_s, self.started_at,
                                                clock=self.clock, started_monotonic=self.started_monotonic):
            return False
        self.fired = True
        log_event(log, WATCHDOG_EXIT, logging.ERROR, last_tick=read_tick(self.data_dir),
                  exit_code=WATCHDOG_EXIT_CODE)
        self.kill()
        return True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """The application has stopped: the watchdog has nothing left to guard."""
        self._stopped.set()

    def _loop(self) -> None:
        while not self._stopped.wait(self.tick_interval_s):
            if self.check(self.now()):
                if not self._stopped.wait(self.grace_s):
                    self.hard_exit(WATCHDOG_EXIT_CODE)
                return

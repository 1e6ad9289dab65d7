"""Settings: read once from environment variables (and an optional .env file) into a frozen object.

Read from a mapping rather than ``os.environ`` directly so tests pass a dict
(the pattern of starlette's ``Config(environ=...)``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import time, timezone
from pathlib import Path
from typing import Mapping

from bot.crypto import DataKeyError, Sealer, load_key
from bot.clinic_profile import ClinicFileError, ClinicProfile, default_clinic_file, load_clinic

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_BACKUP_AT = time(2, 30, tzinfo=timezone.utc)  # before retention's 03:30: last night's data is kept once more
DEFAULT_BACKUP_KEEP = 14
DEFAULT_DRILL_DAYS = 31  # a restore drill older than this is a doctor warning


# What @BotFather hands out: the bot's numeric id, a colon, and a secret of letters, digits, _ and -.
TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")


class ConfigError(ValueError):
    """A missing or malformed setting; the message names the variable (never its secret value).

    ``problems`` holds every problem found (the message is the first), so `aftercare doctor` tells them at once."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [message])


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with. The token is kept out of repr()."""

    token: str = field(repr=False)
    api_url: str
    file_url: str
    data_dir: Path
    clinic_file: str
    clinic: ClinicProfile
    clinic_chat_id: int | None
    admin_ids: frozenset[int]
    # Admins who get an unacknowledged urgent alert in private once it has been raised again (may be empty).
    oncall_ids: frozenset[int] = frozenset()
    # Webhook mode (opt-in): with a URL the bot runs PTB's webhook server instead of long polling.
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # The data key that seals what patients type (bot/crypto.py); None only for tools that need no key.
    data_key: str | None = field(default=None, repr=False)
    data_key_file: Path | None = None  # where the key was read from, so no tool ever writes over it
    # Knowledge as data: the language of every text, and folders with a clinic's own plans and texts
    # (looked at before the shipped schedules/plans and messages/catalog).
    language: str = "en"
    catalog_dir: Path | None = None
    plans_dir: Path | None = None
    # Nightly backups (bot/care/backups.py): the UTC time of day (None: off), the folder, how many are kept.
    backup_at: time | None = DEFAULT_BACKUP_AT
    backup_dir: Path | None = None
    backup_keep: int = DEFAULT_BACKUP_KEEP
    drill_days: int = DEFAULT_DRILL_DAYS  # AFTERCARE_RESTORE_DRILL_DAYS: how old the last restore drill may be

    @property
    def backup_folder(self) -> Path:
        """Where the nightly backups go: AFTERCARE_BACKUP_DIR, or a folder beside the data folder
        (``data`` -> ``data-backups``), never inside it."""
        return self.backup_dir or default_backup_dir(self.data_dir)

    @property
    def clinic_team(self) -> frozenset[int]:
        """Who may speak for the clinic (answer patients, acknowledge alerts): the admins and the profile's staff."""
        return self.admin_ids | self.clinic.staff

    @property
    def relay_open(self) -> bool:
        """Whether patients' messages go to the clinic chat: only when there is one and someone may answer there
        (with nobody on the team, a relayed message would wait for ever; /clinic gives the phone instead)."""
        return self.clinic_chat_id is not None and bool(self.clinic_team)

    def sealer(self) -> Sealer | None:
        return Sealer(self.data_key) if self.data_key else None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "aftercare.db"


def read_dotenv(path: str | Path) -> dict[str, str]:
    """Parse a simple KEY=VALUE .env file (comments, blank lines and optional quotes allowed)."""
    values: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return values
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path} line {number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment_with_dotenv(environ: Mapping[str, str] | None = None, dotenv: str | Path = ".env") -> dict[str, str]:
    """The process environment over the .env file: a real variable always wins."""
    merged = read_dotenv(dotenv)
    merged.update(os.environ if environ is None else environ)
    return merged


def origin(name: str, dotenv: str | Path = ".env") -> str:
    """Where a setting was read from, for error messages: the process environment wins over the .env file."""
    if os.environ.get(name, "").strip():
        return f"the environment variable {name}"
    return f"{name} in {Path(dotenv).resolve()}"


def _int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (a Telegram chat id such as -1001234567890)") from None


def _admin_ids(environ: Mapping[str, str], name: str = "AFTERCARE_ADMIN_IDS") -> frozenset[int]:
    raw = environ.get(name, "").strip()
    ids = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"{name} must be comma-separated Telegram user ids, e.g. 12345,67890")
        ids.add(int(part))
    return frozenset(ids)


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must start with http:// or https://")
    return value


# Telegram allows 1-256 characters; fewer than 16 could be guessed by anyone who can reach the webhook.
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


def _webhook(environ: Mapping[str, str]) -> dict:
    """The webhook settings, validated; empty URL = polling (the default)."""
    url = environ.get("AFTERCARE_WEBHOOK_URL", "").strip() or None
    secret = environ.get("AFTERCARE_WEBHOOK_SECRET", "").strip() or None
    if url is None and secret is not None:
        raise ConfigError("AFTERCARE_WEBHOOK_SECRET is set but AFTERCARE_WEBHOOK_URL is not: set both, or neither")
    if url is not None:
        if not url.startswith("https://") or len(url) <= len("https://"):
            raise ConfigError("AFTERCARE_WEBHOOK_URL must be the public https:// address Telegram will call")
        if secret is None:
            raise ConfigError("AFTERCARE_WEBHOOK_SECRET is required with AFTERCARE_WEBHOOK_URL "
                              "(16-256 characters of A-Z a-z 0-9 _ -)")
        if not _SECRET.fullmatch(secret):
            raise ConfigError("AFTERCARE_WEBHOOK_SECRET must be 16-256 characters of A-Z a-z 0-9 _ - "
                              "(for example the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    listen = environ.get("AFTERCARE_WEBHOOK_LISTEN", "").strip() or "127.0.0.1"
    if listen != "localhost":
        try:
            ipaddress.ip_address(listen)
        except ValueError:
            raise ConfigError("AFTERCARE_WEBHOOK_LISTEN must be an IP address such as 127.0.0.1") from None
    raw_port = environ.get("AFTERCARE_WEBHOOK_PORT", "").strip() or "8443"
    if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
        raise ConfigError("AFTERCARE_WEBHOOK_PORT must be a port number between 1 and 65535")
    return {"webhook_url": url, "webhook_secret": secret, "webhook_listen": listen, "webhook_port": int(raw_port)}


def load_settings(environ: Mapping[str, str], require_token: bool = True) -> Settings:
    """Build Settings from a mapping of variables; raise ConfigError naming the first bad one (and, in its
    ``problems``, every one)."""
    problems: list[str] = []

    def checked(read, default=None):
        try:
            return read()
        except ConfigError as exc:
            problems.extend(exc.problems)
            return default

    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env")
    if token and not TOKEN_FORMAT.fullmatch(token):
        problems.append("TELEGRAM_BOT_TOKEN does not look like a bot token (expected digits:letters)")
    clinic_file = environ.get("AFTERCARE_CLINIC_FILE", "").strip() or default_clinic_file()
    try:
        clinic = load_clinic(clinic_file)
    except ClinicFileError as exc:
        problems += [f"AFTERCARE_CLINIC_FILE: {problem}" for problem in exc.problems]
        clinic = None
    data_dir = Path(environ.get("AFTERCARE_DATA_DIR", "").strip() or "data")
    data_key = None
    try:
        data_key = load_key(environ, data_dir)
        if data_key is not None:
            Sealer(data_key)
    except DataKeyError as exc:
        name = "AFTERCARE_DATA_KEY" if environ.get("AFTERCARE_DATA_KEY", "").strip() else "AFTERCARE_DATA_KEY_FILE"
        problems.append(f"{name}: {exc}")
    values = dict(
        api_url=checked(lambda: _url(environ, "TELEGRAM_API_URL", DEFAULT_API_URL)),
        file_url=checked(lambda: _url(environ, "TELEGRAM_FILE_URL", DEFAULT_FILE_URL)),
        clinic_chat_id=checked(lambda: _int(environ, "AFTERCARE_CLINIC_CHAT_ID")),
        admin_ids=checked(lambda: _admin_ids(environ)),
        oncall_ids=checked(lambda: _admin_ids(environ, "AFTERCARE_ONCALL_IDS")),
        **checked(lambda: _webhook(environ), {}),
        **checked(lambda: _knowledge(environ), {}),
        **checked(lambda: _backups(environ, data_dir), {}),
    )
    if problems:
        raise ConfigError(problems[0], problems)
    return Settings(
        token=token,
        data_dir=data_dir,
        clinic_file=clinic_file,
        clinic=clinic,
        data_key=data_key,
        data_key_file=Path(environ["AFTERCARE_DATA_KEY_FILE"].strip())
        if environ.get("AFTERCARE_DATA_KEY_FILE", "").strip() else None,
        **values,
    )


def _knowledge(environ: Mapping[str, str]) -> dict:
    """AFTERCARE_LANGUAGE (default en), AFTERCARE_CATALOG_DIR and AFTERCARE_PLANS_DIR (existing folders)."""
    language = environ.get("AFTERCARE_LANGUAGE", "").strip() or "en"
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", language):
        raise ConfigError("AFTERCARE_LANGUAGE must be a language code like en or de")
    folders = {}
    for name, key in (("AFTERCARE_CATALOG_DIR", "catalog_dir"), ("AFTERCARE_PLANS_DIR", "plans_dir")):
        value = environ.get(name, "").strip()
        if value and not Path(value).is_dir():
            raise ConfigError(f"{name}: {value} is not a folder")
        folders[key] = Path(value) if value else None
    return {"language": language, **folders}


def default_backup_dir(data_dir: Path) -> Path:
    """The folder beside ``data_dir`` named after it: ``data`` -> ``data-backups``."""
    base = data_dir if data_dir.name else data_dir.resolve()
    return base.with_name(base.name + "-backups")


def _backups(environ: Mapping[str, str], data_dir: Path) -> dict:
    """AFTERCARE_BACKUP_AT (HH:MM UTC, or off), AFTERCARE_BACKUP_DIR (outside the data folder), AFTERCARE_BACKUP_KEEP,
    AFTERCARE_RESTORE_DRILL_DAYS."""
    raw_at = environ.get("AFTERCARE_BACKUP_AT", "").strip()
    at: time | None = DEFAULT_BACKUP_AT
    if raw_at.lower() == "off":
        at = None
    elif raw_at:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw_at)
        if not match:
            raise ConfigError("AFTERCARE_BACKUP_AT must be a time of day in UTC such as 02:30, or off")
        at = time(int(match.group(1)), int(match.group(2)), tzinfo=timezone.utc)
    raw_keep = environ.get("AFTERCARE_BACKUP_KEEP", "").strip() or str(DEFAULT_BACKUP_KEEP)
    if not raw_keep.isdigit() or not 1 <= int(raw_keep) <= 1000:
        raise ConfigError("AFTERCARE_BACKUP_KEEP must be how many nightly backups to keep, a number from 1 to 1000")
    raw_dir = environ.get("AFTERCARE_BACKUP_DIR", "").strip()
    folder = Path(raw_dir) if raw_dir else None
    if folder is not None:
        inside, data = folder.resolve(), data_dir.resolve()
        if inside == data or data in inside.parents:
            raise ConfigError(f"AFTERCARE_BACKUP_DIR: {folder} is inside the data folder {data_dir}; keep backups "
                              "outside it")
    raw_drill = environ.get("AFTERCARE_RESTORE_DRILL_DAYS", "").strip() or str(DEFAULT_DRILL_DAYS)
    if not raw_drill.isdigit() or not 1 <= int(raw_drill) <= 3660:
        raise ConfigError("AFTERCARE_RESTORE_DRILL_DAYS must be how many days old the last restore drill may be, "
                          "a number from 1 to 3660")
    return {"backup_at": at, "backup_dir": folder, "backup_keep": int(raw_keep), "drill_days": int(raw_drill)}

"""Encryption at rest for what patients type, with a key kept outside the data folder.

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) seals
each value; the key comes from ``AFTERCARE_DATA_KEY`` or the file named by
``AFTERCARE_DATA_KEY_FILE``. A database remembers a sealed check value, so a
wrong key is caught at start-up instead of producing unreadable rows later.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

CHECK_VALUE = "aftercare-key-check"
FERNET_PREFIX = "gAAAAA"
BLIND_PREFIX = "h:"  # a blind index (Sealer.blind), never a Fernet token  # every Fernet token starts with its version byte 0x80, base64-encoded


def is_sealed(value: str) -> bool:
    return value.startswith(FERNET_PREFIX)


class DataKeyError(ValueError):
    """The data key is missing, malformed or not the one this database was written with."""


class Sealer:
    """Seals and opens text with one Fernet key."""

    def __init__(self, key: bytes | str) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise DataKeyError("the data key is not a valid key (generate one with `aftercare keygen`)") from None
        raw = key.encode("ascii") if isinstance(key, str) else key
        self._blind_key = hmac.new(raw, b"aftercare blind index", hashlib.sha256).digest()
        # Invitation links are signed with a key derived from the data key (never the data key itself), so they
        # need no second secret to keep, and a copy of the data alone cannot mint one (bot/care/invites.py).
        self._invite_key = hmac.new(raw, b"aftercare invitation", hashlib.sha256).digest()

    def blind(self, text: str) -> str:
        """A keyed hash of ``text``: equal texts give equal values (so a UNIQUE key still works), and
        without the data key it cannot be told which text it was."""
        return BLIND_PREFIX + hmac.new(self._blind_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def sign_invite(self, data: bytes) -> bytes:
        """HMAC-SHA256 of an invitation's bytes under the invitation key."""
        return hmac.new(self._invite_key, data, hashlib.sha256).digest()

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise DataKeyError("the data key does not match this database") from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def write_key_file(path: str | Path) -> str:
    """Create a new key file readable by its owner only; returns the key."""
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def load_key(environ, data_dir: Path) -> str | None:
    """The key from the environment or its file; None if neither is set. Refuses a key inside the data folder."""
    key = environ.get("AFTERCARE_DATA_KEY", "").strip()
    if key:
        return key
    name = environ.get("AFTERCARE_DATA_KEY_FILE", "").strip()
    if not name:
        return None
    path = Path(name).resolve()
    if data_dir.resolve() in path.parents:
        raise DataKeyError("AFTERCARE_DATA_KEY_FILE must be outside the data folder, so a copy of the data alone "
                        "cannot be read")
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        raise DataKeyError(f"AFTERCARE_DATA_KEY_FILE: cannot read {name}") from None

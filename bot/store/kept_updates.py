"""Updates that `aftercare setup` had to take from Telegram, kept sealed for the bot's next start.

Telegram hands out the oldest 100 waiting updates and shows later ones only once earlier ones are confirmed,
which drops them from its queue. When more than 100 are waiting on a bot that has run (patients may be among
them), set-up confirms them batch by batch to reach the operator's fresh /clinicid or /myid, and keeps every
update that was not a set-up command here: one file beside the database, owner-only, sealed with the data key
like every answer a patient gives. At start-up (``post_init``) the bot puts them on its update queue, oldest
first, and deletes the file, so those patients are answered as if the bot had read them itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bot.crypto import Sealer

FILE = "kept-updates.sealed"


def path_of(data_dir: Path) -> Path:
    return data_dir / FILE


def keep(data_dir: Path, sealer: Sealer, updates: list[dict]) -> int:
    """Add ``updates`` (Bot API JSON) to the kept file in ``data_dir``, sealed with the data key; returns how many
    are kept in all."""
    kept = take(data_dir, sealer, remove=False) + updates
    path = path_of(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".new")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(sealer.seal(json.dumps(kept)))
    os.replace(fresh, path)
    return len(kept)


def take(data_dir: Path, sealer: Sealer | None, remove: bool = True) -> list[dict]:
    """The kept updates, oldest first ([] when there are none); the file is removed once read (``remove``)."""
    path = path_of(data_dir)
    if sealer is None or not path.exists():
        return []
    kept = json.loads(sealer.open(path.read_text(encoding="ascii")))
    if remove:
        path.unlink()
    return sorted(kept, key=lambda update: update.get("update_id", 0))

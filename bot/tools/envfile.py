"""Setting values in the `.env` file: other lines (comments, other variables) are kept; the file is 0600."""

from __future__ import annotations

import os
from pathlib import Path


def set_env_values(path: Path, values: dict[str, str]) -> None:
    """Replace (or append) ``NAME=value`` for each of ``values``; written atomically, owner-only."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept, done = [], set()
    for line in lines:
        name = line.strip().removeprefix("export ").partition("=")[0].strip()
        if name in values:
            if name not in done:
                kept.append(f"{name}={values[name]}")
                done.add(name)
            continue  # a later duplicate would win when read: drop it
        kept.append(line)
    kept += [f"{name}={value}" for name, value in values.items() if name not in done]
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(kept) + "\n")
    os.replace(temp, path)
    os.chmod(path, 0o600)

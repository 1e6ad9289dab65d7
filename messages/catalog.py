"""Every user-facing text, loaded from ``catalog/<lang>/<area>.toml`` and rendered by key.

Keys are ``<area>.<name>``: the area is the file name, so ``enrol.toml``'s
``welcome`` is ``enrol.welcome``. One file per area (rather than one big
``en.toml``) keeps each flow's wording reviewable on its own page.
Texts use ``str.format`` placeholders such as ``{clinic_name}``.

A text may end with a line shared by many texts: ``{emergency_line}`` is the
catalog's own ``common.emergency_line`` rendered with the same values (rules v3
P11: every reply that does not answer carries the way out), so a translator
words it once.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Mapping

DEFAULT_LANGUAGE = "en"
META = "meta.toml"  # a language's own facts (e.g. ``reviewed``), not texts
SHARED_LINES = {"emergency_line": "common.emergency_line"}  # placeholder -> the text it stands for
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?\Z")


class MissingText(KeyError):
    """A message key (or one of its placeholders) is not in the catalog."""


@dataclass(frozen=True)
class Catalog:
    """An immutable mapping of message keys to templates for one language."""

    language: str
    texts: Mapping[str, str]

    def has(self, key: str) -> bool:
        return key in self.texts

    def render(self, key: str, /, **values: Any) -> str:
        """Return the text for ``key`` with ``values`` filled in."""
        try:
            template = self.texts[key]
        except KeyError:
            raise MissingText(key) from None
        for name, shared in SHARED_LINES.items():
            if name not in values and "{" + name + "}" in template and shared != key:
                values = {**values, name: self.render(shared, **values)}
        try:
            lines = [(line, line.format(**values)) for line in template.split("\n")]
        except KeyError as exc:
            raise MissingText(f"{key}: placeholder {exc.args[0]!r} not supplied") from None
        # An optional value left empty (a clinic without out-of-hours advice) must not leave a blank line
        # or a double space behind: drop lines it emptied, and tidy the spaces it left.
        kept = [re.sub(r"(?<=\S) {2,}", " ", done).rstrip(" ") if line != done else done
                for line, done in lines if not (line.strip() and not done.strip())]
        return "\n".join(kept)

    def placeholders(self, key: str) -> set[str]:
        """Names of the placeholders used by ``key``'s template."""
        return {
            field.split(".")[0].split("[")[0]
            for _, field, _, _ in string.Formatter().parse(self.texts[key])
            if field
        }


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(key, value, out)
        elif isinstance(value, str):
            out[key] = value.strip("\n")
        else:
            raise ValueError(f"catalog entry {key} must be text, not {type(value).__name__}")


def _read(folder: Traversable, texts: dict[str, str]) -> bool:
    """Add every ``<area>.toml`` of ``folder`` to ``texts``; False when there is no such folder."""
    if not folder.is_dir():
        return False
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and entry.name != META:
            area = entry.name.removesuffix(".toml")
            _flatten(area, tomllib.loads(entry.read_text(encoding="utf-8")), texts)
    return True


def load_catalog(language: str = DEFAULT_LANGUAGE, folder: str | Path | None = None) -> Catalog:
    """Read the texts of ``language``: ``catalog/<language>/*.toml`` shipped with the package, then the same
    in ``folder`` (AFTERCARE_CATALOG_DIR: a clinic's own texts or a whole language), key by key.

    A key a language lacks falls back to the default language (English), so a partial translation still
    says everything."""
    if not _LANGUAGE.match(language):
        raise ValueError(f"language {language!r} is not a code like 'en' or 'de'")
    shipped = resources.files("messages").joinpath("catalog")
    texts: dict[str, str] = {}
    if language != DEFAULT_LANGUAGE:
        _read(shipped.joinpath(DEFAULT_LANGUAGE), texts)  # the fallback for keys the language lacks
    found = [_read(place.joinpath(language), texts) for place in [shipped, *([Path(folder)] if folder else [])]]
    if not any(found) or not texts:
        raise ValueError(f"no catalog texts found for language {language!r}")
    return Catalog(language, texts)

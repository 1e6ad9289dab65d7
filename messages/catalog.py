"""Every user-facing text, loaded from ``catalog/<lang>/<area>.toml`` and rendered by key.

Keys are ``<area>.<name>``: the area is the file name, so ``enrol.toml``'s
``welcome`` is ``enrol.welcome``. One file per area (rather than one big
``en.toml``) keeps each flow's wording reviewable on its own page.
Texts use ``str.format`` placeholders such as ``{clinic_name}``.

A text may end with a line shared by many texts: ``{emergency_line}`` is the
catalog's own ``common.emergency_line`` rendered with the same values (rules v3
P11: every reply that does not answer carries the way out), so a translator
words it once.

A text with a ``{count}`` may be a plural table, ``{one = "1 day", other = "{count} days"}``: the entry
is chosen by the language's plural rules (messages/formatting.py, CLDR through Babel), "other" being the
text every check of keys and placeholders reads.

A language folder's ``meta.toml`` holds the language's facts, not texts: its ``name`` in itself
("Deutsch", shown on the language buttons) and ``reviewed`` (false until the clinic's clinician has read
the translation; ``aftercare doctor`` warns).
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Mapping

from messages.formatting import PLURAL_FORMS, choose_plural, language_name

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
    plurals: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # key -> plural table
    meta: Mapping[str, Any] = field(default_factory=dict)  # the language folder's meta.toml

    @property
    def name(self) -> str:
        """The language's name in itself ("Deutsch"): meta.toml's ``name``, else CLDR's."""
        return str(self.meta.get("name") or language_name(self.language))

    @property
    def reviewed(self) -> bool:
        """Whether the clinic's clinician has read this language's texts (meta.toml ``reviewed``)."""
        return self.meta.get("reviewed") is True

    def has(self, key: str) -> bool:
        return key in self.texts

    def render(self, key: str, /, **values: Any) -> str:
        """Return the text for ``key`` with ``values`` filled in."""
        try:
            template = self.texts[key]
        except KeyError:
            raise MissingText(key) from None
        if key in self.plurals and isinstance(values.get("count"), int):
            template = choose_plural(self.language, self.plurals[key], values["count"])
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


def _is_plural(value: Mapping[str, Any]) -> bool:
    return "other" in value and set(value) <= set(PLURAL_FORMS) and all(isinstance(v, str) for v in value.values())


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str],
             plurals: dict[str, dict[str, str]] | None = None) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping) and _is_plural(value):
            forms = {form: text.strip("\n") for form, text in value.items()}
            out[key] = forms["other"]
            if plurals is not None:
                plurals[key] = forms
        elif isinstance(value, Mapping):
            _flatten(key, value, out, plurals)
        elif isinstance(value, str):
            out[key] = value.strip("\n")
        else:
            raise ValueError(f"catalog entry {key} must be text, not {type(value).__name__}")


def _read(folder: Traversable, texts: dict[str, str], plurals: dict[str, dict[str, str]] | None = None,
          meta: dict[str, Any] | None = None) -> bool:
    """Add every ``<area>.toml`` of ``folder`` to ``texts`` (and ``meta.toml`` to ``meta``); False when there
    is no such folder."""
    if not folder.is_dir():
        return False
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == META:
            if meta is not None:
                meta.update(tomllib.loads(entry.read_text(encoding="utf-8")))
        elif entry.name.endswith(".toml"):
            area = entry.name.removesuffix(".toml")
            found: dict[str, str] = {}
            _flatten(area, tomllib.loads(entry.read_text(encoding="utf-8")), found, plurals)
            if plurals is not None:  # a plain text here replaces a plural table read before it, and so on
                for key in found:
                    if key in plurals and found[key] != plurals[key].get("other"):
                        del plurals[key]
            texts.update(found)
    return True


def catalog_languages(folder: str | Path | None = None) -> list[str]:
    """The languages that have a catalog: shipped ones and those in ``folder`` (AFTERCARE_CATALOG_DIR). A folder is a
    language's catalog once it has its ``meta.toml`` (a folder of a few texts being written is not yet one); the
    default language always is."""
    places = [resources.files("messages").joinpath("catalog"), *([Path(folder)] if folder else [])]
    return sorted({entry.name for place in places if place.is_dir() for entry in place.iterdir()
                   if entry.is_dir() and _LANGUAGE.match(entry.name)
                   and (entry.name == DEFAULT_LANGUAGE or entry.joinpath(META).is_file())})


def own_texts(language: str, folder: str | Path | None = None) -> tuple[dict[str, str], dict[str, Any]] | None:
    """A language's own texts and meta.toml, without the English fallback (``aftercare doctor`` compares them);
    None when neither the shipped catalog nor ``folder`` has the language."""
    texts: dict[str, str] = {}
    meta: dict[str, Any] = {}
    places = [resources.files("messages").joinpath("catalog"), *([Path(folder)] if folder else [])]
    found = [_read(place.joinpath(language), texts, {}, meta) for place in places]
    return (texts, meta) if any(found) else None


def fields(template: str) -> set[str]:
    """The placeholder names of a template ("{count} days" -> {"count"})."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def load_catalog(language: str = DEFAULT_LANGUAGE, folder: str | Path | None = None) -> Catalog:
    """Read the texts of ``language``: ``catalog/<language>/*.toml`` shipped with the package, then the same
    in ``folder`` (AFTERCARE_CATALOG_DIR: a clinic's own texts or a whole language), key by key.

    A key a language lacks falls back to the default language (English), so a partial translation still
    says everything."""
    if not _LANGUAGE.match(language):
        raise ValueError(f"language {language!r} is not a code like 'en' or 'de'")
    shipped = resources.files("messages").joinpath("catalog")
    texts: dict[str, str] = {}
    plurals: dict[str, dict[str, str]] = {}
    meta: dict[str, Any] = {}
    if language != DEFAULT_LANGUAGE:
        _read(shipped.joinpath(DEFAULT_LANGUAGE), texts, plurals)  # the fallback for keys the language lacks
    found = [_read(place.joinpath(language), texts, plurals, meta)
             for place in [shipped, *([Path(folder)] if folder else [])]]
    if not any(found) or not texts:
        raise ValueError(f"no catalog texts found for language {language!r}")
    return Catalog(language, texts, plurals, meta)

"""What the bot says, by catalog key: tests assert on keys, so rewording a text does not break them.

``said(key, **values)`` renders a text the way the test app does (the English catalog, the example clinic's
name and numbers); ``shows(sent, key, **values)`` checks that a text, or its fixed part when some of its
placeholders are not given, appears in what the bot sent. The English wording of safety messages is pinned
on purpose, apart, in tests/test_safety_wording.py.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Any

from bot.clinic_profile import default_clinic_file, load_clinic
from bot.services import SERVICES_KEY, Services
from messages.catalog import Catalog, load_catalog


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The catalog the test app loads (tests/conftest.py: default language, no catalog folder)."""
    return load_catalog()


@lru_cache(maxsize=1)
def clinic_values() -> dict[str, str]:
    """The placeholders every text may use to name the clinic: the example clinic's, as in the test app."""
    return load_clinic(default_clinic_file()).contact_values()


def services_of(app) -> Services:
    """The Services of a running Application (for tests whose app has another clinic profile)."""
    return app.bot_data[SERVICES_KEY]


def said(key: str, /, **values: Any) -> str:
    """The text ``key`` as the test app renders it, with the test clinic's values and ``values``."""
    return catalog().render(key, **{**clinic_values(), **values})


def fragments(key: str, /, **values: Any) -> list[str]:
    """The parts of ``key``'s text that do not depend on a placeholder left out of ``values``, line by line."""
    known = {**clinic_values(), **values}
    formatter = string.Formatter()
    pieces, current = [], ""
    for literal, field, spec, conversion in formatter.parse(catalog().texts[key]):
        current += literal
        if field is None:
            continue
        name = field.split(".")[0].split("[")[0]
        if name in known:
            value, _ = formatter.get_field(field, (), known)
            current += formatter.format_field(formatter.convert_field(value, conversion), spec or "")
        else:
            pieces.append(current)
            current = ""
    pieces.append(current)
    lines = [re.sub(r"(?<=\S) {2,}", " ", line).strip() for piece in pieces for line in piece.split("\n")]
    return [line for line in lines if line]


def shows(sent: str, key: str, /, *, at_start: bool = False, **values: Any) -> bool:
    """Whether ``sent`` contains the text ``key`` (its fixed parts, in order, when placeholders are unknown);
    with ``at_start``, the text must open ``sent``."""
    position = 0
    for number, part in enumerate(fragments(key, **values)):
        found = sent.find(part, position)
        if found < 0 or (at_start and number == 0 and sent[:found].strip()):
            return False
        position = found + len(part)
    return True

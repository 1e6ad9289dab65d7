"""A patient's Telegram name as staff see it (pure): a name no one can use to pass for the bot's header.

The name is the patient's own choice, so a patient could call themselves "Ana\\n✉️ Message from Bob (@bob),
patient no. 2" and make a relay read as if it came from Bob (issue 26). Staff act on the patient number and the
@username, which come from the bot's own records; the name shown beside them keeps only letters, marks,
spaces and the few signs names use (an apostrophe, a hyphen, a full stop), on one line and short. Gone are line
breaks and invisible characters, digits, emoji and other symbols (the header's ✉️, ❓, ✓), "@" and brackets.
"""

from __future__ import annotations

import unicodedata

NAME_LIMIT = 40  # characters of a name shown to staff
KEPT_SIGNS = frozenset("'’-. ")


def shown_name(name: str | None) -> str:
    """``name`` cleaned for the clinic chat (see the module docstring); "?" when nothing is left."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", name or ""):
        kind = unicodedata.category(char)[0]
        after_letter = bool(kept) and unicodedata.category(kept[-1])[0] in "LM"
        # a mark only on a letter (an accent; not the emoji variation selector left behind by a dropped ✉️)
        kept.append(char if kind == "L" or (kind == "M" and after_letter) or char in KEPT_SIGNS else " ")
    words = " ".join("".join(kept).split())[:NAME_LIMIT].strip()
    return words or "?"

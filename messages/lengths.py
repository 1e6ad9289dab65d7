"""How long a text is to Telegram, and a long one cut into messages Telegram accepts (pure).

Telegram counts a message's length in UTF-16 code units (an emoji outside the Basic Multilingual Plane
counts two) and refuses a text over 4,096 of them.
"""

from __future__ import annotations

TEXT_LIMIT = 4096  # the Bot API's limit for one message's text, in UTF-16 code units
BREAKS = ("\n\n", "\n", " ")  # where a long text is best cut: between paragraphs, then lines, then words


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in consecutive parts of at most ``limit`` UTF-16 units that join back to exactly ``text``: each
    cut after a paragraph break, else a line break, else a space, in the second half of the part if there is
    one there; else (a very long word) at the limit, never inside a character."""
    if limit < 2:
        raise ValueError("limit must leave room for a character")
    parts: list[str] = []
    while utf16_len(text) > limit:
        end, used = 0, 0
        for char in text:  # the longest prefix that fits, in whole characters
            used += utf16_len(char)
            if used > limit:
                break
            end += 1
        cut = next((found + len(mark) for mark in BREAKS
                    if (found := text.rfind(mark, end // 2, end)) > 0), end)
        parts.append(text[:cut])
        text = text[cut:]
    return [*parts, text] if text or not parts else parts

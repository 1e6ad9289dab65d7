"""messages.lengths: Telegram's length of a text, and a long text cut into parts it accepts (pure)."""

from __future__ import annotations

import pytest

from messages.lengths import split_text, utf16_len


@pytest.mark.parametrize("text, expected", [("", 0), ("abc", 3), ("é", 1), ("✉️", 2), ("😀", 2), ("a😀b", 4)])
def test_utf16_len_counts_as_telegram_does(text, expected):
    """Characters outside the Basic Multilingual Plane count two, as in Telegram's limits."""
    assert utf16_len(text) == expected


@pytest.mark.parametrize("text, limit, parts", [
    ("short", 10, ["short"]),
    ("", 10, [""]),
    ("one two three", 8, ["one two ", "three"]),                 # after a space
    ("aaaa bbbb\ncccc", 12, ["aaaa bbbb\n", "cccc"]),            # a line break before a space
    ("aaaaa b\n\ncc", 10, ["aaaaa b\n\n", "cc"]),                # a paragraph break before a space
    ("aaa\n\nbbb ccc", 10, ["aaa\n\nbbb ", "ccc"]),              # ...unless it would leave a part half empty
    ("abcdefghij", 4, ["abcd", "efgh", "ij"]),                   # one long word: at the limit
    ("😀😀😀", 4, ["😀😀", "😀"]),                                # never inside a character
    ("a  b", 3, ["a  ", "b"]),                                   # spaces kept where they were
])
def test_split_text(text, limit, parts):
    """Each part fits, the parts join back to the text exactly, and cuts fall at the best break in reach."""
    assert split_text(text, limit) == parts
    assert "".join(parts) == text and all(utf16_len(p) <= limit for p in parts)

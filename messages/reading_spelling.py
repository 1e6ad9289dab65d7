"""How a message and a lexicon phrase are spelled alike before they are compared (P4a, P4i).

The language-neutral part is code: lower case, accents off, curly quotes
straightened, hyphens between letters as spaces, words made of Unicode letters
(so "Straße" or "piel" with an accent stay one word). What is English is data
in the lexicon's ``[spelling]`` table: contractions ("can't" -> "can not"),
emoji read as words ("👄" -> "lips"), numbers written in words ("thirty eight
point five" -> "38.5") and a language's other spellings of its letters (German
"ue" for "ü" and "ss" for "ß": ``letters``, applied after the accents are off, so
"Übelkeit", "Uebelkeit" and "Ubelkeit" are one word). A negative contraction typed with one typo ("cnat") is
still read, unless the typed word is an English word itself ("want" is not
"wont"). Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

LETTERS = r"[^\W\d_]"
WORD = re.compile(rf"{LETTERS}+(?:'{LETTERS}+)*'?")
PIECE = rf"\d+(?:[.,]\d+)?|{LETTERS}+|°|%"
_VARIATION = dict.fromkeys(map(ord, "\ufe0f\ufe0e\u200d"))  # emoji presentation selectors and joiners


def one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insert, delete, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass(frozen=True)
class Spelling:
    """One language's contractions, emoji and number words, as read from its lexicon."""

    words: Mapping[str, str] = field(default_factory=dict)             # "can't" -> "can not"
    endings: tuple[tuple[str, str], ...] = ()                          # ("n't", " not"), ("'s", " is")
    emoji: Mapping[str, str] = field(default_factory=dict)             # "👄" -> "lips"
    typo_words: frozenset[str] = frozenset()                           # contractions forgiven one typo
    english: frozenset[str] = frozenset()                              # words never read as a typo
    numbers: Mapping[str, int] = field(default_factory=dict)           # "thirty" -> 30
    point: frozenset[str] = frozenset()                                # "point"
    half: tuple[str, ...] = ()                                         # ("and", "a", "half")
    hundred: frozenset[str] = frozenset()                              # "hundred"
    letters: tuple[tuple[str, str], ...] = ()                          # ("ß", "ss"), ("ue", "u")

    def _contraction(self, match: re.Match[str]) -> str:
        word = match[0]
        if word in self.words:
            return self.words[word]
        for ending, spelled in self.endings:
            if word.endswith(ending) and len(word) > len(ending):
                return word[: -len(ending)] + spelled
        if self.typo_words and "'" not in word and len(word) >= 4 and word not in self.english:
            meant = next((w for w in sorted(self.typo_words) if one_edit(word, w)), None)
            if meant:
                return self.words[meant]
        return word

    def normalise(self, text: str, typos: bool = True) -> str:
        """Lower case, accents off, emoji as words, contractions spelled out, hyphens between letters as spaces."""
        text = text.translate(_VARIATION)
        for emoji, word in self.emoji.items():
            if emoji in text:
                text = text.replace(emoji, f" {word} ")
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
        for spelled, letter in self.letters:  # after the accents: "ü" is already "u", so "ue" -> "u" joins them
            text = text.replace(spelled, letter)
        text = text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("º", "°").replace("_", " ")
        text = re.sub(rf"(?<={LETTERS})-(?={LETTERS})", " ", text)
        speller = self if typos else Spelling(self.words, self.endings, letters=self.letters)
        text = WORD.sub(speller._contraction, text).replace("'", "")
        text = re.sub(r"\b(\d{1,2})\s*/\s*10\b", r"\1 out of 10", text)  # a pain score, not a date
        text = re.sub(rf"(\d)({LETTERS}|°|%)", r"\1 \2", text)
        return re.sub(rf"({LETTERS})(\d)", r"\1 \2", text)

    def spell_numbers(self, words: list[str]) -> list[tuple[str, int]]:
        """Numbers in words as digits: (piece, how many words it stands for). "thirty eight point five" is
        38.5, "38 and a half" 38.5, "a hundred and one" 101, "nine out of ten" 9 out of 10. A lone small
        number word ("one eye") is left as it is."""
        out: list[tuple[str, int]] = []
        i = 0
        while i < len(words):
            found = self._number_at(words, i)
            if found:
                out.append(found)
                i += found[1]
            else:
                out.append((words[i], 1))
                i += 1
        return out

    def _whole(self, words: list[str], i: int) -> tuple[int, int, bool] | None:
        """(value, words used, written in words) of a whole number starting at ``i``."""
        if i >= len(words):
            return None
        if words[i].isdigit():
            return int(words[i]), 1, False
        j, value = i, 0
        if words[j] in ("a", "one") and j + 1 < len(words) and words[j + 1] in self.hundred:
            value, j = 100, j + 2
            if j < len(words) and words[j] == "and":
                j += 1
        n = self.numbers.get(words[j]) if j < len(words) else None
        if n is not None:
            value, j = value + n, j + 1
            if n >= 20 and n % 10 == 0 and j < len(words) and (self.numbers.get(words[j]) or 10) < 10:
                value, j = value + self.numbers[words[j]], j + 1
        elif value and words[j - 1] == "and":
            j -= 1
        return (value, j - i, True) if j > i else None

    def _number_at(self, words: list[str], i: int) -> tuple[str, int] | None:
        whole = self._whole(words, i)
        if whole is None:
            return None
        value, used, spelled = whole
        j = i + used
        fraction = ""
        if j + 1 < len(words) and words[j] in self.point:
            digits = []
            k = j + 1
            while k < len(words) and (words[k].isdigit() or (self.numbers.get(words[k], 10) < 10)):
                digits.append(words[k] if words[k].isdigit() else str(self.numbers[words[k]]))
                k += 1
            if digits:
                fraction, j = "." + "".join(digits), k
        elif self.half and tuple(words[j: j + len(self.half)]) == self.half:
            fraction, j = ".5", j + len(self.half)
        big = value >= 20 or fraction
        score = words[j: j + 2] == ["out", "of"] and j + 2 < len(words)
        if not spelled and not fraction:
            return None  # plain digits stay as they are
        if not big and not score:
            return None  # "one eye", "two days": small numbers in words keep their words
        return f"{value}{fraction}", j - i


NO_SPELLING = Spelling()


def parse_spelling(where: str, data: Any, english: frozenset[str], fail) -> Spelling:
    """The ``[spelling]`` table of a lexicon file (``fail(where, message)`` builds the error)."""
    data = data or {}
    words = data.get("contractions", {})
    endings = data.get("contraction_endings", {})
    emoji = data.get("emoji", {})
    for key, table in (("contractions", words), ("contraction_endings", endings), ("emoji", emoji)):
        if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) and k
                                                  for k, v in table.items()):
            raise fail(f"{where}.{key}", "needs a table of text = text")
    forgiven = data.get("typo_forgiven", [])
    if not set(forgiven) <= set(words):
        raise fail(f"{where}.typo_forgiven", "must name contractions of the table")
    letters = data.get("letters", {})
    if not isinstance(letters, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and k == k.lower()
                                                and k not in v for k, v in letters.items()):
        raise fail(f"{where}.letters", "needs a table of lower-case letters = letters")
    numbers = {}
    for key, start, step in (("units", 0, 1), ("teens", 10, 1), ("tens", 20, 10)):
        for n, word in enumerate(data.get(f"number_{key}", [])):
            numbers[word] = start + n * step
    return Spelling(
        MappingProxyType(dict(words)),
        tuple(sorted(endings.items(), key=lambda item: -len(item[0]))),
        MappingProxyType(dict(emoji)),
        frozenset(forgiven), english, MappingProxyType(numbers),
        frozenset(data.get("number_point", [])), tuple(str(data.get("number_half", "")).split()),
        frozenset(data.get("number_hundred", [])), tuple(letters.items()),
    )

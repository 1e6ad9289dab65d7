"""Typed answers, read the same way everywhere: one reader of yes / no / not sure and of named options.

The word lists are catalog data (``catalog/<lang>/words.toml``: ``<value> = "form | form | ..."``),
so enrolment, check-ins and one-tap confirmations accept the same typed forms, in each language.
A button's own label (``checkin.opt_<value>``, ``checkin.sign_<value>``) is always a form of its value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

MAX_TEXT = 200  # longer messages are never a one-word answer
MAX_PHRASE = 6  # words in the longest typed form
YES_NO_UNSURE = ("yes", "no", "unsure")
_LABEL_PREFIXES = ("checkin.opt_", "checkin.sign_", "words.", "preparation.words_")
_LISTS = ("words.", "preparation.words_")  # "form | form" lists (the second: signs read before the session)


def unaccented(text: str) -> str:
    """Lower case, accents off ("á" is "a"), "ß" as "ss": how the everyday-question topics and the language lists
    (messages/lexicon/languages.txt) spell words."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Lower case, no accents, curly quotes straightened, edge punctuation and emoji dropped, one space."""
    s = unicodedata.normalize("NFD", text[:MAX_TEXT].lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'").replace("‘", "'")
    s = re.sub(r"[^\w'?/ -]+", " ", s)  # emoji, ticks, dots and exclamation marks
    return " ".join(s.split()).strip(" -")


@dataclass(frozen=True)
class Words:
    """For each answer value, the typed forms that mean it."""

    forms: Mapping[str, frozenset[str]]

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> "Words":
        """Build from catalog texts: ``words.<value>`` lists and the buttons' own labels."""
        forms: dict[str, set[str]] = {}
        for key, text in texts.items():
            prefix = next((p for p in _LABEL_PREFIXES if key.startswith(p)), None)
            if prefix is None:
                continue
            value = key[len(prefix):]
            found = text.split("|") if prefix in _LISTS else [text]
            # everyday-question topics keep their "word*" prefixes (messages.questions.mentions reads them)
            spell = (lambda f: f.strip().lower()) if value.startswith("topic_") else normalise
            forms.setdefault(value, set()).update(f for f in map(spell, found) if f)
        return cls({value: frozenset(found) for value, found in forms.items()})

    def read(self, text: str, options: Iterable[str]) -> str | None:
        """The one option ``text`` stands for, or None (none, or more than one: never guess)."""
        s = normalise(text)
        if not s:
            return None
        options = tuple(options)
        hits = [value for value in options if self._is_form(s, value)]
        if not hits and " " in s:  # "no, not really", "all good thanks": forms of one option and filler words
            hits = [value for value in options if self._only(s.split(), value)]
        return hits[0] if len(hits) == 1 else None

    def _is_form(self, phrase: str, value: str) -> bool:
        return phrase in self.forms.get(value, ()) or phrase == value.replace("_", " ")

    def _only(self, words: list[str], value: str) -> bool:
        """Whether ``words`` are all forms of ``value`` and filler words ("thanks"), with one form at least."""
        filler = self.forms.get("filler", frozenset())
        reached = {0: False}  # position -> reached, with a form of value on the way there
        for start in range(len(words)):
            if start not in reached:
                continue
            for end in range(start + 1, min(len(words), start + MAX_PHRASE) + 1):
                phrase = " ".join(words[start:end])
                if self._is_form(phrase, value):
                    reached[end] = True
                elif phrase in filler:
                    reached[end] = reached.get(end, False) or reached[start]
        return reached.get(len(words), False)

    def yes_no(self, text: str) -> str | None:
        """'yes', 'no' or 'unsure' for the typed forms of the catalog, else None."""
        return self.read(text, YES_NO_UNSURE)

    def read_many(self, text: str, options: Iterable[str]) -> tuple[str, ...] | None:
        """Several options typed in one message ("rash, pimples and peeling"); None if any part is unknown."""
        options = tuple(options)
        joins = sorted(self.forms.get("list_and") or ("and", "plus"), key=len, reverse=True)  # "und", "y"
        pattern = r"\s*(?:,|;|\+|&|" + "|".join(rf"\b{re.escape(w)}\b" for w in joins) + r")\s*"
        plain = "".join(c for c in unicodedata.normalize("NFD", text[:MAX_TEXT].lower()) if not unicodedata.combining(c))
        parts = [p for p in re.split(pattern, plain) if p.strip()]
        picked = [self.read(part, options) for part in parts]
        if not picked or any(p is None for p in picked):
            return None
        return tuple(dict.fromkeys(picked))  # type: ignore[arg-type]

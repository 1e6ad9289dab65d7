"""A yes or no typed as a sentence at a pending choice: "No, nothing like that", "yes i agre", "yes please dear".

``messages.words.Words.yes_no`` reads the whole short forms ("yes", "no thanks"); ``read_yes_no`` is its fallback
for the obvious sentence. Pure, and all its words are catalog data (``catalog/<lang>/words.toml``):

- the answer itself: the forms of ``yes`` / ``no`` and the sentence-only ones (``yes_sentence``: "please",
  "agree"; ``no_sentence``: "nothing like that");
- what may stand around it once it is there (``yes_more``: "go ahead"; ``no_more``: "I'm fine"), the typed-answer
  ``filler`` and ``yes_no_filler`` ("dear");
- ``hedge`` ("I think so", "maybe", "?"): a hedged yes or no is "unsure", never a clean answer.

Every word of the text must be one of these, so anything else ("no but my lips feel funny") reads as nothing, and
the warning-sign reader, which runs first, has its say. Letters held for emphasis are no typo ("nooo", "yesss").
One typo in the whole text is forgiven: a missing or extra repeated letter ("agre", "yees"), and in a word of four
letters or more one letter wrong, missing, extra or swapped, the first letter kept ("plese", "nothign"; "fever" is never "never"); in a three-letter word only a swap
("yse"). Two-letter words must be exact ("not" and "now" are never "no"). The answer itself must be typed without
a typo, or be a phrase ("not realy"): a lone word near a form ("nose", "plese") is not taken for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from messages.words import MAX_PHRASE, Words, normalise

MAX_WORDS = 12   # a yes or no with its fillers is short; a longer text is something else
TYPOS = 1        # in the whole text
VALUES = ("yes", "no")


def read_yes_no(text: str, words: Words) -> str | None:
    """'yes' or 'no' for a sentence made of one answer's forms and fillers, 'unsure' when it is hedged, else None."""
    tokens = normalise(text).replace("?", " ? ").split()
    if not tokens or len(tokens) > MAX_WORDS:
        return None
    found = {value: hedged for value in VALUES if (hedged := _reads_as(tokens, value, words)) is not None}
    if len(found) != 1:
        return None
    (value, hedged), = found.items()
    return "unsure" if hedged else value


def _reads_as(tokens: list[str], value: str, words: Words) -> bool | None:
    """Whether ``tokens`` are all parts of the answer ``value`` (None: they are not; else whether hedged)."""
    f = words.forms
    parts = (("core", f.get(value, frozenset()) | f.get(f"{value}_sentence", frozenset())),
             ("more", f.get(f"{value}_more", frozenset())),
             ("filler", f.get("filler", frozenset()) | f.get("yes_no_filler", frozenset())),
             ("hedge", f.get("hedge", frozenset())))
    # position -> the reachable (typos, has the answer, hedged) states
    reached: dict[int, set[tuple[int, bool, bool]]] = {0: {(0, False, False)}}
    for start in range(len(tokens)):
        for typos, core, hedged in reached.get(start, ()):
            for end in range(start + 1, min(len(tokens), start + MAX_PHRASE) + 1):
                for kind, forms in parts:
                    cost = _phrase_cost(tuple(tokens[start:end]), forms)
                    if cost is not None and typos + cost <= TYPOS:
                        # the answer is there once typed without a typo, or as a phrase ("not realy")
                        answer = kind == "core" and (cost == 0 or end - start > 1)
                        reached.setdefault(end, set()).add((typos + cost, core or answer, hedged or kind == "hedge"))
    ends = [hedged for _, core, hedged in reached.get(len(tokens), ()) if core]
    return (any(ends)) if ends else None


def _phrase_cost(phrase: tuple[str, ...], forms: frozenset[str]) -> int | None:
    """0 when ``phrase`` is one of ``forms``, 1 when it is one with one typo, else None."""
    best = None
    for form in forms:
        parts = form.split()
        if len(parts) != len(phrase):
            continue
        cost = sum(c for c in map(_near, phrase, parts)) if all(
            _near(w, p) is not None for w, p in zip(phrase, parts)) else None
        if cost == 0:
            return 0
        if cost is not None and (best is None or cost < best):
            best = cost
    return best


@lru_cache(maxsize=4096)
def _near(word: str, form: str) -> int | None:
    """0 when equal, 1 for one typo (see the module docstring), else None."""
    if word == form or re.fullmatch("".join(f"{re.escape(c)}+" for c in form), word):
        return 0  # "nooo", "yesss", "pleaseee": emphasis, not a typo
    if len(form) == 2:
        return None
    if _squeeze(word) == _squeeze(form) or _swapped(word, form):
        return 1  # "yess", "agre", "yse"
    return 1 if len(form) >= 4 and _one_edit(word, form) else None


def _squeeze(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def _swapped(word: str, form: str) -> bool:
    return len(word) == len(form) and any(
        word[i] == form[i + 1] and word[i + 1] == form[i] and word[:i] == form[:i] and word[i + 2:] == form[i + 2:]
        for i in range(len(form) - 1))


def _one_edit(word: str, form: str) -> bool:
    """One letter substituted, inserted, deleted or two neighbours swapped (Damerau distance 1), the first letter
    kept: a typo rarely changes it, and a real word near a form mostly does ("fever" is not "never")."""
    if abs(len(word) - len(form)) > 1 or not word.isalpha() or word[0] != form[0] and not _swapped(word, form):
        return False
    if len(word) == len(form):
        diffs = [i for i, (a, b) in enumerate(zip(word, form)) if a != b]
        return len(diffs) == 1 or _swapped(word, form)
    short, long_ = sorted((word, form), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))

"""Regenerate ``messages/lexicon/de_words.txt`` from a German word list (not run by the tests).

Like ``tests/lexicon_words_es.py`` for Spanish: the reader forgives one typo in
a sign word of five letters or more (and in ``short_typo_words``) only when the
typed word is not a German word itself ("heißer", spelled "heisser", is not a
typo of "heiser"; "rennt" is not one of "brennt"). The list shipped holds only
the German words one typo away from such a word, spelled the way the reader
spells them (accents off, "ß" as "ss", "ue" as "u": the lexicon's
``[spelling.letters]``). Source: the German dictionary of ``pyspellchecker``
(MIT licence; word frequencies from OpenSubtitles), installed only to run this:

    pip install pyspellchecker
    python -m tests.lexicon_words_de [word list, one word a line; default: pyspellchecker's German dictionary]
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tomllib
from importlib import resources

from messages.reading_lexicon import parse_lexicon
from tests.lexicon_words import lookalikes, write_words
from messages.reading_spelling import PIECE, one_edit

# Common forms the dictionary leaves out or that patients type (dialect, chat).
_EXTRA = """heisser heisse heissen heisst rennt kennt nennt brennen renne hatten hatte hallo halt hals halls
luft lust laut lauft last list mund hund rund wund bund kund auge augen aufe lippe lippen tippe tippen kippe
kippen zunge junge lunge abgeschwollen abgeschwollene abgeschwollenen abgeheilt verheilt nach mach""".split()


def _dictionary_words() -> list[str]:
    import spellchecker  # pyspellchecker, only in the generating environment

    path = resources.files(spellchecker).joinpath("resources", "de.json.gz")
    with gzip.open(str(path), "rt", encoding="utf-8") as handle:
        return list(json.load(handle))


def near_words(dictionary: list[str]) -> list[str]:
    data = tomllib.loads(resources.files("messages").joinpath("lexicon/de.toml").read_text(encoding="utf-8"))
    lexicon = parse_lexicon(data)
    words: set[str] = set()
    for entry in dictionary + _EXTRA:
        for piece in re.findall(PIECE, lexicon.spelling.normalise(entry.strip(), typos=False)):
            words.add(piece)
    return lookalikes(words, lexicon)


def main(*paths: str) -> None:
    dictionary: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            dictionary += handle.read().splitlines()
    words = near_words(dictionary or _dictionary_words())
    write_words("de_words.txt", ("# German words one typo away from a lexicon word: never read as a typo (tests/lexicon_words_de.py,"
              " from pyspellchecker's German dictionary, MIT licence, word frequencies from OpenSubtitles)\n"), words)


if __name__ == "__main__":
    main(*sys.argv[1:])

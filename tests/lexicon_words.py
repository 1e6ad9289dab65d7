"""Regenerate ``messages/lexicon/en_words.txt`` from a system word list (not run by the tests).

The reader forgives one typo in a word of five letters or more only when the
typed word is not itself an English word (P4a): "brething" is "breathing",
but "lives" is not "hives". It only needs the English words that are one
typo away from a lexicon word, so that is all the shipped list holds.

    python -m tests.lexicon_words [/usr/share/dict/american-english]
"""

from __future__ import annotations

import sys
import tomllib
from importlib import resources

from messages.reading_lexicon import _deletions, _one_edit, parse_lexicon


def near_words(dictionary: list[str]) -> list[str]:
    """Dictionary words one edit away from a lexicon word of 5+ letters, and not lexicon words themselves."""
    data = tomllib.loads(resources.files("messages").joinpath("lexicon/en.toml").read_text(encoding="utf-8"))
    lexicon = parse_lexicon(data)
    out = set()
    for word in {w.strip().lower() for w in dictionary}:
        if len(word) < 5 or not word.isalpha() or word in lexicon.bases:
            continue
        for key in _deletions(word):
            if any(_one_edit(word, v) for v in lexicon.typo_index.get(key, ())):
                out.add(word)
                break
    return sorted(out)


def main(path: str = "/usr/share/dict/american-english") -> None:
    with open(path, encoding="utf-8") as handle:
        words = near_words(handle.read().splitlines())
    target = resources.files("messages").joinpath("lexicon/en_words.txt")
    header = "# English words one typo away from a lexicon word: never read as a typo (tests/lexicon_words.py)\n"
    with open(str(target), "w", encoding="utf-8") as handle:
        handle.write(header + "\n".join(words) + "\n")
    print(f"{len(words)} words")


if __name__ == "__main__":
    main(*sys.argv[1:])

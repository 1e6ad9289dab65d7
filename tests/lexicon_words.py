"""Regenerate ``messages/lexicon/en_words.txt`` from a system word list (not run by the tests).

The reader forgives one typo in a word of five letters or more, in the short
sign words (``short_typo_words``: "lios" is "lips") and in the negative
contractions (``spelling.typo_forgiven``: "cnat" is "can't") only when the
typed word is not itself an English word (P4a, P4i): "brething" is
"breathing", but "lives" is not "hives", "hips" is not "lips" and "want" is
not "cant". It only needs the English words that are one typo away from such
a word, so that is all the shipped list holds.

    python -m tests.lexicon_words [word lists; default: the american and british system lists]
"""

from __future__ import annotations

import sys
import tomllib
from importlib import resources

from messages.reading_lexicon import _deletions, parse_lexicon
from messages.reading_spelling import one_edit


def one_typo_from_a_sign_word(word: str, lexicon) -> bool:
    """Whether the reader would take ``word`` for a one-letter typo of one of ``lexicon``'s sign words (in a word
    of five letters or more, or in a short sign word); every language's generator asks this of its words."""
    return any(one_edit(word, variant) and (len(word) >= 5 and len(variant) >= 5
                                            or variant in lexicon.short_typo_words)
               for key in _deletions(word) for variant in lexicon.typo_index.get(key, ()))


def lookalikes(words: set[str], lexicon) -> list[str]:
    """The ``words`` (a language's own, as the reader spells them) that the reader would take for a typo of a
    sign word and that are no lexicon word themselves: the list shipped beside that language's lexicon."""
    return sorted(word for word in words if len(word) >= 3 and word.isalpha() and word not in lexicon.bases
                  and one_typo_from_a_sign_word(word, lexicon))


def write_words(name: str, header: str, words: list[str]) -> None:
    """``messages/lexicon/<name>``: the header line, then one word a line."""
    target = resources.files("messages").joinpath("lexicon", name)
    with open(str(target), "w", encoding="utf-8") as handle:
        handle.write(header + "\n".join(words) + "\n")
    print(f"{len(words)} words")


def near_words(dictionary: list[str]) -> list[str]:
    """Dictionary words one edit away from a word the reader forgives a typo in, and not lexicon words themselves."""
    data = tomllib.loads(resources.files("messages").joinpath("lexicon/en.toml").read_text(encoding="utf-8"))
    lexicon = parse_lexicon(data)
    contractions = lexicon.spelling.typo_words
    out = set()
    for word in {w.strip().lower() for w in dictionary}:
        if len(word) < 3 or not word.isalpha() or word in lexicon.spelling.words:
            continue
        if len(word) >= 4 and any(one_edit(word, c) for c in contractions):
            out.add(word)  # "want" is not "cant", even where "want" is a lexicon word too
            continue
        if word in lexicon.bases:
            continue
        if one_typo_from_a_sign_word(word, lexicon):
            out.add(word)
    return sorted(out)


def main(*paths: str) -> None:
    dictionary: list[str] = []
    for path in paths or ("/usr/share/dict/american-english", "/usr/share/dict/british-english"):
        with open(path, encoding="utf-8") as handle:
            dictionary += handle.read().splitlines()
    words = near_words(dictionary)
    write_words("en_words.txt", "# English words one typo away from a lexicon word: never read as a typo "
                                "(tests/lexicon_words.py)\n", words)


if __name__ == "__main__":
    main(*sys.argv[1:])

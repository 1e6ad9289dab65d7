"""Regenerate ``messages/lexicon/languages.txt`` (not run by the tests; needs ``pip install wordfreq``).

The reader marks a text "unread" (rules v3 P4g) when no installed lexicon finds anything in it and its words
are, by far, those of a language with no lexicon. That needs the commonest words of each language: the 500
most frequent of wordfreq's lists (Robyn Speer, data CC BY-SA 4.0), written as the reader spells words
(lower case, accents removed, ß as ss), for the installed languages and for the languages a clinic's patients
most often write in without one.

    python -m tests.language_words
"""

from __future__ import annotations

import unicodedata
from importlib import resources

from wordfreq import top_n_list

LANGUAGES = ["en", "de", "es", "fr", "it", "pt", "nl", "pl", "tr", "ro", "sv", "da", "nb", "fi", "cs", "hu", "sh",
             "id", "ms", "vi", "ca", "fil", "sk", "sl", "lt", "lv"]
HOW_MANY = 500


def spelled(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(ch for ch in word if not unicodedata.combining(ch))


def main() -> None:
    lines = ["# The 500 commonest words of each language, spelled as the reader spells them (rules v3 P4g:",
             "# is a text in a language no lexicon reads?). From wordfreq 3 (Robyn Speer), data CC BY-SA 4.0;",
             "# this file is under the same licence. Regenerate: python -m tests.language_words"]
    for language in LANGUAGES:
        words = dict.fromkeys(spelled(w) for w in top_n_list(language, HOW_MANY) if w.isalpha())
        lines.append(f"{language}: {' '.join(words)}")
    target = resources.files("messages").joinpath("lexicon", "languages.txt")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

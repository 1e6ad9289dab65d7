"""Regenerate ``messages/lexicon/es_words.txt`` from a Spanish word list (not run by the tests).

Like ``tests/lexicon_words.py`` for English: the reader forgives one typo in a
sign word of five letters or more (and in ``short_typo_words``) only when the
typed word is not a Spanish word itself ("labio" is not "lavio"'s typo if
"lavio" were a word). The list shipped holds only the Spanish words one typo
away from such a word. Source: Debian's ``wspanish`` (/usr/share/dict/spanish,
public domain), with accents removed as the reader removes them, and with the
plurals and regular verb forms that list leaves out built here by rule.

    python -m tests.lexicon_words_es [word list; default /usr/share/dict/spanish]
"""

from __future__ import annotations

import sys
import tomllib
import unicodedata
from importlib import resources

from messages.reading_lexicon import parse_lexicon
from tests.lexicon_words import lookalikes, write_words
from messages.reading_spelling import one_edit

_AR = ["o", "as", "a", "amos", "ais", "an", "e", "aste", "o", "aron", "aba", "abas", "abamos", "aban", "ado",
       "ada", "ados", "adas", "ando", "ar", "e", "es", "en", "emos", "ara", "aran", "aria", "arian"]
_ER = ["o", "es", "e", "emos", "eis", "en", "i", "iste", "io", "ieron", "ia", "ias", "iamos", "ian", "ido",
       "ida", "idos", "idas", "iendo", "er", "a", "as", "an", "amos", "era", "eran", "eria", "erian"]
_IR = [e.replace("er", "ir").replace("emos", "imos") if e in ("er", "emos", "era", "eran", "eria", "erian") else e
       for e in _ER]


# Common irregular forms the word list leaves out ("puse" is not a typo of "pus").
_IRREGULAR = """puse puso pusiste pusimos pusieron pusiera pues tuve tuvo tuviste tuvimos tuvieron tuviera estuve
estuvo estuvimos estuvieron hice hizo hicimos hicieron hecho hecha fui fue fuimos fueron fuera dije dijo dijeron
dicho vine vino vinieron quise quiso pude pudo pudieron supe supo traje trajo trajeron anduve anduvo voy vas va
vamos van doy das da dan estoy estas esta estan soy eres es somos son tengo tienes tiene tienen hago haces hace
hacen pongo pones pone ponen salgo sale salen digo dices dice dicen vengo viene vienen traigo oigo oye veo ves ve
ven vi vio se sabes sabe quiero quieres quiere quieren puedo puedes puede pueden duermo duerme siento sientes
siente sienten sentí sintió pido pide sigo sigue siguen vuelvo vuelve vuelven muevo mueve cuesta cuestan costo
duele duelen huele huelen muero muere murió caigo cae cayó cayeron leo lee leyó creo cree creyó oí oyó tenga tengan tengas suele suelen sueles viste visten
vistes habrá habrán habrás pierda pierdan pierdas quepa quepan cuele vuele vuelen tiende tienden tiente dire iré
oiré recen cuece cuecen pidan pidas hazla maratón mojito macro tempo rebeca etnia genia estrés buses subís
tarado tarada radón rayón mario frece tapala ojeras""".split()


def plain(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))


def forms(word: str) -> set[str]:
    """The word, its plural and, for an infinitive, its regular verb forms (accents off)."""
    w = plain(word)
    out = {w}
    if w[-1:] in "aeiou":
        out.add(w + "s")
    elif w.endswith("z"):
        out.add(w[:-1] + "ces")
    else:
        out.add(w + "es")
    for ending, table in (("ar", _AR), ("er", _ER), ("ir", _IR)):
        if w.endswith(ending) and len(w) > 3:
            out |= {w[:-2] + e for e in table}
    return out


def near_words(dictionary: list[str]) -> list[str]:
    data = tomllib.loads(resources.files("messages").joinpath("lexicon/es.toml").read_text(encoding="utf-8"))
    lexicon = parse_lexicon(data)
    words: set[str] = set()
    for entry in dictionary:
        if entry.strip():
            words |= forms(entry.strip())
    words |= {plain(w) for w in _IRREGULAR}
    return lookalikes(words, lexicon)


def main(*paths: str) -> None:
    dictionary: list[str] = []
    for path in paths or ("/usr/share/dict/spanish",):
        with open(path, encoding="utf-8") as handle:
            dictionary += handle.read().splitlines()
    words = near_words(dictionary)
    write_words("es_words.txt", ("# Spanish words one typo away from a lexicon word: never read as a typo (tests/lexicon_words_es.py,"
              " from Debian's wspanish list, public domain)\n"), words)


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Plurals, lists, dates and relative times in a language's own grammar, through Babel (CLDR data).

Hand-written versions ("1 days", "A, B and C", "5 min ago") are right in English only; these take the
language code of the catalog that speaks and ask CLDR. The catalog keeps its TOML texts: a text with a
``{count}`` may be a table ``{one = "...", other = "..."}`` (messages/catalog.py), and :func:`plural_form`
picks the entry for the count.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable, Mapping

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime
from babel.dates import format_timedelta
from babel.lists import format_list

PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
# The catalog's English is British (the clinic's source text: "A&E", "colour"), so its lists have no
# Oxford comma ("A, B and C"), as the hand-written join had.
REGION_OF = {"en": "en_GB"}


@lru_cache(maxsize=64)
def locale(language: str) -> Locale:
    """The Babel locale of a catalog language code ("en", "de", "pt-BR"); ValueError for an unknown one."""
    try:
        return Locale.parse(REGION_OF.get(language, language.replace("-", "_")))
    except Exception as exc:  # noqa: BLE001 - babel's UnknownLocaleError and malformed codes alike
        raise ValueError(f"{language!r} is not a language Babel knows") from exc


def is_known_language(language: str) -> bool:
    """Whether CLDR knows ``language`` (a clinic profile's offered codes are checked with this)."""
    try:
        locale(language)
    except ValueError:
        return False
    return True


def language_name(language: str) -> str:
    """The language's name in itself ("Deutsch", "español"), capitalised as a button label."""
    try:
        own = Locale.parse(language.replace("-", "_"))
    except Exception:  # noqa: BLE001 - an unknown code names itself
        return language
    name = own.get_display_name(own) or language
    return name[:1].upper() + name[1:]


def plural_form(language: str, count: int) -> str:
    """CLDR's plural category of ``count`` in ``language``: "one", "few", "many", "other"..."""
    return locale(language).plural_form(abs(count))


def choose_plural(language: str, forms: Mapping[str, str], count: int) -> str:
    """The entry of a plural table for ``count``; "other" when the language's category is not in the table."""
    return forms.get(plural_form(language, count)) or forms["other"]


def join_list(language: str, items: Iterable[str], style: str = "standard") -> str:
    """Items joined the language's way: "A, B and C", "A, B und C", "A, B y C"."""
    items = [item for item in items if item]
    return format_list(items, style=style, locale=locale(language)) if items else ""


def ago(language: str, elapsed: timedelta) -> str:
    """A past span in words: "5 minutes ago", "vor 5 Minuten", "hace 5 minutos" (at least a minute)."""
    elapsed = max(elapsed, timedelta(minutes=1))
    return format_timedelta(-elapsed, granularity="minute", threshold=1.5, add_direction=True,
                            locale=locale(language))


def written_date(language: str, pattern: str, when: date | datetime) -> str:
    """``when`` written with the CLDR ``pattern`` in ``language`` ("EEE dd MMM" -> "Fri 20 Nov"); an aware
    instant in its own zone. A language CLDR does not know takes English names in its own pattern."""
    names = locale(language if is_known_language(language) else "en")  # a clinic's own code CLDR lacks
    if isinstance(when, datetime):
        return format_datetime(when, pattern, tzinfo=when.tzinfo, locale=names)
    return babel_date(when, format=pattern, locale=names)


def long_date(language: str, when: date | datetime, pattern: str = "long") -> str:
    """A date in the language's own pattern ("20 November 2026", "20. November 2026")."""
    return babel_date(when, format=pattern, locale=locale(language))

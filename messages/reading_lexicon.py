"""Load and validate the lexicon of signs (``messages/lexicon/<lang>.toml``) into an immutable ``Lexicon``.

Also owns ``spell_out``, the text form that message and lexicon share (lower case,
no accents, contractions spelled out), the word endings a sign word may take,
and the one-typo index, so that a phrase in the file and the same words typed
by a patient always compare equal. Pure: standard library only.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

ACTIONS = ("emergency", "urgent", "confirm", "ask")
_CUE_KEYS = ("clause_breakers", "negation", "negation_fillers", "negation_after", "passed", "past", "persistence", "uncertainty",
             "hypothetical", "others", "patient_links", "first_person", "third_person", "coordinators", "hedges",
             "ellipsis")
_TOKEN_KEYS = {"action", "forms", "hedged", "topics", "other_senses", "confirm_from_day", "urgent_until_day",
               "confirm_with"}
_ENDINGS = ("s", "es", "ed", "d", "ing", "y", "ish", "ies", "ied")

Phrase = tuple[str, ...]
_NOT = {"cant": "can not", "cannot": "can not", "wont": "will not", "aint": "is not", "shant": "shall not"}
_NT = ("dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "hadnt", "couldnt",
       "shouldnt", "wouldnt", "mustnt", "neednt")


def spell_out(text: str) -> str:
    """Lower case, accents removed, contractions spelled out, hyphens between letters as spaces, "7/10" as
    "7 out of 10", numbers apart from their units: the sign reader's form of a message or a lexicon phrase."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("º", "°").replace("_", " ")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    text = re.sub(r"\b(ca|wo|sha)n'?t\b", lambda m: {"ca": "can", "wo": "will", "sha": "shall"}[m[1]] + " not", text)
    text = re.sub(r"\b([a-z]+)n't\b", r"\1 not", text)
    text = re.sub(r"\b(" + "|".join(_NT) + r")\b", lambda m: m[1][:-2] + " not", text)
    text = re.sub(r"\b(" + "|".join(_NOT) + r")\b", lambda m: _NOT[m[1]], text)
    text = re.sub(r"(?<=[a-z])'s\b", " is", text)
    text = re.sub(r"(?<=[a-z])'re\b", " are", text)
    text = re.sub(r"(?<=[a-z])'m\b", " am", text)
    text = re.sub(r"(?<=[a-z])'ve\b", " have", text)
    text = re.sub(r"(?<=[a-z])'ll\b", " will", text)
    text = re.sub(r"(?<=[a-z])'d\b", " would", text)
    text = text.replace("'", "")
    text = re.sub(r"\b(\d{1,2})\s*/\s*10\b", r"\1 out of 10", text)  # a pain score, not a date
    text = re.sub(r"(\d)([a-z°%])", r"\1 \2", text)
    return re.sub(r"([a-z])(\d)", r"\1 \2", text)


def words_of(phrase: str) -> Phrase:
    """A lexicon phrase as spelled-out words (the same splitting the reader uses)."""
    return tuple(re.findall(r"\d+(?:[.,]\d+)?|[a-z]+|°|%", spell_out(phrase)))


def variants(word: str) -> set[str]:
    """``word`` with its plural and -s/-es/-ed/-ing/-y/-ish endings (P4a), never -ly."""
    if len(word) <= 2 or not word.isalpha():
        return {word}
    out = {word} | {word + end for end in _ENDINGS}
    if word.endswith("e"):
        out |= {word[:-1] + end for end in ("ing", "y", "ish", "ed")}
    if word.endswith("y"):
        out |= {word[:-1] + end for end in ("ies", "ied", "iness")}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        out |= {word + word[-1] + end for end in ("ed", "ing", "y", "ish")}  # throb -> throbbing, red -> reddish
    return out


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insert, delete, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


@dataclass(frozen=True)
class TokenEntry:
    """How one §0 token is written, and what an affirmed mention of it does."""

    token: str
    action: str
    forms: tuple[Phrase, ...]
    hedged: tuple[Phrase, ...]
    topics: tuple[Phrase, ...]
    other_senses: tuple[Phrase, ...]
    confirm_from_day: int | None
    urgent_until_day: int | None
    confirm_with: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    """A body part class and a state class that, said together, are a sign of ``token``."""

    token: str
    parts: tuple[str, ...]
    states: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """The whole validated lexicon, with the indexes the reader needs."""

    version: str
    language: str
    max_chars: int
    tokens: Mapping[str, TokenEntry]
    cues: Mapping[str, tuple[Phrase, ...]]
    parts: Mapping[str, tuple[Phrase, ...]]
    states: Mapping[str, tuple[Phrase, ...]]
    pairs: tuple[Pair, ...]
    defaults: Mapping[str, str]
    temperature: Mapping[str, Any]
    english_words: frozenset[str]
    bases: Mapping[str, frozenset[str]]       # inflected variant -> lexicon words it stands for
    typo_index: Mapping[str, frozenset[str]]  # deletion key -> variants of 5+ letters
    by_first_word: Mapping[str, tuple[tuple[str, str, Phrase], ...]]  # word -> (kind, token or class, phrase)
    cues_by_first_word: Mapping[str, tuple[tuple[str, Phrase], ...]]  # word -> (cue list name, phrase)

    def base_words(self, word: str) -> frozenset[str]:
        """The lexicon words a typed word stands for: itself, an inflection, or one typo away."""
        found = self.bases.get(word)
        if found is not None:
            return found
        if len(word) < 5 or not word.isalpha() or word in self.english_words:
            return frozenset()
        hits: set[str] = set()
        for key in _deletions(word):
            for variant in self.typo_index.get(key, ()):
                if _one_edit(word, variant):
                    hits |= self.bases[variant]
        return frozenset(hits)


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"lexicon: {where}: {message}")


def _phrases(where: str, value: Any) -> tuple[Phrase, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) and words_of(p) for p in value):
        raise _fail(where, "needs a list of non-empty phrases")
    return tuple(words_of(p) for p in value)


def _day(where: str, value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise _fail(where, "must be a whole day number >= 0")
    return value


def parse_lexicon(data: Mapping[str, Any], english_words: frozenset[str] = frozenset()) -> Lexicon:
    """Validate a parsed lexicon file; ValueError names the offending token or key."""
    from messages.triage_vocab import SEVERITY_ITEMS, UnknownToken, parse_tokens  # §0: every token belongs to it

    if not isinstance(data.get("version"), str) or not data["version"]:
        raise _fail("version", "must be a non-empty string")
    tokens: dict[str, TokenEntry] = {}
    for name, raw in data.get("token", {}).items():
        try:
            if name not in SEVERITY_ITEMS:  # a bare severity item is a sign whose severity is asked
                parse_tokens([name])
        except UnknownToken:
            raise _fail(f"token.{name}", "not a §0 token") from None
        unknown = set(raw) - _TOKEN_KEYS
        if unknown:
            raise _fail(f"token.{name}", f"unknown key(s) {', '.join(sorted(unknown))}")
        if raw.get("action") not in ACTIONS:
            raise _fail(f"token.{name}", f"action must be one of {ACTIONS}")
        if not raw.get("forms"):
            raise _fail(f"token.{name}", "needs forms")
        tokens[name] = TokenEntry(
            name, raw["action"], _phrases(f"token.{name}.forms", raw["forms"]),
            *(_phrases(f"token.{name}.{key}", raw.get(key, [])) for key in ("hedged", "topics", "other_senses")),
            _day(f"token.{name}.confirm_from_day", raw.get("confirm_from_day")),
            _day(f"token.{name}.urgent_until_day", raw.get("urgent_until_day")),
            tuple(raw.get("confirm_with", [])),
        )
    for entry in tokens.values():
        for other in entry.confirm_with:
            if other not in tokens:
                raise _fail(f"token.{entry.token}.confirm_with", f"unknown token {other!r}")
    cues = {key: _phrases(f"cues.{key}", data.get("cues", {}).get(key)) for key in _CUE_KEYS}
    parts = {name: _phrases(f"parts.{name}", value) for name, value in data.get("parts", {}).items()}
    states = {name: _phrases(f"states.{name}", value) for name, value in data.get("states", {}).items()}
    pairs = []
    for index, raw in enumerate(data.get("pair", [])):
        where = f"pair #{index + 1}"
        if raw.get("token") not in tokens:
            raise _fail(where, f"unknown token {raw.get('token')!r}")
        if not raw.get("parts") or not set(raw["parts"]) <= set(parts):
            raise _fail(where, "parts must name [parts] classes")
        if not raw.get("states") or not set(raw["states"]) <= set(states):
            raise _fail(where, "states must name [states] classes")
        pairs.append(Pair(raw["token"], tuple(raw["parts"]), tuple(raw["states"])))
    defaults = dict(data.get("defaults", {}))
    for state, token in defaults.items():
        if state not in states or token not in tokens:
            raise _fail(f"defaults.{state}", "must map a state class to a token")
    temperature = dict(data.get("temperature", {}))
    for key in ("cues", "celsius_units", "fahrenheit_units", "not_after", "not_before", "not_with"):
        temperature[key] = frozenset(w for p in _phrases(f"temperature.{key}", temperature.get(key)) for w in p)
    for key in ("fever_celsius", "fever_fahrenheit", "normal_celsius", "normal_fahrenheit"):
        pair = temperature.get(key)
        if not (isinstance(pair, list) and len(pair) == 2 and pair[0] < pair[1]):
            raise _fail(f"temperature.{key}", "needs [low, high]")
    if type(temperature.get("window")) is not int:
        raise _fail("temperature.window", "needs a whole number of words")
    max_chars = data.get("max_chars")
    if type(max_chars) is not int or max_chars < 100:
        raise _fail("max_chars", "needs a whole number >= 100")
    vocabulary = {w for entry in tokens.values()
                  for group in (entry.forms, entry.hedged, entry.topics, entry.other_senses) for p in group for w in p}
    vocabulary |= {w for group in (parts, states) for ps in group.values() for p in ps for w in p}
    vocabulary |= temperature["cues"]
    bases: dict[str, set[str]] = {}
    for word in vocabulary:
        for variant in variants(word):
            bases.setdefault(variant, set()).add(word)
    typo_index: dict[str, set[str]] = {}
    for variant in bases:
        if len(variant) >= 5 and variant.isalpha():
            for key in _deletions(variant):
                typo_index.setdefault(key, set()).add(variant)
    by_first: dict[str, list[tuple[str, str, Phrase]]] = {}
    for entry in tokens.values():
        for kind, group in (("form", entry.forms), ("hedged", entry.hedged), ("topic", entry.topics),
                            ("other", entry.other_senses)):
            for phrase in group:
                by_first.setdefault(phrase[0], []).append((kind, entry.token, phrase))
    for kind, classes in (("part", parts), ("state", states)):
        for name, group in classes.items():
            for phrase in group:
                by_first.setdefault(phrase[0], []).append((kind, name, phrase))
    cues_by_first: dict[str, list[tuple[str, Phrase]]] = {}
    for name, phrases in cues.items():
        for phrase in phrases:
            cues_by_first.setdefault(phrase[0], []).append((name, phrase))
    return Lexicon(
        version=data["version"], language=str(data.get("language", "")), max_chars=max_chars,
        tokens=MappingProxyType(tokens), cues=MappingProxyType(cues), parts=MappingProxyType(parts),
        states=MappingProxyType(states), pairs=tuple(pairs), defaults=MappingProxyType(defaults),
        temperature=MappingProxyType(temperature), english_words=english_words,
        bases=MappingProxyType({k: frozenset(v) for k, v in bases.items()}),
        typo_index=MappingProxyType({k: frozenset(v) for k, v in typo_index.items()}),
        by_first_word=MappingProxyType({k: tuple(v) for k, v in by_first.items()}),
        cues_by_first_word=MappingProxyType({k: tuple(v) for k, v in cues_by_first.items()}),
    )


@lru_cache(maxsize=4)
def load_lexicon(language: str = "en") -> Lexicon:
    """Read and validate the lexicon shipped in ``messages/lexicon/`` (cached)."""
    folder = resources.files("messages").joinpath("lexicon")
    data = tomllib.loads(folder.joinpath(f"{language}.toml").read_text(encoding="utf-8"))
    words_file = data.get("english_words_file")
    english = frozenset()
    if words_file:
        english = frozenset(line.strip() for line in folder.joinpath(words_file).read_text(encoding="utf-8")
                            .splitlines() if line.strip() and not line.startswith("#"))
    return parse_lexicon(data, english)

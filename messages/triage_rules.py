"""Read and validate the rules file ``messages/triage.toml`` into immutable ``Rules``.

The file's header explains the condition vocabulary. Validation is strict so
that a typo in a clinician's edit stops start-up with a message naming the
rule, instead of silently never matching.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

from messages.triage_vocab import ITEMS, LEVELS, RISKS, SEVERITY_ITEMS, SEVERITY_VALUES

_EFFECTIVE_TRENDS = ("improving", "same", "worsening")
_SIGN_ACTIONS = ("emergency", "urgent", "passed")  # "passed": an emergency sign that has passed (P4i)
_LIST_KEYS = ("present_any", "with_any", "present_none")
_DAY_KEYS = ("day_min", "day_max", "rash_onset_min", "rash_onset_max")
CONDITION_KEYS = frozenset(
    _LIST_KEYS + _DAY_KEYS
    + ("severity", "trend_in", "risk_any", "previous_min", "others_min", "others_except",
       "free_text_sign", "free_text_only", "no_answers")
)


@dataclass(frozen=True)
class Severity:
    """A severity condition: the item's effective score (or, ``as_answered``, its given score) is one of ``scores``."""

    item: str
    scores: frozenset[int]
    as_answered: bool = False


@dataclass(frozen=True)
class Clause:
    """All conditions of one clause; ``None`` or empty means "not tested"."""

    present_any: tuple[str, ...] = ()
    with_any: tuple[str, ...] = ()
    present_none: tuple[str, ...] = ()
    severity: Severity | None = None
    day_min: int | None = None
    day_max: int | None = None
    rash_onset_min: int | None = None
    rash_onset_max: int | None = None
    trend_in: frozenset[str] | None = None
    risk_any: tuple[str, ...] = ()
    previous_min: str | None = None
    others_min: str | None = None
    others_except: frozenset[str] = frozenset()
    free_text_sign: str | None = None
    free_text_only: bool = False
    no_answers: bool = False


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: it matches if any of its clauses does."""

    id: str
    level: str
    when: tuple[Clause, ...]
    sources: tuple[str, ...]
    origin: str

    @property
    def needs_others(self) -> bool:
        """True for rules (U9) that look at the level of every other rule."""
        return any(clause.others_min for clause in self.when)


@dataclass(frozen=True)
class Rules:
    """The whole validated rules file."""

    version: str
    rules: tuple[Rule, ...]
    sets: Mapping[str, tuple[str, ...]]
    unsure_severity: int
    unsure_trend: str
    missing_trend: str
    very_severe_kept: frozenset[str]
    unmatched_symptom_level: str

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"triage rules: {where}: {message}")


def _level(where: str, value: Any) -> str:
    if value not in LEVELS:
        raise _fail(where, f"unknown level {value!r} (expected one of {', '.join(LEVELS)})")
    return value


def _items(where: str, value: Any, sets: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    if isinstance(value, str):
        if value not in sets:
            raise _fail(where, f"unknown set {value!r}")
        return sets[value]
    if not isinstance(value, list) or not value:
        raise _fail(where, "needs a non-empty list of items or a set name")
    for item in value:
        if item not in ITEMS:
            raise _fail(where, f"unknown item {item!r}")
    return tuple(value)


def _severity(where: str, value: Any) -> Severity:
    if not isinstance(value, dict) or value.get("item") not in SEVERITY_ITEMS:
        raise _fail(where, "severity needs {item = <severity item>, values = [...] or min = ...}")
    if set(value) - {"item", "values", "min", "as_answered"} or ("values" in value) == ("min" in value):
        raise _fail(where, "severity takes item plus exactly one of values or min (and optionally as_answered)")
    if value.get("as_answered", True) is not True:
        raise _fail(where, "as_answered can only be true")
    names = value["values"] if "values" in value else [value["min"]]
    for name in names:
        if name not in SEVERITY_VALUES:
            raise _fail(where, f"unknown severity value {name!r}")
    if "min" in value:
        scores = range(SEVERITY_VALUES.index(value["min"]), len(SEVERITY_VALUES))
    else:
        scores = (SEVERITY_VALUES.index(name) for name in names)
    return Severity(value["item"], frozenset(scores), bool(value.get("as_answered")))


def _clause(where: str, raw: Any, sets: Mapping[str, tuple[str, ...]]) -> Clause:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "each clause must be a non-empty table")
    unknown = set(raw) - CONDITION_KEYS
    if unknown:
        raise _fail(where, f"unknown condition key(s) {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {}
    for key in _LIST_KEYS:
        if key in raw:
            fields[key] = _items(f"{where}.{key}", raw[key], sets)
    for key in _DAY_KEYS:
        if key in raw:
            if type(raw[key]) is not int or raw[key] < 0:
                raise _fail(where, f"{key} must be a whole number >= 0")
            fields[key] = raw[key]
    if "severity" in raw:
        fields["severity"] = _severity(where, raw["severity"])
    if "trend_in" in raw:
        if not isinstance(raw["trend_in"], list) or not set(raw["trend_in"]) <= set(_EFFECTIVE_TRENDS):
            raise _fail(where, f"trend_in takes effective trends {_EFFECTIVE_TRENDS}")
        fields["trend_in"] = frozenset(raw["trend_in"])
    if "risk_any" in raw:
        if not isinstance(raw["risk_any"], list) or not set(raw["risk_any"]) <= set(RISKS):
            raise _fail(where, f"risk_any takes risks {RISKS}")
        fields["risk_any"] = tuple(raw["risk_any"])
    for key in ("previous_min", "others_min"):
        if key in raw:
            fields[key] = _level(f"{where}.{key}", raw[key])
    if "others_except" in raw:
        if not isinstance(raw["others_except"], list) or not all(isinstance(r, str) for r in raw["others_except"]):
            raise _fail(where, "others_except takes a list of rule ids")
        fields["others_except"] = frozenset(raw["others_except"])
    if "free_text_sign" in raw:
        if raw["free_text_sign"] not in _SIGN_ACTIONS:
            raise _fail(where, f"free_text_sign takes one of {_SIGN_ACTIONS}")
        fields["free_text_sign"] = raw["free_text_sign"]
    for key in ("free_text_only", "no_answers"):
        if key in raw:
            if raw[key] is not True:
                raise _fail(where, f"{key} can only be true")
            fields[key] = True
    return Clause(**fields)


def parse_rules(data: Mapping[str, Any]) -> Rules:
    """Validate the parsed TOML of a rules file; ValueError names the offending rule or key."""
    if tuple(data.get("levels", ())) != LEVELS:
        raise _fail("levels", f"must be {list(LEVELS)}")
    if not isinstance(data.get("version"), str) or not data["version"]:
        raise _fail("version", "must be a non-empty string")
    sets = {name: _items(f"sets.{name}", items, {}) for name, items in data.get("sets", {}).items()}
    defaults = data.get("defaults", {})
    if defaults.get("unsure_severity") not in SEVERITY_VALUES:
        raise _fail("defaults.unsure_severity", "must be a severity value")
    for key in ("unsure_trend", "missing_trend"):
        if defaults.get(key) not in _EFFECTIVE_TRENDS:
            raise _fail(f"defaults.{key}", f"must be one of {_EFFECTIVE_TRENDS}")
    kept = defaults.get("very_severe_kept", [])
    if not set(kept) <= set(SEVERITY_ITEMS):
        raise _fail("defaults.very_severe_kept", "must list severity items")
    rules: list[Rule] = []
    for index, raw in enumerate(data.get("rule", [])):
        rule_id = raw.get("id") or f"rule #{index + 1}"
        unknown = set(raw) - {"id", "level", "when", "sources", "origin"}
        if unknown:
            raise _fail(rule_id, f"unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("id"), str) or any(rule.id == rule_id for rule in rules):
            raise _fail(rule_id, "needs a unique string id")
        if not isinstance(raw.get("when"), list) or not raw["when"]:
            raise _fail(rule_id, "needs a non-empty list 'when'")
        if not isinstance(raw.get("sources"), list) or not isinstance(raw.get("origin"), str):
            raise _fail(rule_id, "needs 'sources' (a list) and 'origin' (text)")
        when = tuple(_clause(rule_id, clause, sets) for clause in raw["when"])
        rules.append(Rule(rule_id, _level(rule_id, raw.get("level")), when, tuple(raw["sources"]), raw["origin"]))
    if not rules:
        raise _fail("rule", "no rules")
    ids = {rule.id for rule in rules}
    for rule in rules:
        for clause in rule.when:
            if not clause.others_except <= ids:
                raise _fail(rule.id, f"others_except names unknown rule(s) {sorted(clause.others_except - ids)}")
    return Rules(
        version=data["version"],
        rules=tuple(rules),
        sets=MappingProxyType(sets),
        unsure_severity=SEVERITY_VALUES.index(defaults["unsure_severity"]),
        unsure_trend=defaults["unsure_trend"],
        missing_trend=defaults["missing_trend"],
        very_severe_kept=frozenset(kept),
        unmatched_symptom_level=_level("unmatched_symptom_level", data.get("unmatched_symptom_level")),
    )


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """Read and validate the ``triage.toml`` shipped in the ``messages`` package (cached)."""
    text = resources.files("messages").joinpath("triage.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))


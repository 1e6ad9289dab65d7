"""Triage of one post-microneedling check-in: ``evaluate(checkin, day) -> Verdict``.

Pure: no Telegram, no database, no clock. The rules are data
(``messages/triage.toml``, loaded by ``triage_rules``); this module applies
the evaluation principles of triage-rules.md §1 to them:

- P1 every rule is evaluated and the highest level wins; reasons are listed
  highest level first, in rule-table order within a level.
- P2/P3/P7 the safe defaults are applied once, in ``_Facts``, before any rule
  looks at an answer (unsure severity = severe, unsure presence = present,
  trend unsure = worsening, trend not asked = same, very_severe = severe
  except on pain, unknown rash onset = today).
- P4/P5 free text and missing answers are the conditions ``free_text_*`` and
  ``no_answers``; P6 risk fields only ever add conditions, so never lower.
- U9 (``others_min``) is evaluated last, on the level of all other rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from messages.triage_rules import Clause, Rule, Rules, load_rules, parse_rules
from messages.triage_vocab import (
    LEVELS,
    SEVERITY_ITEMS,
    UNSURE,
    CheckIn,
    UnknownToken,
    parse_tokens,
)

__all__ = [
    "LEVELS", "CheckIn", "Reason", "Rules", "UnknownToken", "Verdict",
    "evaluate", "evaluate_tokens", "load_rules", "parse_rules", "parse_tokens",
]

#: Reason id used when a symptom is present but no rule matched (see triage.toml).
GAP_RULE = "GAP"


@dataclass(frozen=True)
class Reason:
    """One matched rule and the answer tokens that triggered it."""

    rule: str
    level: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check-in: its level and why, under one rules version."""

    level: str
    reasons: tuple[Reason, ...]
    rules_version: str


def _rank(level: str) -> int:
    return LEVELS.index(level)


class _Facts:
    """A check-in with the safe defaults applied, as the rules see it."""

    def __init__(self, checkin: CheckIn, day: int, rules: Rules) -> None:
        self.checkin, self.day, self.rules = checkin, day, rules
        trend = checkin.trend
        if trend == UNSURE:
            trend = rules.unsure_trend
        self.trend = trend if trend is not None else rules.missing_trend
        onset = checkin.rash_first_reported_day
        self.rash_onset = onset if onset is not None else day  # P3
        self.keyword_hits = {
            name: tuple(f"free_text:{text}" for text in checkin.free_text if any(w in text for w in words))
            for name, words in rules.keywords.items()
        }

    def severity(self, item: str) -> int:
        """Effective 0-4 score of a severity item (0 when not answered)."""
        value = self.checkin.severities.get(item, 0)
        if value == UNSURE:
            return self.rules.unsure_severity  # P2
        if value == 4 and item not in self.rules.very_severe_kept:
            return 3  # P7
        return int(value)

    def present(self, item: str) -> str | None:
        """The token showing that ``item`` is present, or None."""
        if item in SEVERITY_ITEMS:
            return self.checkin.severity_token(item) if self.severity(item) >= 1 else None
        if item in self.checkin.presences:
            return item
        if item in self.checkin.unsure:
            return f"{item}:{UNSURE}"  # P2: unsure presence counts as present
        return None

    def any_present(self, items: Iterable[str]) -> tuple[str, ...]:
        """Tokens of every present item among ``items``."""
        return tuple(token for token in map(self.present, items) if token)


def _match(clause: Clause, facts: _Facts, others: str | None) -> tuple[str, ...] | None:
    """The answers that make ``clause`` true, or None when it does not hold."""
    checkin, day = facts.checkin, facts.day
    answers: list[str] = []
    if clause.day_min is not None and day < clause.day_min:
        return None
    if clause.day_max is not None and day > clause.day_max:
        return None
    for group in (clause.present_any, clause.with_any):
        if group:
            found = facts.any_present(group)
            if not found:
                return None
            answers += found
    if clause.present_none and facts.any_present(clause.present_none):
        return None
    if clause.severity is not None:
        if facts.severity(clause.severity.item) not in clause.severity.scores:
            return None
        answers.append(checkin.severity_token(clause.severity.item) or "")
    if clause.trend_in is not None:
        if facts.trend not in clause.trend_in:
            return None
        if checkin.trend is not None:
            answers.append(f"trend:{checkin.trend}")
    if clause.rash_onset_min is not None or clause.rash_onset_max is not None:
        low, high = clause.rash_onset_min or 0, clause.rash_onset_max
        if facts.rash_onset < low or (high is not None and facts.rash_onset > high):
            return None
        if checkin.rash_first_reported_day is not None:
            answers.append(f"rash_first_reported_day:{checkin.rash_first_reported_day}")
    if clause.risk_any:
        risks = [f"risk:{risk}" for risk in clause.risk_any if risk in checkin.risks]
        if not risks:
            return None
        answers += risks
    if clause.previous_min is not None:
        previous = checkin.previous_outcome
        if previous is None or _rank(previous) < _rank(clause.previous_min):
            return None
        answers.append(f"previous_outcome:{previous}")
    if clause.others_min is not None and (others is None or _rank(others) < _rank(clause.others_min)):
        return None
    if clause.free_text_keyword is not None:
        hits = facts.keyword_hits[clause.free_text_keyword]
        if not hits:
            return None
        answers += hits
    if clause.free_text_only:
        if not checkin.free_text or checkin.has_answers or any(facts.keyword_hits.values()):
            return None
        answers += [f"free_text:{text}" for text in checkin.free_text]
    if clause.no_answers:
        if not checkin.no_response and (checkin.has_answers or checkin.free_text):
            return None
        if checkin.no_response:
            answers.append("no_response")
    return tuple(dict.fromkeys(answers))  # ordered, without repeats


def _reason(rule: Rule, facts: _Facts, others: str | None = None) -> Reason | None:
    """A Reason when any clause of ``rule`` holds, with the answers of every clause that does."""
    answers: list[str] = []
    matched = False
    for clause in rule.when:
        found = _match(clause, facts, others)
        if found is not None:
            matched = True
            answers += found
    return Reason(rule.id, rule.level, tuple(dict.fromkeys(answers))) if matched else None


def _highest(reasons: Iterable[Reason]) -> str | None:
    levels = [reason.level for reason in reasons]
    return max(levels, key=_rank) if levels else None


def evaluate(checkin: CheckIn, day: int, rules: Rules | None = None) -> Verdict:
    """Triage one check-in on ``day`` days since treatment (day 0 = treatment day)."""
    if type(day) is not int or day < 0:
        raise ValueError(f"day must be a whole number of days since treatment, >= 0 (got {day!r})")
    onset = checkin.rash_first_reported_day
    if onset is not None and onset > day:
        raise UnknownToken(f"rash_first_reported_day:{onset}", f"the rash cannot start after today (day {day})")
    rules = rules or load_rules()
    facts = _Facts(checkin, day, rules)
    found = {rule.id: _reason(rule, facts) for rule in rules.rules if not rule.needs_others}
    others = _highest(reason for reason in found.values() if reason)
    for rule in rules.rules:
        if rule.needs_others:
            found[rule.id] = _reason(rule, facts, others)
    order = [rule.id for rule in rules.rules]
    reasons = sorted(
        (reason for reason in found.values() if reason),
        key=lambda reason: (-_rank(reason.level), order.index(reason.rule)),
    )
    if not reasons:
        symptoms = facts.any_present(rules.sets.get("SYMPTOMS", ()))
        if symptoms:  # a hole in the rule table: never reassure by default
            reasons = [Reason(GAP_RULE, rules.unmatched_symptom_level, symptoms)]
    return Verdict(_highest(reasons) or "normal", tuple(reasons), rules.version)


def evaluate_tokens(tokens: Iterable[str] | str, day: int, rules: Rules | None = None) -> Verdict:
    """Parse §0 tokens (a list, or one ``;``-separated string) and triage them on ``day``."""
    return evaluate(parse_tokens(tokens, day=day), day, rules)

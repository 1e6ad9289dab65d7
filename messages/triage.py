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
- P4 free text is read for signs by ``messages.reading`` (the lexicon of
  signs): an affirmed emergency or urgent sign is E4/U10 (``free_text_sign``),
  an emergency sign that has passed is P4i (contact_provider, v3);
  a sign to confirm counts as present (a severity to confirm as ``:unsure``),
  as if every confirmation were answered Yes or left unanswered (P4c); a
  message with no sign and no structured answer is M11 (``free_text_only``).
  P4d: what free text adds never lowers the level of the structured answers.
- P5 missing answers are ``no_answers``; P6 risk fields only ever add
  conditions, so never lower.
- U9 (``others_min``) is evaluated last, on the level of all other rules
  except those it names in ``others_except`` (C19).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from messages.reading import Reading, read_all
from messages.reading_lexicon import Lexicon
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
    asks: tuple[str, ...] = ()  # tokens the bot would ask the patient to confirm (P4c)


def _rank(level: str) -> int:
    return LEVELS.index(level)


class _Facts:
    """A check-in with the safe defaults applied, as the rules see it."""

    def __init__(self, checkin: CheckIn, day: int, rules: Rules, readings: tuple[Reading, ...] = (),
                 confirmed: tuple[str, ...] = (), structured: bool | None = None) -> None:
        self.checkin, self.day, self.rules = checkin, day, rules
        trend = checkin.trend
        if trend == UNSURE:
            trend = rules.unsure_trend
        self.trend = trend if trend is not None else rules.missing_trend
        onset = checkin.rash_first_reported_day
        self.rash_onset = onset if onset is not None else day  # P3
        self.sign_hits = {
            action: tuple(f"free_text:{text}" for text, reading in zip(checkin.free_text, readings)
                          if getattr(reading, action))
            for action in ("emergency", "urgent", "passed")
        }
        # M11: no sign acted on and nothing confirmed but a trend (P1a: a trend is not a symptom).
        self.nothing_found = not any(self.sign_hits.values()) and all(t.startswith("trend:") for t in confirmed)
        # Answers given as answers (tapped or typed as an option), not confirmed from free text (P4d).
        self.structured = checkin.has_answers if structured is None else structured

    def severity(self, item: str, as_answered: bool = False) -> int:
        """Effective 0-4 score of a severity item (0 when not answered); ``as_answered`` skips P7."""
        value = self.checkin.severities.get(item, 0)
        if value == UNSURE:
            return self.rules.unsure_severity  # P2
        if value == 4 and item not in self.rules.very_severe_kept and not as_answered:
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


def _match(clause: Clause, facts: _Facts, others: dict[str, Reason | None] | None) -> tuple[str, ...] | None:
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
        if facts.severity(clause.severity.item, clause.severity.as_answered) not in clause.severity.scores:
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
    if clause.others_min is not None:
        level = _highest(r for rule, r in (others or {}).items() if r and rule not in clause.others_except)
        if level is None or _rank(level) < _rank(clause.others_min):
            return None
    if clause.free_text_sign is not None:
        hits = facts.sign_hits[clause.free_text_sign]
        if not hits:
            return None
        answers += hits
    if clause.free_text_only:
        if not checkin.free_text or facts.structured or not facts.nothing_found:
            return None
        answers += [f"free_text:{text}" for text in checkin.free_text]
    if clause.no_answers:
        if not checkin.no_response and (checkin.has_answers or checkin.free_text):
            return None
        if checkin.no_response:
            answers.append("no_response")
    return tuple(dict.fromkeys(answers))  # ordered, without repeats


def _reason(rule: Rule, facts: _Facts, others: dict[str, Reason | None] | None = None) -> Reason | None:
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


def _confirmed(readings: tuple[Reading, ...]) -> tuple[str, ...]:
    """Signs to confirm, as the tokens recorded if the patient answers Yes or nothing (P4c, P2)."""
    tokens = [f"{t}:{UNSURE}" if t in SEVERITY_ITEMS else t for reading in readings for t in reading.confirm]
    return tuple(dict.fromkeys(tokens))


def _reasons(facts: _Facts, rules: Rules) -> list[Reason]:
    found = {rule.id: _reason(rule, facts) for rule in rules.rules if not rule.needs_others}
    for rule in rules.rules:
        if rule.needs_others:
            found[rule.id] = _reason(rule, facts, dict(found))
    return [reason for reason in found.values() if reason]


def evaluate(checkin: CheckIn, day: int, rules: Rules | None = None, lexicon: Lexicon | None = None) -> Verdict:
    """Triage one check-in on ``day`` days since treatment (day 0 = treatment day); its typed text is read with
    ``lexicon`` (the English one when None)."""
    if type(day) is not int or day < 0:
        raise ValueError(f"day must be a whole number of days since treatment, >= 0 (got {day!r})")
    onset = checkin.rash_first_reported_day
    if onset is not None and onset > day:
        raise UnknownToken(f"rash_first_reported_day:{onset}", f"the rash cannot start after today (day {day})")
    rules = rules or load_rules()
    readings = tuple(read_all(text.replace("_", " "), lexicon, day=day) for text in checkin.free_text)
    confirmed = _confirmed(readings)
    full = parse_tokens(checkin.tokens() + confirmed, day=day) if confirmed else checkin
    facts = _Facts(full, day, rules, readings, confirmed, checkin.has_answers)
    reasons = _reasons(facts, rules)
    if confirmed and checkin.has_answers:  # P4d: what free text adds never lowers the structured answers' level
        have = {reason.rule for reason in reasons}
        alone = _Facts(replace(checkin, free_text=()), day, rules)
        reasons += [r for r in _reasons(alone, rules) if r.rule not in have]
    if checkin.free_text and not checkin.has_answers and _highest(reasons) in (None, "normal"):
        # DECIDED (triage.toml): a typed message alone is never reassured; confirmed normal signs are still M11.
        reasons = [r for r in reasons if r.rule != "M11"]
        reasons.append(Reason("M11", "monitor", tuple(f"free_text:{text}" for text in checkin.free_text)))
    order = [rule.id for rule in rules.rules]
    reasons.sort(key=lambda reason: (-_rank(reason.level), order.index(reason.rule)))
    if not reasons:
        symptoms = facts.any_present(rules.sets.get("SYMPTOMS", ()))
        if symptoms:  # a hole in the rule table: never reassure by default
            reasons = [Reason(GAP_RULE, rules.unmatched_symptom_level, symptoms)]
    # P4c: an affirmed urgent sign is confirmed in one tap after its advice, like a sign to confirm; an emergency
    # sign is followed by Q1 instead, and a negated or hedged one is asked about.
    asks = tuple(dict.fromkeys(sign.token for reading in readings for sign in reading.signs
                               if sign.action in ("urgent", "confirm", "ask")))
    return Verdict(_highest(reasons) or "normal", tuple(reasons), rules.version, asks)


def evaluate_tokens(tokens: Iterable[str] | str, day: int, rules: Rules | None = None,
                    lexicon: Lexicon | None = None) -> Verdict:
    """Parse §0 tokens (a list, or one ``;``-separated string) and triage them on ``day``."""
    return evaluate(parse_tokens(tokens, day=day), day, rules, lexicon)

"""Tests for the triage core: every rule of triage-rules.md §2, its day boundaries, the safe defaults and the rules file."""

from __future__ import annotations

import ast
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from messages.catalog import load_catalog
from messages.triage import (
    LEVELS,
    CheckIn,
    Reason,
    UnknownToken,
    Verdict,
    evaluate,
    evaluate_tokens,
    load_rules,
    parse_rules,
    parse_tokens,
)

SPEC_RULE_IDS = (
    [f"E{n}" for n in range(1, 5)] + [f"U{n}" for n in range(1, 11)]
    + [f"C{n}" for n in range(1, 20)] + ["P4i"] + [f"M{n}" for n in range(1, 12)] + [f"N{n}" for n in range(1, 8)]
)

# (tokens, day, expected level, a rule that must be among the reasons)
CASES = [
    # 2.1 Emergency
    ("breathing_difficulty", 0, "emergency", "E1"),
    ("breathing_difficulty:unsure", 3, "emergency", "E1"),
    ("tongue_throat_swelling", 1, "emergency", "E2"),
    ("tongue_throat_swelling:unsure", 20, "emergency", "E2"),
    ("faint", 2, "emergency", "E3"),
    ("confusion", 9, "emergency", "E3"),
    ("free_text:i_cant_breathe_properly", 3, "emergency", "E4"),
    ("redness:mild;free_text:Throat feels tight", 1, "emergency", "E4"),
    ("free_text:feeling_really_dizzy", 0, "emergency", "E4"),
    ("free_text:brething_is_hard", 40, "emergency", "E4"),
    ("free_text:a_bit_dizzy", 0, "monitor", "M11"),            # hedged: asked, no alarm (P4c)
    ("free_text:breathing_is_fine", 0, "monitor", "M11"),      # negated (P4b)
    # 2.2 Urgent
    ("fever;redness:mild", 1, "urgent", "U1"),
    ("chills;pimples", 5, "urgent", "U1"),
    ("fever:unsure;rash:mild", 0, "urgent", "U1"),
    ("fever;hives:widespread", 0, "urgent", "U1"),
    ("spreading_redness", 2, "urgent", "U2"),
    ("spreading_redness:unsure", 20, "urgent", "U2"),
    ("cold_sores", 2, "urgent", "U3"),
    ("blisters", 14, "urgent", "U3"),
    ("blisters", 15, "contact_provider", "C16"),
    ("lip_swelling", 0, "urgent", "U4"),
    ("lip_swelling:unsure", 4, "urgent", "U4"),
    ("hives:widespread", 0, "urgent", "U5"),
    ("eye_problem", 1, "urgent", "U6"),
    ("pain:very_severe", 0, "urgent", "U7"),
    ("risk:immunocompromised;pus", 4, "urgent", "U8"),
    ("pus", 4, "contact_provider", "C6"),
    ("risk:immunocompromised;cold_sores", 30, "urgent", "U8"),
    ("risk:immunocompromised;fever:unsure", 3, "urgent", "U8"),
    ("previous_outcome:contact_provider;trend:worsening;redness:severe", 5, "urgent", "U9"),
    ("previous_outcome:urgent;trend:unsure;rash:mild;rash_first_reported_day:0", 9, "urgent", "U9"),
    ("previous_outcome:contact_provider;trend:worsening;redness:mild", 3, "urgent", "U9"),
    ("previous_outcome:monitor;trend:worsening;redness:severe", 5, "contact_provider", "C8"),
    ("previous_outcome:contact_provider;redness:severe", 5, "contact_provider", "C8"),
    ("previous_outcome:contact_provider;trend:worsening;redness:mild", 1, "monitor", "M8"),
    ("previous_outcome:contact_provider;trend:worsening;pimples", 1, "monitor", "M8"),  # a symptom named: not C19
    ("free_text:feeling_feverish", 3, "urgent", "U10"),
    ("none;free_text:my_eye_hurts", 1, "urgent", "U10"),
    ("free_text:my_lips_are_swelling", 2, "urgent", "U10"),
    ("free_text:temp_is_38.9", 2, "urgent", "U10"),
    ("free_text:no_fever,_just_a_bit_red", 2, "monitor", "M11"),
    ("free_text:blisters_on_my_chin", 14, "urgent", "U10"),
    ("free_text:blisters_on_my_chin", 15, "contact_provider", "C16"),  # typed blisters follow U3/C16
    ("previous_outcome:contact_provider;trend:worsening;free_text:yellow_crusts", 5, "urgent", "U9"),
    # 2.3 Contact provider
    ("rash:mild;rash_first_reported_day:0;trend:improving", 8, "contact_provider", "C1"),
    ("rash:mild;rash_first_reported_day:0;trend:improving", 7, "normal", "N7"),
    ("rash:mild;rash_first_reported_day:0;trend:worsening", 1, "contact_provider", "C2"),
    ("rash:mild;rash_first_reported_day:0;trend:unsure", 1, "contact_provider", "C2"),
    ("rash:mild;rash_first_reported_day:0;pus", 1, "contact_provider", "C3"),
    ("rash:mild;rash_first_reported_day:0;swelling:moderate", 1, "contact_provider", "C3"),
    ("rash:mild;rash_first_reported_day:0;swelling:mild", 1, "normal", "N3"),
    ("rash:mild;rash_first_reported_day:0;pain:severe", 1, "contact_provider", "C3"),
    ("rash:mild;rash_first_reported_day:0;itching:severe", 1, "contact_provider", "C3"),
    ("rash:mild;rash_first_reported_day:3", 3, "contact_provider", "C4"),
    ("rash:mild;rash_first_reported_day:2", 3, "monitor", "M7"),
    ("rash:mild", 3, "contact_provider", "C4"),
    ("rash:mild", 2, "monitor", "M7"),
    ("rash:severe;rash_first_reported_day:0", 0, "contact_provider", "C5"),
    ("rash:unsure;rash_first_reported_day:0", 0, "contact_provider", "C5"),
    ("rash:very_severe;rash_first_reported_day:0", 0, "contact_provider", "C5"),
    ("yellow_crusts", 2, "contact_provider", "C6"),
    ("fever", 3, "contact_provider", "C7"),
    ("chills;spots", 3, "contact_provider", "C7"),
    ("fever:unsure;peeling", 3, "contact_provider", "C7"),
    ("redness:severe", 3, "monitor", "M3"),
    ("redness:severe;trend:improving", 4, "contact_provider", "C8"),
    ("redness:moderate", 7, "monitor", "M3"),
    ("redness:moderate;trend:improving", 8, "contact_provider", "C8"),
    ("redness:mild;trend:improving", 8, "monitor", "M3"),
    ("redness:mild;trend:improving", 7, "normal", "N2"),
    ("free_text:still_red", 7, "monitor", "M11"),              # typed redness is confirmed from day 8 (P4a row)
    ("free_text:still_red", 8, "contact_provider", "C8"),
    ("redness:mild", 8, "contact_provider", "C8"),
    ("redness:mild;trend:same", 8, "contact_provider", "C8"),
    ("redness:mild;trend:unsure", 8, "contact_provider", "C8"),
    ("swelling:severe", 3, "monitor", "M4"),
    ("swelling:severe", 4, "contact_provider", "C9"),
    ("swelling:moderate", 7, "monitor", "M4"),
    ("swelling:moderate", 8, "contact_provider", "C9"),
    ("swelling:mild", 8, "contact_provider", "C9"),
    ("pain:severe", 0, "contact_provider", "C10"),
    ("pain:unsure", 0, "contact_provider", "C10"),
    ("pain:moderate", 7, "monitor", "M5"),
    ("pain:moderate", 8, "contact_provider", "C10"),
    ("itching:severe", 1, "contact_provider", "C11"),
    ("itching:very_severe", 1, "contact_provider", "C11"),
    ("redness:mild;trend:worsening", 2, "monitor", "M8"),
    ("redness:mild;trend:worsening", 3, "contact_provider", "C12"),
    ("pimples;trend:unsure", 2, "monitor", "M8"),
    ("pimples;trend:unsure", 3, "contact_provider", "C12"),
    ("lumps;trend:worsening", 3, "contact_provider", "C12"),
    ("spots", 60, "monitor", "M1"),
    ("spots", 61, "contact_provider", "C13"),
    ("spots:darkening", 10, "contact_provider", "C13"),
    ("spots;itching:mild", 10, "contact_provider", "C13"),
    ("spots;swelling:mild", 2, "contact_provider", "C13"),
    ("hives", 0, "contact_provider", "C14"),
    ("lumps", 30, "contact_provider", "C15"),
    ("scar_lines", 90, "contact_provider", "C15"),
    ("cold_sores", 15, "contact_provider", "C16"),
    # v2: C17 (days 0-3), C18 (day >= 22), C19 (flagged, worse, nothing named)
    ("swelling:very_severe", 0, "contact_provider", "C17"),
    ("swelling:very_severe", 3, "contact_provider", "C17"),
    ("swelling:very_severe", 4, "contact_provider", "C9"),
    ("redness:very_severe", 3, "contact_provider", "C17"),
    ("redness:very_severe;trend:improving", 4, "contact_provider", "C8"),
    ("swelling:severe", 3, "monitor", "M4"),
    ("redness:unsure", 1, "normal", "N2"),                  # unsure is severe (P2), not very severe
    ("redness:mild;trend:improving", 21, "monitor", "M3"),
    ("redness:mild;trend:improving", 22, "contact_provider", "C18"),
    ("swelling:mild", 22, "contact_provider", "C18"),
    ("pain:mild", 21, "monitor", "M5"),
    ("pain:mild", 22, "contact_provider", "C18"),
    ("itching:mild", 21, "monitor", "M6"),
    ("itching:mild", 22, "contact_provider", "C18"),
    ("itching:moderate", 21, "monitor", "M6"),
    ("itching:moderate", 22, "contact_provider", "C18"),
    ("previous_outcome:contact_provider;trend:worsening", 5, "contact_provider", "C19"),
    ("previous_outcome:urgent;trend:unsure;none", 30, "contact_provider", "C19"),
    ("previous_outcome:contact_provider;trend:worsening;none", 0, "contact_provider", "C19"),
    # P4i (v3): an emergency sign that has passed is not dropped
    ("free_text:I_fainted_this_morning,_feel_ok_now", 2, "contact_provider", "P4i"),
    ("free_text:the_swelling_of_my_tongue_has_gone_down", 1, "contact_provider", "P4i"),
    ("free_text:fever_last_night,_fine_now", 2, "monitor", "M11"),     # "passed" still negates other signs
    ("previous_outcome:monitor;trend:worsening;none", 5, "normal", "N1"),
    ("previous_outcome:contact_provider;trend:improving;none", 5, "normal", "N1"),
    # 2.4 Monitor
    ("spots", 0, "monitor", "M1"),
    ("pimples", 3, "monitor", "M2"),
    ("redness:severe", 2, "monitor", "M3"),
    ("swelling:mild", 4, "monitor", "M4"),
    ("pain:moderate", 3, "monitor", "M5"),
    ("pain:mild", 8, "monitor", "M5"),
    ("itching:moderate", 0, "monitor", "M6"),
    ("itching:mild", 8, "monitor", "M6"),
    ("rash:moderate;rash_first_reported_day:0", 7, "monitor", "M7"),
    ("rash:moderate;rash_first_reported_day:0", 8, "contact_provider", "C1"),
    ("rash:moderate;rash_first_reported_day:2", 2, "monitor", "M7"),
    ("rash:mild;rash_first_reported_day:2;trend:same", 7, "monitor", "M7"),
    ("rash:mild;rash_first_reported_day:2", 8, "contact_provider", "C1"),
    ("swelling:mild;trend:worsening", 0, "monitor", "M8"),
    ("peeling", 11, "monitor", "M9"),
    ("bruising", 11, "monitor", "M9"),
    ("no_response", 3, "monitor", "M10"),
    ("", 3, "monitor", "M10"),
    ("risk:immunocompromised;previous_outcome:monitor", 3, "monitor", "M10"),
    ("rash_first_reported_day:0;previous_outcome:urgent;risk:cold_sore_history", 9, "monitor", "M10"),  # P1 (v2)
    ("free_text:when_can_i_wear_makeup", 2, "monitor", "M11"),
    ("free_text:skin_is_peeling", 3, "monitor", "M11"),        # never reassured from free text alone
    ("free_text:it's_getting_worse", 4, "monitor", "M11"),
    # 2.5 Normal
    ("none", 0, "normal", "N1"),
    ("none;risk:fitzpatrick_iv_vi;risk:cold_sore_history", 5, "normal", "N1"),
    ("redness:mild", 7, "normal", "N2"),
    ("redness:moderate", 3, "normal", "N2"),
    ("redness:moderate", 4, "monitor", "M3"),
    ("redness:severe", 1, "normal", "N2"),
    ("redness:very_severe", 1, "contact_provider", "C17"),  # v1 gave normal (P7); v2 C17
    ("redness:mild;free_text:when_can_i_wear_makeup", 1, "normal", "N2"),
    ("risk:immunocompromised;redness:mild", 1, "normal", "N2"),
    ("swelling:moderate", 3, "normal", "N3"),
    ("pain:mild", 7, "normal", "N4"),
    ("pain:moderate", 2, "normal", "N4"),
    ("itching:mild", 7, "normal", "N5"),
    ("peeling;bruising", 10, "normal", "N6"),
    ("rash:mild;rash_first_reported_day:1", 1, "normal", "N7"),
    ("rash:mild;rash_first_reported_day:1;trend:improving", 7, "normal", "N7"),
    # P1b (v2): of several onsets the latest counts
    ("rash:mild;rash_first_reported_day:0;rash_first_reported_day:3", 3, "contact_provider", "C4"),
    ("rash:mild;rash_first_reported_day:3;rash_first_reported_day:1", 5, "contact_provider", "C4"),
]


def _rules_of(verdict: Verdict) -> list[str]:
    return [reason.rule for reason in verdict.reasons]


@pytest.mark.parametrize(("tokens", "day", "level", "rule"), CASES)
def test_rule_table(tokens: str, day: int, level: str, rule: str) -> None:
    """Each check-in gets the level of §2 and names the rule that decided it."""
    verdict = evaluate_tokens(tokens, day)
    assert verdict.level == level
    assert rule in _rules_of(verdict)
    assert verdict.reasons[0].level == level


def test_every_spec_rule_is_exercised_by_the_table() -> None:
    """The table above reaches every rule id of §2 at least once."""
    assert {rule for *_, rule in CASES} == set(SPEC_RULE_IDS)


@pytest.mark.parametrize(
    ("tokens", "day", "reasons"),
    [
        ("redness:severe;trend:improving", 4, [Reason("C8", "contact_provider", ("redness:severe",))]),
        ("fever:unsure;redness:mild", 1, [
            Reason("U1", "urgent", ("fever:unsure", "redness:mild")),
            Reason("N2", "normal", ("redness:mild",)),
        ]),
        ("no_response", 0, [Reason("M10", "monitor", ("no_response",))]),
        ("rash:mild;rash_first_reported_day:3", 5, [
            Reason("C4", "contact_provider", ("rash:mild", "rash_first_reported_day:3")),
        ]),
    ],
)
def test_reasons_name_the_answers(tokens: str, day: int, reasons: list[Reason]) -> None:
    """Reasons carry the triggering answer tokens, highest level first."""
    assert list(evaluate_tokens(tokens, day).reasons) == reasons


def test_reasons_are_ordered_highest_level_first() -> None:
    """With several matches the verdict lists emergency before urgent before lower levels."""
    verdict = evaluate_tokens("faint;eye_problem;pus;pimples;peeling", 3)
    ranks = [LEVELS.index(reason.level) for reason in verdict.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert _rules_of(verdict) == ["E3", "U6", "C6", "M2", "N6"]


@pytest.mark.parametrize(("tokens", "day"), [("trend:worsening", 5), ("redness:none;pain:none", 2), ("trend:unsure;risk:immunocompromised", 9)])
def test_trend_and_risk_without_symptoms_are_normal(tokens: str, day: int) -> None:
    """P1a: trend, risk and history tokens alone are not symptoms, so the outcome is normal."""
    verdict = evaluate_tokens(tokens, day)
    assert (verdict.level, verdict.reasons) == ("normal", ())


def test_none_never_cancels_symptoms() -> None:
    """P1b: `none` listed with a symptom neither hides it nor adds a reassuring reason."""
    verdict = evaluate_tokens("none;pus", 2)
    assert verdict.level == "contact_provider"
    assert "N1" not in _rules_of(verdict)


def test_verdict_carries_the_rules_version() -> None:
    """A verdict records which version of the rules file produced it."""
    raw = tomllib.loads(resources.files("messages").joinpath("triage.toml").read_text(encoding="utf-8"))
    assert evaluate_tokens("none", 0).rules_version == raw["version"] == load_rules().version


@pytest.mark.parametrize(
    "token",
    ["rash", "redness", "redness:extreme", "pus:unsure", "peeling:yes", "trend", "trend:better",
     "previous_outcome:bad", "risk:smoker", "free_text:", "rash_first_reported_day:x",
     "rash_first_reported_day", "banana", "no_response:1", "none:1", "hives:local"],
)
def test_unknown_tokens_are_refused_by_name(token: str) -> None:
    """Tokens outside §0 (or a severity item without a value) raise UnknownToken naming the token."""
    with pytest.raises(UnknownToken, match=token) as caught:
        parse_tokens(["redness:mild", token])
    assert isinstance(caught.value, ValueError)
    assert caught.value.token == token


def test_rash_onset_after_today_is_an_input_error() -> None:
    """P1b: a rash_first_reported_day later than the current day is refused, naming the token."""
    with pytest.raises(UnknownToken, match="rash_first_reported_day:5"):
        evaluate_tokens("rash:mild;rash_first_reported_day:5", 3)
    with pytest.raises(UnknownToken, match="rash_first_reported_day:5"):
        evaluate(parse_tokens("rash:mild;rash_first_reported_day:5"), 3)


@pytest.mark.parametrize("day", [-1, 2.5, "3", True])
def test_bad_day_is_refused(day: object) -> None:
    """The day must be a whole number of days since treatment, 0 or more."""
    with pytest.raises(ValueError, match="day"):
        evaluate(parse_tokens("none"), day)  # type: ignore[arg-type]


def test_repeated_and_conflicting_tokens_resolve_to_the_worst() -> None:
    """P1b: repeats keep the worst severity, trend, onset and previous outcome."""
    checkin = parse_tokens(
        "redness:mild;redness:severe;redness:moderate;pain:severe;pain:unsure;trend:improving;trend:worsening;"
        "rash_first_reported_day:1;rash_first_reported_day:2;previous_outcome:urgent;previous_outcome:monitor;"
        "fever:unsure;fever"
    )
    assert dict(checkin.severities) == {"redness": 3, "pain": "unsure"}
    assert checkin.trend == "worsening"
    assert (checkin.rash_first_reported_day, checkin.previous_outcome) == (2, "urgent")
    assert (checkin.presences, checkin.unsure) == (frozenset({"fever"}), frozenset())


def test_free_text_is_lower_cased_with_underscores() -> None:
    """P4: typed text is stored lower-cased with spaces replaced by `_`."""
    assert parse_tokens(["free_text:My Lips  feel odd"]).free_text == ("my_lips_feel_odd",)


def test_safe_default_unsure_pain_is_c10_not_u7() -> None:
    """P2: pain:unsure is evaluated as severe (C10), never as very severe (U7)."""
    assert _rules_of(evaluate_tokens("pain:unsure", 5)) == ["C10"]


# ------------------------------------------------------------------ rules file

def _minimal(**rule: object) -> dict:
    data = tomllib.loads(resources.files("messages").joinpath("triage.toml").read_text(encoding="utf-8"))
    data["rule"] = [{"id": "X1", "level": "monitor", "sources": [], "origin": "test", "when": [{"present_any": ["pus"]}]} | rule]
    return data


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"when": [{"present_anyy": ["pus"]}]}, "X1.*present_anyy"),
        ({"level": "panic"}, "X1.*panic"),
        ({"when": [{"present_any": ["goo"]}]}, "X1.*goo"),
        ({"when": [{"severity": {"item": "redness", "values": ["awful"]}}]}, "X1.*awful"),
        ({"when": [{"trend_in": ["unsure"]}]}, "X1.*trend_in"),
        ({"when": [{"others_min": "bad"}]}, "X1.*bad"),
        ({"when": [{"present_any": "NOSET"}]}, "X1.*NOSET"),
        ({"when": []}, "X1"),
    ],
)
def test_rules_file_validation_names_the_rule(rule: dict, message: str) -> None:
    """A typo in a rule (unknown condition key, level, item or value) raises ValueError naming the rule."""
    with pytest.raises(ValueError, match=message):
        parse_rules(_minimal(**rule))


def test_load_rules_is_cached_and_complete() -> None:
    """load_rules reads the shipped file once and it holds exactly the §2 rule ids, in order."""
    assert load_rules() is load_rules()
    assert [rule.id for rule in load_rules().rules] == SPEC_RULE_IDS
    for rule in load_rules().rules:
        assert rule.origin and isinstance(rule.sources, tuple)


def test_every_rule_and_level_has_a_catalog_text() -> None:
    """Every rule id has a triage.rule_<ID> text and every level a triage.level_<level> text, all rendering."""
    catalog = load_catalog()
    for rule_id in SPEC_RULE_IDS + ["GAP"]:
        text = catalog.render(f"triage.rule_{rule_id}", day=5)
        assert text and len(text) < 300 and catalog.placeholders(f"triage.rule_{rule_id}") <= {"day"}
    clinic = {"clinic_name": "Clinic", "clinic_phone": "0123", "out_of_hours": "NHS 111", "emergency_number": "999"}
    for level in LEVELS:
        assert catalog.render(f"triage.level_{level}", **clinic)
        assert catalog.placeholders(f"triage.level_{level}") <= set(clinic)


def test_triage_core_imports_only_stdlib() -> None:
    """The triage modules stay pure: they import only the standard library and `messages`."""
    allowed = {"__future__", "dataclasses", "functools", "importlib", "tomllib", "types", "typing", "messages"}
    for path in Path(__file__).parent.parent.joinpath("messages").glob("triage*.py"):
        assert imported_roots(path) <= allowed, path.name


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return {name.split(".")[0] for name in names}


# ---------------------------------------------------------------- properties

SEVERITY_TOKENS = [f"{item}:{value}" for item in ("redness", "swelling", "pain", "itching", "rash")
                   for value in ("none", "mild", "moderate", "severe", "very_severe", "unsure")]
PRESENCE_TOKENS = [
    "none", "peeling", "bruising", "pimples", "spots", "spots:darkening", "pus", "yellow_crusts",
    "blisters", "cold_sores", "hives", "hives:widespread", "lumps", "scar_lines", "spreading_redness",
    "spreading_redness:unsure", "fever", "fever:unsure", "chills", "eye_problem", "lip_swelling",
    "lip_swelling:unsure", "tongue_throat_swelling", "tongue_throat_swelling:unsure",
    "breathing_difficulty", "breathing_difficulty:unsure", "faint", "confusion",
]
OTHER_TOKENS = [
    "trend:improving", "trend:same", "trend:worsening", "trend:unsure", "risk:immunocompromised",
    "risk:fitzpatrick_iv_vi", "risk:cold_sore_history", "previous_outcome:monitor",
    "previous_outcome:contact_provider", "previous_outcome:urgent", "free_text:is_this_normal",
    "free_text:it_looks_like_pus", "no_response",
]
RED_FLAGS = [
    "breathing_difficulty", "breathing_difficulty:unsure", "tongue_throat_swelling",
    "tongue_throat_swelling:unsure", "faint", "confusion", "fever", "fever:unsure", "chills",
    "spreading_redness", "spreading_redness:unsure", "cold_sores", "blisters", "lip_swelling",
    "lip_swelling:unsure", "hives:widespread", "eye_problem", "pain:very_severe", "free_text:cant_swallow",
]


@st.composite
def checkins(draw: st.DrawFn) -> tuple[list[str], int]:
    """A random valid check-in: some tokens and a day, with a rash onset no later than the day."""
    day = draw(st.integers(min_value=0, max_value=90))
    tokens = draw(st.lists(st.sampled_from(SEVERITY_TOKENS + PRESENCE_TOKENS + OTHER_TOKENS), max_size=7))
    if draw(st.booleans()):
        tokens.append(f"rash_first_reported_day:{draw(st.integers(min_value=0, max_value=day))}")
    return tokens, day


def _rank(tokens: list[str], day: int) -> int:
    return LEVELS.index(evaluate_tokens(tokens, day).level)


@given(checkins(), st.sampled_from(RED_FLAGS))
def test_adding_a_red_flag_never_lowers_the_level(checkin: tuple[list[str], int], flag: str) -> None:
    """Adding any E*/U* red-flag answer to a check-in never lowers its level."""
    tokens, day = checkin
    assert _rank(tokens + [flag], day) >= _rank(tokens, day)


@given(checkins(), st.sampled_from(["redness", "swelling", "pain", "itching", "rash"]))
def test_unsure_severity_is_never_lower_than_severe(checkin: tuple[list[str], int], item: str) -> None:
    """P2: X:unsure never gives a lower level than X:severe for each severity item."""
    tokens, day = checkin
    rest = [token for token in tokens if not token.startswith(f"{item}:")]
    assert _rank(rest + [f"{item}:unsure"], day) >= _rank(rest + [f"{item}:severe"], day)


@given(checkins())
def test_fever_unsure_is_never_lower_than_fever(checkin: tuple[list[str], int]) -> None:
    """P2: fever:unsure never gives a lower level than fever."""
    tokens, day = checkin
    rest = [token for token in tokens if not token.startswith("fever")]
    assert _rank(rest + ["fever:unsure"], day) >= _rank(rest + ["fever"], day)


@given(checkins(), st.sampled_from(["risk:immunocompromised", "risk:fitzpatrick_iv_vi", "risk:cold_sore_history"]))
def test_risk_fields_never_lower_the_level(checkin: tuple[list[str], int], risk: str) -> None:
    """P6: adding a risk profile field never lowers the level."""
    tokens, day = checkin
    assert _rank(tokens + [risk], day) >= _rank(tokens, day)


@given(checkins())
def test_rule_table_covers_every_symptom_on_every_day(checkin: tuple[list[str], int]) -> None:
    """No valid check-in falls into a gap of the rule table, and the level is its highest reason."""
    tokens, day = checkin
    verdict = evaluate_tokens(tokens, day)
    assert "GAP" not in _rules_of(verdict)
    assert verdict.level == (verdict.reasons[0].level if verdict.reasons else "normal")


@given(checkins())
def test_parsed_checkins_round_trip(checkin: tuple[list[str], int]) -> None:
    """CheckIn.tokens() writes a check-in back in tokens that parse to the same CheckIn."""
    parsed = parse_tokens(checkin[0])
    assert isinstance(parsed, CheckIn)
    assert parse_tokens(parsed.tokens()) == parsed

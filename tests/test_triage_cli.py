"""Tests for `aftercare triage`: the command-line shell over the triage core."""

from __future__ import annotations

import io
import json

import pytest

from bot.tools.triage import triage_command
from messages.triage import load_rules


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = triage_command(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_prints_level_then_one_reason_per_line() -> None:
    """The first line is the level and each reason follows as `<RULE> <level>: <answers>`."""
    code, out, err = _run("--day", "4", "redness:severe", "trend:improving")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["contact_provider", "C8 contact_provider: redness:severe"]


def test_several_reasons_join_answers_with_commas() -> None:
    """A reason with several answers lists them joined by ', ', highest level first."""
    code, out, _ = _run("--day", "1", "fever", "redness:mild")
    assert code == 0
    assert out.splitlines() == ["urgent", "U1 urgent: fever, redness:mild", "N2 normal: redness:mild"]


def test_json_output() -> None:
    """--json prints the level, the reasons with their answers and the rules version."""
    code, out, _ = _run("--day", "4", "redness:severe", "trend:improving", "--json")
    assert code == 0
    assert json.loads(out) == {
        "level": "contact_provider",
        "reasons": [{"rule": "C8", "level": "contact_provider", "answers": ["redness:severe"]}],
        "rules_version": load_rules().version,
    }


def test_semicolon_separated_tokens_and_subcommand_name_are_accepted() -> None:
    """Tokens may be given as one `;`-separated argument, after an optional `triage` word."""
    code, out, _ = _run("triage", "--day", "0", "breathing_difficulty:unsure;none")
    assert code == 0
    assert out.splitlines()[:2] == ["emergency", "E1 emergency: breathing_difficulty:unsure"]


def test_no_tokens_is_an_unanswered_check_in() -> None:
    """With no tokens at all the check-in counts as unanswered (M10, monitor)."""
    code, out, _ = _run("--day", "3")
    assert code == 0
    assert out.splitlines() == ["monitor", "M10 monitor:"]


@pytest.mark.parametrize("token", ["rash", "banana", "pus:unsure", "rash_first_reported_day:9"])
def test_unknown_token_exits_2_naming_it(token: str) -> None:
    """A token outside the vocabulary is named on stderr, nothing is printed, and the exit code is 2."""
    code, out, err = _run("--day", "3", "redness:mild", token)
    assert (code, out) == (2, "")
    assert token in err


@pytest.mark.parametrize("argv, reason", [
    (["--day", "-1", "none"], "day must be 0 or more"),
    (["--day", "three", "none"], "not a whole number of days"),
    (["none"], "the following arguments are required: --day"),
    (["--day"], "expected one argument"),
])
def test_bad_day_exits_2(argv: list[str], reason: str) -> None:
    """A missing, negative or non-numeric --day is a usage error with exit code 2 and its reason on stderr."""
    code, out, err = _run(*argv)
    assert (code, out) == (2, "")
    assert reason in err


def test_help_goes_to_out_and_exits_0() -> None:
    """--help prints usage to the given output stream and returns 0 instead of exiting."""
    code, out, _ = _run("--help")
    assert code == 0
    assert "aftercare triage" in out

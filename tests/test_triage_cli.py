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
        "asks": [],
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


def test_text_is_read_as_the_chat_reads_it() -> None:
    """--text reads a typed message for signs: an affirmed sign acts (and is confirmed), a negated one is asked about."""
    code, out, _ = _run("--json", "--day", "1", "--text", "no fever and my lips are swelling")
    data = json.loads(out)
    assert code == 0
    assert (data["level"], [r["rule"] for r in data["reasons"]], data["asks"]) == ("urgent", ["U10"], ["fever", "lip_swelling"])


def test_text_and_free_text_token_read_the_same() -> None:
    """A free_text: token with underscores gives the same verdict as the same words passed with --text."""
    for message in ("my lips are swelling", "temp is 38,7", "no fever, just a bit red", "yellow crusts on my chin"):
        _, by_text, _ = _run("--json", "--day", "4", "--text", message)
        _, by_token, _ = _run("--json", "--day", "4", "free_text:" + message.replace(" ", "_"))
        by_text = {k: v for k, v in json.loads(by_text).items() if k != "texts"}  # only --text is read as the chat
        assert by_text == json.loads(by_token), message


def test_asks_lists_the_confirmations_and_the_level_assumes_yes() -> None:
    """asks names the signs to confirm; the level is the one recorded if they are confirmed or left unanswered."""
    code, out, _ = _run("--json", "--day", "9", "--text", "still red, and yellow crusts on my chin")
    data = json.loads(out)
    assert (code, data["level"], data["asks"]) == (0, "contact_provider", ["redness", "yellow_crusts"])
    assert {"C6", "C8"} <= {r["rule"] for r in data["reasons"]}


def test_text_output_lists_asks() -> None:
    """The plain output ends with an `asks:` line when the bot would ask anything."""
    code, out, _ = _run("--day", "2", "--text", "no fever")
    assert code == 0
    assert out.splitlines() == ["monitor", "M11 monitor: free_text:no_fever", "asks: fever",
                                "text 1 in the chat: asks; does ask; asks ask_fever"]


def test_an_unsettled_mention_shows_the_safety_screen_the_chat_asks() -> None:
    """"my lips feel a bit funny" on day 1: the chat asks the Q1 safety screen and the lips question at once, and
    --text says so (before, it asked nothing)."""
    code, out, _ = _run("--json", "--day", "1", "--text", "my lips feel a bit funny")
    chat = json.loads(out)["texts"][0]
    assert (code, chat["steps"], chat["asks"][0], chat["safety_question"]) == (0, ["ask"], "safety", True)


def test_text_together_with_tokens_never_lowers_them() -> None:
    """Structured tokens and a typed message are triaged together; the message never lowers the tokens' level (P4d)."""
    code, out, _ = _run("--json", "--day", "5", "pain:severe", "--text", "all good now")
    assert (code, json.loads(out)["level"]) == (0, "contact_provider")


def test_unknown_token_beside_text_still_exits_2() -> None:
    """An unknown token is refused by name even when --text is given."""
    code, out, err = _run("--day", "3", "--text", "my lips are swelling", "lips:swollen")
    assert (code, out) == (2, "")
    assert "lips:swollen" in err


def test_help_lists_the_whole_vocabulary() -> None:
    """--help names every §0 token family, so clinicians can write check-ins by hand."""
    from messages.triage_vocab import PRESENCE_ITEMS, RISKS, SEVERITY_ITEMS, TRENDS

    code, out, _ = _run("--help")
    assert code == 0
    for word in [*SEVERITY_ITEMS, *PRESENCE_ITEMS, *RISKS, *TRENDS, "very_severe", "rash_first_reported_day",
                 "previous_outcome", "free_text:", "no_response", "--text"]:
        assert word in out, word


def test_language_reads_like_the_chat_for_that_patient() -> None:
    """--language de reads a German message as the chat would for a German-speaking patient; a French one, which
    no installed lexicon reads, is reported as going to the clinic chat unread (rules P4g)."""
    code, out, _ = _run("--day", "1", "--language", "de", "--text",
                        "meine Lippen schwellen an und ich bekomme schlecht Luft")
    assert code == 0 and out.splitlines()[0] == "emergency"
    code, out, _ = _run("--day", "1", "--language", "es", "--text", "je n'arrive plus à respirer")
    assert code == 0 and "does unread+ask" in out and "not read in any installed language" in out


def test_an_unknown_language_is_refused() -> None:
    code, _, err = _run("--day", "1", "--language", "zz", "--text", "hello")
    assert code == 2 and "no language 'zz'" in err

"""``aftercare triage --day N [TOKEN ...] [--text MESSAGE] [--json]``: triage a check-in from the command line.

A thin shell over ``messages.triage``: it parses arguments, calls the pure
core and prints the verdict, so clinicians can try the rules by hand.
``--text`` turns a typed message into its ``free_text:`` token exactly as the
chat does, so it is read by the same lexicon (P4a-P4c), and prints what the
chat would do with it at idle on that day: the one reading and the steps of
``messages.routing`` (the same ``read`` and ``route`` as bot/handlers/typed.py),
with the one-tap questions it asks (``safety`` is the Q1 safety screen).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import NoReturn, TextIO

from messages import routing
from messages.catalog import load_catalog
from messages.reading import free_text_token
from messages.triage import UnknownToken, Verdict, evaluate_tokens
from messages.words import Words
from messages.triage_vocab import LEVELS, PRESENCE_ITEMS, RISKS, SEVERITY_ITEMS, SEVERITY_VALUES, TRENDS, \
    UNSURE, UNSURE_PRESENCE_ITEMS


class _UsageError(Exception):
    """Raised instead of argparse's sys.exit, so the caller's streams and exit code are used."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that writes to given streams and never exits the process."""

    def __init__(self, out: TextIO, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._out = out

    def print_help(self, file: TextIO | None = None) -> None:
        super().print_help(file or self._out)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _UsageError(status, message or "")

    def error(self, message: str) -> NoReturn:
        raise _UsageError(2, f"{self.format_usage()}{self.prog}: error: {message}\n")


def _day(text: str) -> int:
    """Parse --day: a whole number of days since treatment, 0 or more."""
    try:
        day = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if day < 0:
        raise argparse.ArgumentTypeError(f"day must be 0 or more, not {day}")
    return day


def vocabulary() -> str:
    """The whole §0 token vocabulary, for --help."""
    values = " | ".join(SEVERITY_VALUES + (UNSURE,))
    unsure = ", ".join(sorted(f"{item}:{UNSURE}" for item in UNSURE_PRESENCE_ITEMS))
    return "\n".join([
        "token vocabulary (triage-rules.md §0):",
        f"  severity items:  {', '.join(SEVERITY_ITEMS)} -> <item>:<{values}>",
        f"  presence items:  {', '.join(PRESENCE_ITEMS)}",
        f"  also unsure:     {unsure}",
        f"  trend:           trend:<{' | '.join(TRENDS)}>",
        "  history:         rash_first_reported_day:N, previous_outcome:<" + " | ".join(LEVELS) + ">",
        f"  risk:            {', '.join(f'risk:{risk}' for risk in RISKS)}",
        "  free text:       free_text:words_joined_by_underscores (read like --text)",
        "  no answer:       no_response",
        "tokens may also be given as one ';'-separated argument.",
    ])


def _parser(out: TextIO) -> _Parser:
    parser = _Parser(
        out,
        prog="aftercare triage",
        description="Triage one check-in with the rules in messages/triage.toml; typed messages are read "
                    "as the chat reads them: in the patient's language (--language) and by every other "
                    "installed lexicon in messages/lexicon/ (rules P4g).",
        epilog=vocabulary(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--day", type=_day, required=True, help="days since treatment (treatment day is 0)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.add_argument("--text", action="append", default=[], metavar="MESSAGE",
                        help="a typed message, read exactly as the chat reads it (may be repeated)")
    parser.add_argument("--language", type=_language, default="en",
                        help="the patient's language, a catalog code such as de or es (default en)")
    parser.add_argument("tokens", nargs="*", metavar="TOKEN", help="check-in tokens, e.g. redness:severe")
    return parser


def _language(code: str) -> str:
    from messages.catalog import catalog_languages
    if code not in catalog_languages():
        raise argparse.ArgumentTypeError(f"no language {code!r}: there are {', '.join(catalog_languages())}")
    return code


def in_the_chat(text: str, day: int, language: str = "en") -> dict:
    """What the chat does with ``text`` typed at idle on ``day`` by a patient writing in ``language``: the door's
    reading and route (typed.py)."""
    screen = routing.Screen("idle", enrolled=True, day=day)
    typed = routing.read(text, screen, Words.from_texts(load_catalog(language).texts), None,
                         lexicon=routing.lexicon_for(language))
    action = routing.route(typed, screen)
    return {"reads_as": typed.signs.kind, "signs": list(typed.signs.signs), "asks": list(typed.signs.asks),
            "safety_question": typed.signs.safety, "unread": typed.signs.unread, "steps": list(action.steps)}


def _as_text(verdict: Verdict, chats: list[dict]) -> str:
    lines = [verdict.level]
    lines += [f"{r.rule} {r.level}: {', '.join(r.answers)}".rstrip() for r in verdict.reasons]
    if verdict.asks:
        lines.append(f"asks: {', '.join(verdict.asks)}")
    for n, chat in enumerate(chats, 1):
        asks = ", ".join(chat["asks"]) or "nothing"
        lines.append(f"text {n} in the chat: {chat['reads_as']}; does {'+'.join(chat['steps'])}; asks {asks}"
                     + ("; the safety screen or emergency advice at once" if chat["safety_question"] else "")
                     + ("; not read in any installed language: goes to the clinic chat" if chat["unread"] else ""))
    return "\n".join(lines) + "\n"


def _as_json(verdict: Verdict, chats: list[dict]) -> str:
    reasons = [{"rule": r.rule, "level": r.level, "answers": list(r.answers)} for r in verdict.reasons]
    data = {"level": verdict.level, "reasons": reasons, "rules_version": verdict.rules_version,
            "asks": list(verdict.asks)}
    if chats:
        data["texts"] = chats
    return json.dumps(data, indent=2) + "\n"


def triage_command(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run ``aftercare triage``; return the exit code (0 ok, 2 bad arguments or tokens)."""
    argv = list(argv)
    if argv[:1] == ["triage"]:  # tolerate being handed the sub-command name too
        argv = argv[1:]
    try:
        args = _parser(out).parse_args(argv)
    except _UsageError as exc:
        err.write(exc.message)
        return exc.status
    try:
        texts = [token for token in map(free_text_token, args.text) if token]
        verdict = evaluate_tokens(list(args.tokens) + texts, args.day, lexicon=routing.lexicon_for(args.language))
    except UnknownToken as exc:
        err.write(f"aftercare triage: {exc}\n")
        return 2
    chats = [in_the_chat(text, args.day, args.language) for text in args.text]
    out.write(_as_json(verdict, chats) if args.json else _as_text(verdict, chats))
    return 0

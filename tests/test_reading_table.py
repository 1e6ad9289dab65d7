"""The typed-message tables (tests/data/typed_<lang>.tsv, one per installed lexicon): every row gets its level,
and every safety row its Q1.

Each table is built by family of meaning (a ``# family`` line above each group, the rule id in the fifth
column), not by the lexicon's own phrases, and written in its language as patients write it, not translated.
It is read with the scorer's reader and assessed with the same pure function as the chat
(``messages.assessment.assess``) for a patient writing in that language, so the test, the benchmark and the
bot agree. Rules v3 asks 300 messages for English and 200 for each other language (0 under-triage, at most 2%
over to emergency); these tables hold more.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from messages.assessment import assess
from messages.reading import installed_languages

DATA = Path(__file__).parent / "data"
TABLE = DATA / "typed_en.tsv"
_SPEC = importlib.util.spec_from_file_location("reading_score", Path(__file__).parent.parent / "bench" / "reading_score.py")
reading_score = importlib.util.module_from_spec(_SPEC)
sys.modules["reading_score"] = reading_score  # its dataclass needs its module registered
_SPEC.loader.exec_module(reading_score)
TABLES = {language: reading_score.read_rows(DATA / f"typed_{language}.tsv") for language in installed_languages()}
ROWS = TABLES["en"]
LEAST = {"en": 300}  # messages; 210 for every other language
CASES = [(language, row) for language, rows in TABLES.items() for row in rows]


@pytest.mark.parametrize("language", sorted(TABLES))
def test_each_table_is_large_and_covers_every_outcome(language) -> None:
    """Enough distinct messages, with emergency, urgent, contact and monitor rows, and safety rows of each kind."""
    rows = TABLES[language]
    assert len(rows) >= LEAST.get(language, 210)
    assert len({(row.text, row.day) for row in rows}) == len(rows)
    assert {row.level for row in rows} >= {"emergency", "urgent", "contact_provider", "monitor"}
    assert {row.level for row in rows if row.safety} >= {"emergency", "contact_provider", "monitor"}


@pytest.mark.parametrize("language, row", CASES, ids=[f"{language}-line{row.line}" for language, row in CASES])
def test_each_typed_message_gets_its_level_and_safety_question(language, row) -> None:
    """The message alone gets exactly the table's level; a safety row gets the emergency advice or Q1 at once."""
    result = assess(row.text, row.day, language)
    assert result.level == row.level, row.text
    if row.safety:
        assert result.safety_question or result.level == "emergency", row.text


@pytest.mark.parametrize("language", sorted(TABLES))
def test_the_scorer_reads_each_table_with_no_miss(language, capsys) -> None:
    """bench/reading_score.py --language L: no under-triage, no emergency missed, at most 2% over to emergency."""
    assert reading_score.main([str(DATA / f"typed_{language}.tsv"), "--language", language]) == 0
    figures = dict(part.split("=") for part in capsys.readouterr().out.split() if "=" in part)
    assert figures["under"] == "0" and figures["missed_emergency"] == "0"
    non_emergency = sum(row.level != "emergency" for row in TABLES[language])
    assert int(figures["over_to_emergency"]) <= 0.02 * non_emergency


def test_the_scorer_prints_one_line_of_figures_and_no_message(capsys) -> None:
    """bench/reading_score.py prints one line of figures and no message text unless --failures is given."""
    assert reading_score.main([str(TABLE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith(f"rows={len(ROWS)} ")
    assert "missed_emergency=0" in out[0] and "over_to_emergency=0" in out[0]
    assert not any(row.text in out[0] for row in ROWS)


def test_the_scorer_lists_failures_only_when_asked(tmp_path, capsys) -> None:
    """A wrong row is counted (under, missed_emergency) and its text shown only with --failures."""
    table = tmp_path / "t.tsv"
    table.write_text("text\tday\tlevel\tsafety\n# family\nmy lips feel a bit funny\t0\temergency\tyes\n"
                     "all good\t2\tmonitor\tno\n", encoding="utf-8")
    reading_score.main([str(table)])
    line = capsys.readouterr().out.strip()
    assert "rows=2 exact=1" in line and "under=1" in line and "missed_emergency=0" in line and "funny" not in line
    reading_score.main([str(table), "--failures"])
    assert "my lips feel a bit funny" in capsys.readouterr().out

"""The typed-message table (tests/data/typed_en.tsv): every row gets its level, and every safety row its Q1.

The table is built by family of meaning (a ``# family`` line above each group,
the rule id in the fifth column), not by the lexicon's own phrases. It is read
with the scorer's reader and assessed with the same pure function as the chat
(``messages.assessment.assess``), so the test, the benchmark and the bot agree.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from messages.assessment import assess

TABLE = Path(__file__).parent / "data" / "typed_en.tsv"
_SPEC = importlib.util.spec_from_file_location("reading_score", Path(__file__).parent.parent / "bench" / "reading_score.py")
reading_score = importlib.util.module_from_spec(_SPEC)
sys.modules["reading_score"] = reading_score  # its dataclass needs its module registered
_SPEC.loader.exec_module(reading_score)
ROWS = reading_score.read_rows(TABLE)


def test_the_table_is_large_and_covers_every_outcome() -> None:
    """At least 300 distinct messages, with emergency, urgent, contact and monitor rows, and safety rows of each kind."""
    assert len(ROWS) >= 300
    assert len({(row.text, row.day) for row in ROWS}) == len(ROWS)
    assert {row.level for row in ROWS} >= {"emergency", "urgent", "contact_provider", "monitor"}
    assert {row.level for row in ROWS if row.safety} >= {"emergency", "contact_provider", "monitor"}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"line{row.line}")
def test_each_typed_message_gets_its_level_and_safety_question(row) -> None:
    """The message alone gets exactly the table's level; a safety row gets the emergency advice or Q1 at once."""
    result = assess(row.text, row.day)
    assert result.level == row.level, row.text
    if row.safety:
        assert result.safety_question or result.level == "emergency", row.text


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

"""`aftercare upgrade-check`: what the next start of this version will change in an existing database.

Run it after installing a new version and before starting it: it lists the database migrations the
start will apply and says when the triage rules differ from those that judged the stored check-ins.
It only reads the database (it may run while the old version is still running).
"""

from __future__ import annotations

import argparse
import sys
from typing import Mapping, TextIO

from bot.config import Settings
from bot.tools.common import settings_for_tools


def upgrade_notes(settings: Settings) -> list[str]:
    """One line per change the next start brings to this data folder (empty: nothing changes)."""
    from bot.store.health import database_problems, inspect_database, last_rules_version
    from messages.triage_rules import load_rules

    path = settings.database_path
    if not path.is_file():
        return []
    problems = database_problems(path)
    if problems:
        return [f"the database {path} cannot be checked: {problems[0]}"]
    pending, _ = inspect_database(path, None)
    notes = []
    if pending:
        notes.append(f"{len(pending)} database migration(s) will be applied at the next start: {', '.join(pending)}"
                     " (back up first: an older version cannot open the migrated database)")
    stored, current = last_rules_version(path), load_rules().version
    if stored is not None and stored != current:
        notes.append(f"the triage rules change from version {stored} to {current}: stored check-ins keep the "
                     "version that judged them; new check-ins are judged by the new rules")
    return notes


def upgrade_check_command(environ: Mapping[str, str], rest: list[str], out: TextIO | None = None) -> int:
    """Print what the next start changes; exit 0 (nothing to report is not an error), 2 on bad settings."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="aftercare upgrade-check",
        description="After installing a new version, before starting it: list the database migrations the "
                    "next start applies and any change of the triage rules. Reads the database only.")
    parser.parse_args(rest)
    settings = settings_for_tools(dict(environ))
    if settings is None:
        return 2
    if not settings.database_path.is_file():
        print(f"no database at {settings.database_path} yet: nothing to upgrade", file=out)
        return 0
    notes = upgrade_notes(settings)
    for note in notes:
        print(note, file=out)
    if not notes:
        print(f"{settings.database_path}: no migrations pending and the triage rules are unchanged", file=out)
    return 0

"""Dates written the catalog's way: ``formats.<style>`` templates and the language's short names.

Pure: the caller passes the local date or instant (already in the patient's zone).
"""

from __future__ import annotations

from datetime import date, datetime

from messages.catalog import Catalog


def names(catalog: Catalog, key: str) -> list[str]:
    """A catalog list written "a | b | c"."""
    return [part.strip() for part in catalog.render(key).split("|")]


def format_date(catalog: Catalog, style: str, when: date | datetime) -> str:
    """``when`` in the catalog's ``formats.<style>`` (e.g. ``date``: "20 Nov 2026")."""
    values = {"weekday": names(catalog, "formats.weekdays")[when.weekday()],
              "month": names(catalog, "formats.months")[when.month - 1],
              "month_long": names(catalog, "formats.months_long")[when.month - 1],
              "day": when.day, "day2": f"{when.day:02d}", "year": when.year,
              "time": f"{when:%H:%M}" if isinstance(when, datetime) else ""}
    return catalog.render(f"formats.{style}", **values)

"""Check-in answers (triage tokens) in the patient's own words, from the catalog's ``answers`` area.

``redness:severe`` reads "severe redness", ``previous_outcome:urgent`` reads
"last time you were advised to get help the same day": no token name,
underscore or rule word ever reaches a patient. Pure: no Telegram, no clock.
"""

from __future__ import annotations

from messages.catalog import Catalog
from messages.triage_vocab import SEVERITY_ITEMS, UNSURE

HISTORY = {"previous_outcome": "previous", "risk": "risk", "trend": "trend"}


def describe(catalog: Catalog, token: str) -> str:
    """One answer in plain words; a token this table does not know reads as a neutral "an answer"."""
    name, _, value = token.partition(":")
    if name == "free_text":
        return catalog.render("answers.free_text")
    if name in SEVERITY_ITEMS and value:
        item = catalog.render(f"answers.item_{name}")
        if value in {"none", UNSURE}:
            return catalog.render(f"answers.severity_{value}", item=item)
        return catalog.render("answers.severity", level=catalog.render(f"answers.level_{value}"), item=item)
    if name in HISTORY and catalog.has(f"answers.{HISTORY[name]}_{value}"):
        return catalog.render(f"answers.{HISTORY[name]}_{value}")
    if name == "rash_first_reported_day" and value.isdigit():
        return catalog.render("answers.rash_onset", day=int(value))
    if value == UNSURE and catalog.has(f"answers.sign_{name}"):
        return catalog.render("answers.unsure", sign=catalog.render(f"answers.sign_{name}"))
    key = "answers.sign_" + token.replace(":", "_")
    if catalog.has(key):
        return catalog.render(key)
    if catalog.has(f"answers.{token}"):
        return catalog.render(f"answers.{token}")
    return catalog.render("answers.unknown")


def describe_all(catalog: Catalog, tokens: list[str]) -> list[str]:
    """Each answer once, in the order given."""
    seen: list[str] = []
    for token in tokens:
        words = describe(catalog, token)
        if words not in seen:
            seen.append(words)
    return seen

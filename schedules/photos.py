"""Photo check-ins, decided: whether a finished check-in is followed by the ask for a photo (plain values in)."""

from __future__ import annotations

from collections.abc import Collection

# A result after which no photo is asked for: its advice (call the emergency number) stands alone.
NO_PHOTO_AFTER = frozenset({"emergency"})


def asks_for_photo(photo_days: Collection[int], day: int, consent: str | None, level: str) -> bool:
    """Whether the check-in of ``day``, judged ``level``, is followed by a photo ask: on one of the plan's photo
    days, only when the patient said yes (``consent``; never answered is no), and never after an emergency."""
    return consent == "yes" and day in photo_days and level not in NO_PHOTO_AFTER

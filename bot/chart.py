"""The /progress chart: symptom scores by day since treatment, with each day's triage level marked.

Rendered with matplotlib's Agg backend (no display) into PNG bytes; callers run
it in a worker thread so the event loop never waits on plotting.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

ITEMS = ("redness", "swelling", "pain", "itching")
SCORES = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "very_severe": 4, "unsure": 3}
LEVEL_COLOURS = {"normal": "#2e7d32", "monitor": "#f9a825", "contact_provider": "#ef6c00",
                 "urgent": "#c62828", "emergency": "#6a1b9a"}


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, from the catalog: title, item names, the five score names and the day axis."""

    title: str
    items: dict[str, str]
    scores: list[str]
    days: str


@dataclass(frozen=True)
class DayPoint:
    """One check-in as the chart needs it."""

    day: int
    level: str
    scores: dict[str, int]


def scores_from_tokens(tokens: list[str]) -> dict[str, int]:
    """Severity scores 0-4 of the four charted items (unsure plotted as severe, as triage reads it)."""
    scores = {}
    for token in tokens:
        item, _, value = token.partition(":")
        if item in ITEMS and value in SCORES:
            scores[item] = SCORES[value]
    return scores


def render_png(points: list[DayPoint], labels: ChartLabels) -> bytes:
    """A line chart of the four items by day, with a coloured level marker on top for each check-in."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.subplots()
    for item in ITEMS:
        days = [p.day for p in points if item in p.scores]
        axes.plot(days, [p.scores[item] for p in points if item in p.scores], marker="o", label=labels.items[item])
    for point in points:
        axes.scatter([point.day], [4.6], color=LEVEL_COLOURS.get(point.level, "grey"), marker="s", s=60)
    axes.set_ylim(-0.2, 5)
    axes.set_yticks(range(5), labels.scores)
    axes.set_xlabel(labels.days)
    axes.set_title(labels.title)
    axes.legend(loc="upper right", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

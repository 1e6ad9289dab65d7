"""The /progress chart: symptom scores by day since treatment, with each day's triage level marked.

Rendered with matplotlib's Agg backend (no display) into PNG bytes; callers run
it in a worker thread so the event loop never waits on plotting.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

from bot.services import Services
from messages.dates import names

ITEMS = ("redness", "swelling", "pain", "itching")
SCORES = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "very_severe": 4, "unsure": 3}
NO_RESPONSE = "M10"  # the rule of a check-in prompt nobody answered (messages/triage.toml)
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


# Items often share a score (all "none" on a calm day): each line is drawn a little above or below the
# score, with its own marker and dash, so no line hides another.
OFFSETS = {"redness": -0.12, "swelling": -0.04, "pain": 0.04, "itching": 0.12}
STYLES = {"redness": ("o", "-"), "swelling": ("s", "--"), "pain": ("^", "-."), "itching": ("D", ":")}
LEVEL_ORDER = tuple(LEVEL_COLOURS)


def by_day(points: list[DayPoint]) -> list[DayPoint]:
    """One point per whole day: the day's latest scores, and its most worrying level."""
    days: dict[int, DayPoint] = {}
    for point in points:
        before = days.get(point.day)
        worst = max((p.level for p in (before, point) if p), key=lambda lv: LEVEL_ORDER.index(lv)
                    if lv in LEVEL_ORDER else -1)
        days[point.day] = DayPoint(point.day, worst, {**(before.scores if before else {}), **point.scores})
    return [days[d] for d in sorted(days)]


def build_figure(points: list[DayPoint], labels: ChartLabels):
    """The chart as a matplotlib Figure: whole days on the x axis, every line visible, levels on top."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    points = by_day(points)
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.subplots()
    for item in ITEMS:
        shown = [p for p in points if item in p.scores]
        marker, dash = STYLES[item]
        axes.plot([p.day for p in shown], [p.scores[item] + OFFSETS[item] for p in shown], marker=marker,
                  linestyle=dash, linewidth=1.8, markersize=5, label=labels.items[item])
    for point in points:
        axes.scatter([point.day], [4.6], color=LEVEL_COLOURS.get(point.level, "grey"), marker="s", s=60)
    days = [p.day for p in points] or [0]
    axes.set_xlim(min(days) - 0.5, max(days) + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axes.set_ylim(-0.4, 5)
    axes.set_yticks(range(5), labels.scores)
    axes.set_xlabel(labels.days)
    axes.set_title(labels.title)
    axes.legend(loc="upper right", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def render_png(points: list[DayPoint], labels: ChartLabels) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    build_figure(points, labels).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_labels(svc: Services) -> ChartLabels:
    """The chart's words in the current voice (the patient's language)."""
    return ChartLabels(svc.text("progress.chart_title"), {item: svc.text(f"progress.chart_item_{item}") for item in ITEMS},
                       names(svc.catalog, "progress.chart_scores"), svc.text("progress.chart_days"))


def session_chart(svc: Services, chat_id: int, treatment_id: int) -> Callable[[], bytes] | None:
    """The progress chart of a session's check-ins, read now and drawn later (in a worker thread, by the caller),
    or None before any answered check-in (prompts nobody answered, rule M10, draw nothing worth sending): the end
    of the plan sends it with its summary."""
    history = svc.store.verdicts(chat_id, treatment_id)
    if not any(reason["rule"] != NO_RESPONSE for v in history for reason in v.reasons):
        return None
    points, labels = [DayPoint(v.day, v.level, scores_from_tokens(v.tokens)) for v in history], chart_labels(svc)
    return lambda: render_png(points, labels)

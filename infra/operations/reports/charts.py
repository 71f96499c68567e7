"""PNG charts of a report (matplotlib, no display): daily traffic and availability,
deployments per day, the performance trend, daily cost. An empty range still draws a chart
that says so."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI or a server

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from infra.deploy.records import Outcome
from infra.operations.reports.build import OpsReport
from infra.operations.reports.model import Availability, Section
from infra.operations.reports.render import CHARTS

SIZE = (8.0, 3.6)
DPI = 110
OK_COLOUR, BAD_COLOUR, NEUTRAL, LIMIT = "#2e7d32", "#c62828", "#90a4ae", "#6a1b9a"


def write_charts(report: OpsReport, folder: Path, p95_slo_ms: int) -> dict[str, str]:
    """Every chart of `report` as a PNG in `folder`; returns chart key -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    days = _days(report)
    drawn = {
        "availability": _availability(report.availability, days),
        "deployments": _deployments(report, days),
        "performance": _performance(report, p95_slo_ms),
        "cost": _cost(report, days),
    }
    written = {}
    for key, figure in drawn.items():
        if figure is None:
            continue
        figure.savefig(folder / CHARTS[key], dpi=DPI, metadata={"Software": None})
        plt.close(figure)
        written[key] = CHARTS[key]
    return written


def _days(report: OpsReport) -> list[date]:
    first, last = report.start.date(), report.end.date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _figure(title: str) -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=SIZE, layout="constrained")
    axes.set_title(title, fontsize=11, loc="left")
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="#555")
    axes.set_xticks([])
    axes.set_yticks([])


def _labels(days: Sequence[date]) -> list[str]:
    """Days as category labels (one bar slot per day, empty days included)."""
    return [d.strftime("%b %d") for d in days]


def _availability(section: Availability | Section, days: list[date]) -> Figure:
    figure, axes = _figure("Requests per day (bars) and availability (line)")
    if isinstance(section, Section) or not section.days:
        _empty(
            axes, "No traffic in this range" if not isinstance(section, Section) else section.note
        )
        return figure
    by_day = {d.day: d for d in section.days}
    ok = [by_day[d].requests - by_day[d].server_errors if d in by_day else 0 for d in days]
    bad = [by_day[d].server_errors if d in by_day else 0 for d in days]
    labels = _labels(days)
    axes.bar(labels, ok, color=OK_COLOUR, label="2xx-4xx")
    axes.bar(labels, bad, bottom=ok, color=BAD_COLOUR, label="5xx")
    axes.set_ylabel("requests")
    right = axes.twinx()
    served = [d for d in days if d in by_day and by_day[d].requests]
    values = [100 * (1 - by_day[d].server_errors / by_day[d].requests) for d in served]
    right.plot(_labels(served), values, color="#1565c0", marker="o", label="availability")
    right.axhline(100 * section.slo, color=LIMIT, linestyle="--", label=f"SLO {section.slo:.2%}")
    right.set_ylabel("availability %")
    low = min([*values, 100 * section.slo]) if values else 100 * section.slo
    right.set_ylim(max(0.0, low - 1), 100.2)
    right.spines[["top"]].set_visible(False)
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return figure


def _deployments(report: OpsReport, days: list[date]) -> Figure:
    figure, axes = _figure("Deployments per day")
    if isinstance(report.deployments, Section):
        _empty(axes, report.deployments.note)
        return figure
    if not report.deployments:
        _empty(axes, "No deployments in this range")
        return figure
    counts = {
        outcome: Counter(r.started_at.date() for r in report.deployments if r.outcome is outcome)
        for outcome in (Outcome.SUCCEEDED, Outcome.FAILED, Outcome.NO_CHANGE)
    }
    bottom = [0] * len(days)
    for outcome, colour in (
        (Outcome.SUCCEEDED, OK_COLOUR),
        (Outcome.FAILED, BAD_COLOUR),
        (Outcome.NO_CHANGE, NEUTRAL),
    ):
        heights = [counts[outcome][d] for d in days]
        axes.bar(_labels(days), heights, bottom=bottom, color=colour, label=outcome.value)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure


def _performance(report: OpsReport, p95_slo_ms: int) -> Figure:
    figure, axes = _figure("Perf runs: p95 latency")
    if isinstance(report.perf, Section):
        _empty(axes, report.perf.note)
        return figure
    if not report.perf:
        _empty(axes, "No performance runs in this range")
        return figure
    runs = [p.at.strftime("%b %d %H:%M") for p in report.perf]
    axes.plot(runs, [p.p95_ms for p in report.perf], marker="o")
    axes.axhline(p95_slo_ms, color=LIMIT, linestyle="--", label=f"SLO p95 {p95_slo_ms} ms")
    axes.set_ylabel("ms")
    axes.set_ylim(0, max(p95_slo_ms, *(p.p95_ms for p in report.perf)) * 1.15)
    axes.tick_params(axis="x", labelsize=8, labelrotation=20)
    axes.legend(loc="upper right", fontsize=8, frameon=False)
    return figure


def _cost(report: OpsReport, days: list[date]) -> Figure | None:
    if isinstance(report.cost, Section):
        return None  # the Markdown says why; an empty chart adds nothing
    figure, axes = _figure("Cost per day (USD)")
    axes.bar(_labels(days), [report.cost.get(d, 0.0) for d in days], color="#00838f")
    axes.axhline(report.daily_budget_usd, color=LIMIT, linestyle="--", label="daily budget")
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure

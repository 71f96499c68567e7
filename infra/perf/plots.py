"""PNG plots of a run (matplotlib, headless Agg backend): latency percentiles and throughput
over time with the thresholds and the baseline drawn in, and this run vs the baseline per kind."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window (containers have no display)

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from infra.config.perf import PerfThresholds
from infra.perf.gate import Baseline, Verdict
from infra.perf.journeys import Kind
from infra.perf.measure import RunStats

SIZE = (10, 5.2)
DPI = 110
COLOURS = {"p50": "#4C72B0", "p95": "#DD8452", "interactive": "#8172B3", "fail": "#C44E52"}
KINDS = (
    (Kind.INTERACTIVE, "interactive", "p95_ms"),
    (Kind.LONG, "long operations", "long_operation_p95_ms"),
    (Kind.REPORT, "report generation", "report_generation_p95_ms"),
)


def plot_run(
    out_dir: Path,
    title: str,
    verdict: Verdict,
    stats: RunStats,
    thresholds: PerfThresholds,
    baseline: Baseline | None,
) -> dict[str, Path]:
    """Write latency.png, throughput.png and baseline.png; returns them by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    heading = f"{title}: {verdict.value}"
    return {
        "latency": _save(_latency(stats, thresholds, baseline, heading), out_dir / "latency.png"),
        "throughput": _save(_throughput(stats, baseline, heading), out_dir / "throughput.png"),
        "baseline": _save(
            _comparison(stats, thresholds, baseline, heading), out_dir / "baseline.png"
        ),
    }


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return path


def _minutes_axis(axes: Axes) -> None:
    axes.set_xlabel("time since the first request (s)")
    axes.grid(True, alpha=0.3)


def _latency(
    stats: RunStats, thresholds: PerfThresholds, baseline: Baseline | None, heading: str
) -> Figure:
    figure, axes = plt.subplots(figsize=SIZE)
    times = [w.offset_s + stats.window_s / 2 for w in stats.windows]
    for attribute, label, colour in (
        ("p50_ms", "p50, all requests", COLOURS["p50"]),
        ("p95_ms", "p95, all requests", COLOURS["p95"]),
        ("interactive_p95_ms", "p95, interactive requests", COLOURS["interactive"]),
    ):
        # NaN where a window has no value: the line breaks there instead of bridging a stall.
        values = [
            math.nan if v is None else v for v in (getattr(w, attribute) for w in stats.windows)
        ]
        if any(not math.isnan(v) for v in values):
            axes.plot(times, values, marker="o", markersize=3, label=label, color=colour)
    axes.axhline(
        thresholds.p95_ms,
        color=COLOURS["fail"],
        linestyle="--",
        label=f"threshold: interactive p95 {thresholds.p95_ms:,} ms",
    )
    if baseline is not None and baseline.p95_ms.get(Kind.INTERACTIVE) is not None:
        value = baseline.p95_ms[Kind.INTERACTIVE]
        axes.axhline(
            value or 0,
            color="grey",
            linestyle=":",
            label=f"baseline interactive p95 {value:,.0f} ms",
        )
    measured_top = max(
        (w.p95_ms for w in stats.windows if w.p95_ms is not None), default=thresholds.p95_ms
    )
    # Keep the measured lines readable: the threshold may sit far above them.
    axes.set_ylim(0, max(measured_top, thresholds.p95_ms) * 1.1)
    axes.set_ylabel("latency per window (ms)")
    axes.set_title(f"{heading} - latency per {stats.window_s:g} s window")
    _minutes_axis(axes)
    users = axes.twinx()
    users.step(
        times,
        [w.users for w in stats.windows],
        where="mid",
        color="#999999",
        alpha=0.5,
        label="users",
    )
    users.set_ylabel("users", color="#777777")
    users.set_ylim(0, max((w.users for w in stats.windows), default=1) * 1.3 or 1)
    _legend(axes, users)
    return figure


def _throughput(stats: RunStats, baseline: Baseline | None, heading: str) -> Figure:
    figure, axes = plt.subplots(figsize=SIZE)
    times = [w.offset_s for w in stats.windows]
    ok = [(w.requests - w.failures) / stats.window_s for w in stats.windows]
    failed = [w.failures / stats.window_s for w in stats.windows]
    width = stats.window_s * 0.9
    axes.bar(times, ok, width=width, align="edge", color=COLOURS["p50"], label="successful req/s")
    axes.bar(
        times,
        failed,
        width=width,
        align="edge",
        bottom=ok,
        color=COLOURS["fail"],
        label="failed req/s",
    )
    axes.axhline(
        stats.rps,
        color="black",
        linestyle="--",
        label=f"this run: {stats.rps:.1f} req/s ({stats.rps * 60:,.0f}/min)",
    )
    if baseline is not None:
        axes.axhline(
            baseline.rps, color="grey", linestyle=":", label=f"baseline: {baseline.rps:.1f} req/s"
        )
    axes.set_ylabel("requests per second")
    axes.set_title(
        f"{heading} - throughput ({stats.overall.requests:,} requests, "
        f"{stats.overall.failures:,} failed, {stats.overall.error_rate:.2%})"
    )
    _minutes_axis(axes)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=4, fontsize=8, frameon=False)
    return figure


def _comparison(
    stats: RunStats, thresholds: PerfThresholds, baseline: Baseline | None, heading: str
) -> Figure:
    figure, (latency, throughput) = plt.subplots(
        1, 2, figsize=SIZE, gridspec_kw={"width_ratios": [3, 1]}
    )
    labels = [label for _, label, _ in KINDS]
    positions = list(range(len(KINDS)))
    series = [
        (
            "this run",
            [stats.kind(kind).judged_p95_ms or 0.0 for kind, _, _ in KINDS],
            COLOURS["p95"],
        )
    ]
    if baseline is not None:
        before = [baseline.p95_ms.get(kind) or 0.0 for kind, _, _ in KINDS]
        series.append(("baseline", before, "#AAAAAA"))
    width = 0.7 / len(series)
    for index, (name, values, colour) in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * width
        bars = latency.bar([p + offset for p in positions], values, width, label=name, color=colour)
        latency.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=8)
    limits = [float(getattr(thresholds, attribute)) for _, _, attribute in KINDS]
    latency.hlines(
        limits,
        [p - 0.4 for p in positions],
        [p + 0.4 for p in positions],
        colors=COLOURS["fail"],
        linewidth=2,
        label="threshold (p95 limit)",
    )
    for position, limit in zip(positions, limits, strict=True):
        latency.annotate(
            f"{limit:,.0f}",
            (position, limit),
            textcoords="offset points",
            xytext=(0, 5),
            ha="center",
            fontsize=8,
            color=COLOURS["fail"],
        )
    measured = [v for _, values, _ in series for v in values if v > 0]
    latency.set_yscale("log")
    latency.set_ylim(max(1.0, min(measured, default=1.0) / 3), max(limits) * 2.5)
    latency.set_xticks(positions, labels)
    latency.set_ylabel("p95 (ms, log scale; worse of all / successes)")
    latency.legend(fontsize=8, loc="upper left")
    latency.grid(True, axis="y", alpha=0.3)
    values = [stats.rps] + ([baseline.rps] if baseline is not None else [])
    names = ["this run"] + (["baseline"] if baseline is not None else [])
    rps = throughput.bar(names, values, color=[COLOURS["p50"], "#AAAAAA"][: len(values)])
    throughput.bar_label(rps, labels=[f"{v:.1f}" for v in values], fontsize=8)
    throughput.set_ylabel("requests per second")
    throughput.grid(True, axis="y", alpha=0.3)
    suffix = "vs the baseline" if baseline is not None else "(no baseline yet)"
    figure.suptitle(f"{heading} - p95 per kind and throughput {suffix}")
    return figure


def _legend(*axes: Axes) -> None:
    handles, labels = [], []
    for ax in axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    axes[0].legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=3,
        fontsize=8,
        frameon=False,
    )


def files_as_text(files: Mapping[str, Path]) -> dict[str, str]:
    return {name: str(path) for name, path in files.items()}

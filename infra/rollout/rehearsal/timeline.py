"""The rehearsal's timeline as one PNG (matplotlib, headless): per promotion, the canary's
weight read from the router, then the error rate and the p95 latency of each version's answers
in 2-second buckets, with the rollout's end marked. Failures are drawn, never dropped: a bucket
of failures shows as its error rate, and p95 is of every answered request."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window (containers have no display)

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from infra.rollout.rehearsal.judge import Run, percentile

BUCKET_S = 2.0
DPI = 110
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#8172B3", "#C44E52")


def buckets(run: Run) -> dict[str, list[tuple[float, float, float, int]]]:
    """Per version: (seconds since the stage started, error rate, p95 ms, requests) per
    bucket of answered requests."""
    out: dict[str, list[tuple[float, float, float, int]]] = {}
    answered = [s for s in run.samples if s.answered]
    for version in sorted({s.version or "(none)" for s in answered}):
        mine = [s for s in answered if (s.version or "(none)") == version]
        by_index: dict[int, list[tuple[float, bool]]] = {}
        for sample in mine:
            index = int((sample.started - run.started) // BUCKET_S)
            by_index.setdefault(index, []).append((sample.latency_ms, sample.failed))
        rows = []
        for index in sorted(by_index):
            items = by_index[index]
            failed = sum(1 for _, bad in items if bad)
            p95 = percentile([latency for latency, _ in items], 95)
            rows.append(((index + 0.5) * BUCKET_S, failed / len(items), p95, len(items)))
        out[version] = rows
    return out


def draw(runs: Sequence[Run], path: Path, title: str) -> Path:
    """Write the timeline PNG to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = max(1, len(runs))
    figure, grid = plt.subplots(
        3, columns, figsize=(5.2 * columns, 8.2), squeeze=False, sharey="row"
    )
    colours: dict[str, str] = {}
    for column, run in enumerate(runs):
        weight_ax, error_ax, p95_ax = (grid[row][column] for row in range(3))
        _weights(weight_ax, run)
        for version, rows in buckets(run).items():
            colour = colours.setdefault(version, PALETTE[len(colours) % len(PALETTE)])
            label = f"{version} ({_role_of(run, version)})"
            xs = [r[0] for r in rows]
            error_ax.plot(xs, [100 * r[1] for r in rows], marker=".", color=colour, label=label)
            timed = [r for r in rows if not math.isnan(r[2])]
            p95_ax.plot([r[0] for r in timed], [r[2] for r in timed], marker=".", color=colour)
        for ax in (weight_ax, error_ax, p95_ax):
            _mark_end(ax, run)
            ax.grid(alpha=0.3)
        error_ax.set_ylim(-5, 105)
        if error_ax.lines:
            error_ax.legend(fontsize=7, loc="upper right")
        p95_ax.set_xlabel("seconds since the promotion's stage started")
        status = run.record.status.value if run.record else "no record"
        weight_ax.set_title(f"{run.role}: {run.kind} {run.digest[:12]} -> {status}", fontsize=9)
    grid[0][0].set_ylabel("canary weight (%)")
    grid[1][0].set_ylabel("errors (% of answers, 5xx + no answer)")
    grid[2][0].set_ylabel("p95 of all answers (ms)")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def _weights(ax: Axes, run: Run) -> None:
    if run.weights:
        xs = [t - run.started for t, _ in run.weights]
        ax.step(xs, [w for _, w in run.weights], where="post", color="#333333")
    else:
        ax.text(0.5, 0.5, "router weights not read", ha="center", transform=ax.transAxes)
    ax.set_ylim(-5, 105)


def _mark_end(ax: Axes, run: Run) -> None:
    record = run.record
    if record is None or record.finished_at is None:
        return
    at = record.finished_at.timestamp() - run.started
    colour = "#C44E52" if record.status.value == "rolled_back" else "#55A868"
    ax.axvline(at, color=colour, linestyle="--", linewidth=1)


def _role_of(run: Run, version: str) -> str:
    record = run.record
    if record is None:
        return "?"
    if version == record.canary_version:
        return "canary" if record.stable_version else "first release"
    if version == record.stable_version:
        return "stable"
    return "router" if version == "(none)" else "other"

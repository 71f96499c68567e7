"""The run report in its file forms: JSON (`--report`), Markdown (GitHub step summary)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.catalog import REPORTS_DIR
from pipeline.results import STEP_SUMMARY_FILE, RunReport, StageResult, Status

ICONS = {
    Status.PASSED: "✅",
    Status.DEGRADED: "⚠️",
    Status.SKIPPED: "⏭️",
    Status.FAILED: "❌",
    Status.ERROR: "💥",
}


def where(result: StageResult) -> str:
    if not result.containerized:
        return "host (NOT containerized)"
    return result.image or result.engine


def markdown(report: RunReport) -> str:
    lines = [
        f"## Pipeline: {ICONS[report.status]} {report.status.value} "
        f"({report.engine} engine, {report.duration_s:.1f}s)",
        "",
        "| stage | status | duration | where | cached | note |",
        "|---|---|---:|---|---|---|",
    ]
    for r in report.stages:
        note = (r.message or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r.name} | {ICONS[r.status]} {r.status.value} | {r.duration_s:.1f}s | "
            f"{where(r)} | {'yes' if r.cached else 'no'} | {note} |"
        )
    if not any(r.containerized for r in report.stages):
        lines += ["", "> **No stage ran in a container** (host engine)."]
    for note in report.notes:
        lines += ["", f"> {note}"]
    failed = [r for r in report.stages if r.status in (Status.FAILED, Status.ERROR)]
    for r in failed:
        lines += ["", f"<details><summary>{r.name}: log tail</summary>", "", "```"]
        lines += [r.log_tail or r.message, "```", "</details>"]
    return "\n".join(lines) + "\n"


def stage_summaries(report: RunReport, repo: Path) -> list[str]:
    """The Markdown blocks the stages of this run wrote (`<report dir>/step-summary.md`, e.g.
    the perf verdict), in stage order; a stage answered from the cache or skipped has none."""
    blocks = []
    for result in report.stages:
        if result.cached or result.status is Status.SKIPPED:
            continue
        path = repo / REPORTS_DIR / result.name / STEP_SUMMARY_FILE
        if path.is_file():
            blocks.append(path.read_text(encoding="utf-8"))
    return blocks


def write_step_summary(report: RunReport, blocks: Sequence[str] = ()) -> Path | None:
    """Append the Markdown summary (then the stages' own blocks) to $GITHUB_STEP_SUMMARY when
    GitHub Actions set it."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown(report))
        for block in blocks:
            handle.write("\n" + block.rstrip("\n") + "\n")
    return path

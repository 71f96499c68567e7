"""Write a report to a folder: report.md, report.json and the PNG charts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infra.operations.reports.build import OpsReport
from infra.operations.reports.charts import write_charts
from infra.operations.reports.render import render_markdown, report_as_dict


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    json: Path
    charts: tuple[Path, ...]


def write_report(report: OpsReport, folder: Path, p95_slo_ms: int) -> ReportFiles:
    charts = write_charts(report, folder, p95_slo_ms)
    markdown = folder / "report.md"
    markdown.write_text(render_markdown(report, charts), encoding="utf-8")
    document = folder / "report.json"
    document.write_text(json.dumps(report_as_dict(report), indent=2) + "\n", encoding="utf-8")
    return ReportFiles(markdown, document, tuple(folder / name for name in charts.values()))

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.console import Progress, print_report
from pipeline.report_formats import markdown, stage_summaries, write_step_summary
from pipeline.results import RunReport, StageResult, Status
from pipeline.scheduler import Event, EventKind


def _report(*stages: StageResult, engine: str = "docker") -> RunReport:
    return RunReport(engine, Status.FAILED, 12.0, stages, "2026-11-23T10:00:00+00:00")


LINT_FAIL = StageResult(
    "lint", Status.FAILED, 1.5, "docker", "pipeline-python:abc", True, log_tail="E501 | x"
)
SCAN_DEGRADED = StageResult(
    "scan",
    Status.DEGRADED,
    9.0,
    "docker",
    "pipeline-security:def",
    True,
    message="degraded: pip-audit: 40 of 40 dependencies could not be audited",
)
TEST_CACHED = StageResult("test", Status.PASSED, 0.1, "docker", "img", True, cached=True)


def test_markdown_has_a_row_per_stage_and_failing_logs() -> None:
    text = markdown(_report(LINT_FAIL, SCAN_DEGRADED, TEST_CACHED))
    assert "| lint | ❌ failed | 1.5s | pipeline-python:abc | no |" in text
    assert "| scan | ⚠️ degraded |" in text and "could not be audited" in text
    assert "| test | ✅ passed | 0.1s | img | yes |" in text
    assert "<summary>lint: log tail</summary>" in text and "E501" in text
    assert "No stage ran in a container" not in text


def test_markdown_says_loudly_when_nothing_was_containerized() -> None:
    host = StageResult("lint", Status.PASSED, 1.0, "host", "venv:.venv", False)
    text = markdown(_report(host, engine="host"))
    assert "host (NOT containerized)" in text
    assert "**No stage ran in a container**" in text


def test_step_summary_appends_only_when_github_sets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert write_step_summary(_report(TEST_CACHED)) is None
    target = tmp_path / "summary.md"
    target.write_text("earlier\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert write_step_summary(_report(TEST_CACHED)) == target
    assert target.read_text().startswith("earlier\n## Pipeline")


def test_the_stages_own_blocks_follow_the_table_in_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    perf = StageResult("perf-staging", Status.DEGRADED, 60.0, "docker", "img", True)
    skipped = StageResult("perf-dev", Status.SKIPPED, 0.0, "docker", "img", True)
    for result in (perf, skipped, TEST_CACHED):  # only the perf run of this call counts
        folder = tmp_path / "build" / "reports" / result.name
        folder.mkdir(parents=True)
        (folder / "step-summary.md").write_text(f"### {result.name}: Inconclusive\n")
    blocks = stage_summaries(_report(LINT_FAIL, perf, skipped, TEST_CACHED), tmp_path)
    assert blocks == ["### perf-staging: Inconclusive\n"]
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    write_step_summary(_report(perf), blocks)
    text = target.read_text()
    assert text.index("| perf-staging |") < text.index("### perf-staging: Inconclusive")


def test_terminal_report_prints_failing_log_and_table() -> None:
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=160), _report(LINT_FAIL, TEST_CACHED))
    out = buffer.getvalue()
    assert "lint: failed" in out and "E501" in out
    assert "pipeline failed" in out


def test_plain_progress_lines_when_not_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, force_terminal=False)
    with Progress(console) as progress:
        progress(Event(EventKind.STARTED, "lint"))
        progress(Event(EventKind.OUTPUT, "lint", line="checking"))
        progress(Event(EventKind.FINISHED, "lint", result=LINT_FAIL))
    out = buffer.getvalue()
    assert "lint started" in out
    assert "lint failed in 1.5s" in out


def test_verbose_progress_streams_every_line() -> None:
    buffer = io.StringIO()
    with Progress(Console(file=buffer, width=160), verbose=True) as progress:
        progress(Event(EventKind.STARTED, "lint"))
        progress(Event(EventKind.OUTPUT, "lint", line="checking [a] file"))
    assert "lint | checking [a] file" in buffer.getvalue()

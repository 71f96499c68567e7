"""build_report with fake ports: SLO and budget, empty ranges, failing sources, the files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from infra.backup.drill_records import DrillRecord, DrillSource, Verdict
from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome
from infra.errors import UsageError
from infra.monitoring.severity import Severity
from infra.operations.reports.build import build_report
from infra.operations.reports.commands import render_run, run_report
from infra.operations.reports.model import (
    AlarmFiring,
    DailyTraffic,
    NotAvailable,
    PerfPoint,
    ReportKind,
    ReportSources,
    RolloutSummary,
    Section,
    parse_kind,
)
from infra.operations.reports.render import render_markdown
from infra.operations.reports.slo import availability

NOW = datetime(2026, 6, 8, 6, 0, tzinfo=UTC)
CONFIG = load_environment("staging")  # SLO 99.9 %


class Clock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError("no waiting")


class Fake:
    def __init__(self, **data: object) -> None:
        self.data = data

    def daily(self, env: str, start: object, end: object) -> object:
        return self.data["daily"]

    def fired(self, env: str, start: datetime, end: datetime) -> Sequence[AlarmFiring]:
        return self.data["fired"]  # type: ignore[return-value]

    def between(self, env: str, start: datetime, end: datetime) -> object:
        return self.data["between"]

    def committed_at(self, commit: str) -> datetime | None:
        return NOW - timedelta(days=3)


class Broken:
    def daily(self, env: str, start: object, end: object) -> object:
        raise TimeoutError("cloudwatch took too long")


def sources(**changes: object) -> ReportSources:
    base: dict[str, object] = {
        "traffic": Fake(daily=[]),
        "alarms": Fake(fired=[]),
        "deployments": Fake(between=[]),
        "rollouts": None,
        "perf": None,
        "cost": Fake(daily=NotAvailable("cost is not available locally")),
        "commits": Fake(),
    }
    base.update(changes)
    return ReportSources(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("requests", "errors", "slo", "avail", "remaining"),
    [
        (1000, 0, 0.995, 1.0, 1.0),
        (1000, 5, 0.995, 0.995, 0.0),  # the whole budget used: exactly at the SLO
        (1000, 2, 0.995, 0.998, 0.6),
        (1000, 10, 0.995, 0.99, -1.0),  # overspent twice over
        (0, 0, 0.995, None, None),
    ],
)
def test_availability_and_error_budget(
    requests: int, errors: int, slo: float, avail: float | None, remaining: float | None
) -> None:
    day = [DailyTraffic(date(2026, 6, 7), requests, errors, 100.0)] if requests else []
    result = availability(day, slo)
    assert result.availability == (pytest.approx(avail) if avail is not None else None)
    assert result.budget_remaining == (pytest.approx(remaining) if remaining is not None else None)


def test_an_empty_range_is_an_empty_valid_report(tmp_path: Path) -> None:
    run = run_report(
        ReportKind.WEEKLY,
        config=CONFIG,
        sources=sources(),
        clock=Clock(),
        target="local",
        out_dir=tmp_path,
    )
    text = run.files.markdown.read_text(encoding="utf-8")
    assert "No traffic in this range" in text
    assert "No deployments in this range." in text
    assert "No alarm went into ALARM." in text
    assert "_cost is not available locally_" in text
    assert "_performance records are not wired on this target_" in text
    document = json.loads(run.files.json.read_text(encoding="utf-8"))
    assert document["dora"]["deployments"] == 0
    assert document["cost"] == {"available": False, "note": "cost is not available locally"}
    assert {p.name for p in run.files.charts} == {
        "availability.png",
        "deployments.png",
        "performance.png",
    }
    assert all(p.stat().st_size > 1000 for p in run.files.charts)
    assert any(line.startswith("  wrote ") for line in render_run(run))


def test_a_failing_source_is_a_note_and_the_rest_renders() -> None:
    report = build_report(
        ReportKind.DAILY,
        config=CONFIG,
        sources=sources(traffic=Broken()),
        clock=Clock(),
        target="aws",
    )
    assert isinstance(report.availability, Section)
    assert "TimeoutError: cloudwatch took too long" in report.availability.note
    assert "TimeoutError" in render_markdown(report)


def test_a_full_week(tmp_path: Path) -> None:
    days = [DailyTraffic(date(2026, 6, d), 1000 * d, 2 * d, 120.0 + d) for d in range(1, 8)]
    deployments = [
        DeploymentRecord(
            f"d{i}",
            "staging",
            "aws",
            f"{i:064x}",
            f"{i:07x}",
            "ci",
            NOW - timedelta(days=i),
            o,
            NOW - timedelta(days=i) + timedelta(minutes=9),
        )
        for i, o in enumerate(
            [Outcome.SUCCEEDED, Outcome.FAILED, Outcome.SUCCEEDED, Outcome.NO_CHANGE], 1
        )
    ]
    run = run_report(
        ReportKind.WEEKLY,
        config=CONFIG,
        sources=sources(
            traffic=Fake(daily=days),
            alarms=Fake(
                fired=[
                    AlarmFiring(
                        "energy-insights-staging-api-error-rate",
                        Severity.P0,
                        NOW - timedelta(days=2),
                    )
                ]
            ),
            deployments=Fake(between=deployments),
            rollouts=Fake(
                between=[
                    RolloutSummary(
                        "r1",
                        "c" * 64,
                        NOW - timedelta(days=1),
                        NOW - timedelta(days=1) + timedelta(minutes=20),
                        "rolled-back",
                    )
                ]
            ),
            perf=Fake(
                between=[
                    PerfPoint(NOW - timedelta(days=d), 800.0 + 50 * d, 0.001, 40.0)
                    for d in range(5, 0, -1)
                ]
            ),
            cost=Fake(daily={date(2026, 6, d): 3.5 * d for d in range(1, 9)}),
        ),
        clock=Clock(),
        target="aws",
        out_dir=tmp_path,
    )
    text = run.files.markdown.read_text(encoding="utf-8")
    assert "| change failure rate | 66.7% (2 failed) |" in text  # 1 failed deploy + 1 rollback / 3
    assert "| deployment frequency | 0.29 per day (2 to staging) |" in text
    assert "Rollouts: 1; rolled back: r1 (rolled-back)." in text
    assert "| availability | 99.800% (**missed**) |" in text
    assert "`energy-insights-staging-api-error-rate`" in text
    assert "![Cost per day](cost.png)" in text
    assert len(run.files.charts) == 4


def test_unknown_report_kind_is_exit_2() -> None:
    with pytest.raises(UsageError, match="choose one of: daily, weekly") as caught:
        parse_kind("monthly")
    assert caught.value.exit_code == 2


class Drills:
    def __init__(self, last: DrillRecord | None) -> None:
        self._last = last

    def last(self, env: str) -> DrillRecord | None:
        assert env == "staging"
        return self._last


def drill(verdict: Verdict, rto_s: float) -> DrillRecord:
    reason = "items and checksum match the exact fingerprint (5 items, digest e1d6ef5884845b96)"
    return DrillRecord(
        drill_id="20260607t042300z-ab12cd34",
        env="staging",
        target="aws",
        source=DrillSource.BACKUP,
        source_table="energy-insights-staging-data",
        drill_table="energy-insights-staging-data-drill-20260607t042300z-ab12cd34",
        started_at=NOW - timedelta(days=1),
        rto_target_s=240 * 60,
        rpo_target_s=60 * 60,
        verdict=verdict,
        rto_s=rto_s,
        rpo_s=4.5,
        reasons=(reason,),
    )


@pytest.mark.parametrize(
    ("last", "shown", "json_verdict"),
    [
        (None, "No restore drill of staging is recorded: `./pipeline drill restore", None),
        (drill(Verdict.PASSED, 812.0), "| verdict | passed |", "passed"),
        (drill(Verdict.FAILED, 15000.0), "| verdict | **failed** |", "failed"),
    ],
)
def test_the_report_shows_the_last_restore_drill(
    tmp_path: Path, last: DrillRecord | None, shown: str, json_verdict: str | None
) -> None:
    run = run_report(
        ReportKind.DAILY,
        config=CONFIG,
        sources=sources(drills=Drills(last)),
        clock=Clock(),
        target="aws",
        out_dir=tmp_path,
    )
    text = run.files.markdown.read_text(encoding="utf-8")
    assert "## Last restore drill" in text and shown in text
    document = json.loads(run.files.json.read_text(encoding="utf-8"))
    if last is None:
        assert document["last_drill"] is None
        return
    assert f"| RTO | {last.rto_s:.1f} s (target 240 min) |" in text
    assert "| RPO | 4.5 s (target 60 min) |" in text
    assert document["last_drill"]["verdict"] == json_verdict
    assert document["last_drill"]["rto_target_s"] == 14400


def test_without_drill_records_the_section_says_so() -> None:
    report = build_report(
        ReportKind.DAILY, config=CONFIG, sources=sources(), clock=Clock(), target="local"
    )
    assert report.last_drill == Section("drill records are not wired on this target")
    assert "_drill records are not wired on this target_" in render_markdown(report)

"""`report daily|weekly --env E`: the entry function the CLI calls, the sources of each target,
and the terminal summary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.aws.clients import AwsClients
from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.operations.reports.build import OpsReport, build_report
from infra.operations.reports.files import ReportFiles, write_report
from infra.operations.reports.model import (
    PerfSource,
    ReportKind,
    ReportSources,
    RolloutHistorySource,
    Section,
)
from infra.operations.reports.sources import (
    ApiTraffic,
    AppLogTraffic,
    CloudWatchAlarmHistory,
    GitCommitTimes,
    NoCost,
    NotificationSinkHistory,
    RecordDeployments,
    RecordDrills,
    StackCost,
)


@dataclass(frozen=True)
class ReportRun:
    report: OpsReport
    files: ReportFiles


def run_report(
    kind: ReportKind,
    *,
    config: EnvironmentConfig,
    sources: ReportSources,
    clock: Clock,
    target: str,
    out_dir: Path,
) -> ReportRun:
    """Build the report and write report.md, report.json and the charts into `out_dir`."""
    report = build_report(kind, config=config, sources=sources, clock=clock, target=target)
    return ReportRun(report, write_report(report, out_dir, config.alarms.p95_latency_ms))


def aws_report_sources(
    config: EnvironmentConfig,
    clients: AwsClients,
    repo: Path,
    *,
    api_id: str,
    rollouts: RolloutHistorySource | None,
    perf: PerfSource | None,
) -> ReportSources:
    """`api_id`: the stack's ApiId output."""
    return ReportSources(
        traffic=ApiTraffic(clients, api_id),
        alarms=CloudWatchAlarmHistory(clients),
        deployments=RecordDeployments(clients, config.names.deployments_table),
        rollouts=rollouts,
        perf=perf,
        cost=StackCost(clients, config),
        commits=GitCommitTimes(repo),
        drills=RecordDrills(clients, config.names.deployments_table),
    )


def local_report_sources(
    config: EnvironmentConfig,
    emulator: AwsClients,
    repo: Path,
    *,
    app_log_lines: Callable[[], Iterable[str]],
    notification_sink: Path,
    rollouts: RolloutHistorySource | None,
    perf: PerfSource | None,
) -> ReportSources:
    """`app_log_lines`: every line the env's local app printed (its log file or container
    logs); `notification_sink`: the local alarm source's `<env>-notifications.jsonl`."""
    return ReportSources(
        traffic=AppLogTraffic(app_log_lines),
        alarms=NotificationSinkHistory(notification_sink),
        deployments=RecordDeployments(emulator, config.names.deployments_table),
        rollouts=rollouts,
        perf=perf,
        cost=NoCost(),
        commits=GitCommitTimes(repo),
        drills=RecordDrills(emulator, config.names.deployments_table),
    )


def render_run(run: ReportRun) -> list[str]:
    """Terminal lines: what was written and the headline figures."""
    report = run.report
    lines = [f"{report.title} ({report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC)"]
    if (
        not isinstance(report.availability, Section)
        and report.availability.availability is not None
    ):
        a = report.availability
        remaining = "n/a" if a.budget_remaining is None else f"{a.budget_remaining:.0%}"
        lines.append(
            f"  availability {a.availability:.3%} (SLO {a.slo:.2%}), budget left {remaining}"
        )
    if not isinstance(report.dora, Section):
        d = report.dora
        cfr = "n/a" if d.change_failure_rate is None else f"{d.change_failure_rate:.0%}"
        lines.append(
            f"  deployments {d.deployments} ({d.per_day:.2f}/day), change failure rate {cfr}"
        )
    lines += [f"  wrote {path}" for path in (run.files.markdown, run.files.json, *run.files.charts)]
    return lines

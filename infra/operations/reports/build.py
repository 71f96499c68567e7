"""`build_report(kind, env)`: read every port over the range, compute the sections. A source
that fails (or has nothing on this target) turns its section into a note; the rest still
render. A range with no records is an empty, valid report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from infra.backup.drill_records import DrillRecord
from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.deploy.records import DeploymentRecord
from infra.operations.reports.dora import dora_metrics
from infra.operations.reports.model import (
    AlarmFiring,
    Availability,
    Dora,
    NotAvailable,
    PerfPoint,
    ReportKind,
    ReportSources,
    RolloutSummary,
    Section,
)
from infra.operations.reports.slo import availability

T = TypeVar("T")


@dataclass(frozen=True)
class OpsReport:
    kind: ReportKind
    env: str
    target: str
    start: datetime
    end: datetime
    generated_at: datetime
    daily_budget_usd: float
    availability: Availability | Section
    alarms: tuple[AlarmFiring, ...] | Section
    deployments: tuple[DeploymentRecord, ...] | Section
    rollouts: tuple[RolloutSummary, ...] | Section
    dora: Dora | Section
    perf: tuple[PerfPoint, ...] | Section
    cost: dict[date, float] | Section
    last_drill: DrillRecord | Section | None  # None: no drill recorded

    @property
    def title(self) -> str:
        return f"{self.kind.value.capitalize()} operations report: {self.env}"


def build_report(
    kind: ReportKind,
    *,
    config: EnvironmentConfig,
    sources: ReportSources,
    clock: Clock,
    target: str,
) -> OpsReport:
    """The report of the `kind.days` days up to now (a rolling window, so today's records
    count)."""
    env = config.name
    end = clock.now()
    start = end - timedelta(days=kind.days)
    traffic = _read(lambda: tuple(sources.traffic.daily(env, start, end)))
    records = _read(
        lambda: tuple(
            r for r in sources.deployments.between(env, start, end) if start <= r.started_at <= end
        )
    )
    rollouts: tuple[RolloutSummary, ...] | Section
    if sources.rollouts is None:
        rollouts = Section("rollout records are not wired on this target")
    else:
        port = sources.rollouts
        rollouts = _read(lambda: tuple(port.between(env, start, end)))
    dora: Dora | Section
    if isinstance(records, Section):
        dora = records
    else:
        counted = rollouts if isinstance(rollouts, tuple) else ()
        dora = dora_metrics(records, counted, sources.commits.committed_at, kind.days)
    perf: tuple[PerfPoint, ...] | Section
    if sources.perf is None:
        perf = Section("performance records are not wired on this target")
    else:
        perf_port = sources.perf
        perf = _read(lambda: tuple(sorted(perf_port.between(env, start, end), key=lambda p: p.at)))
    cost = _read(lambda: sources.cost.daily(env, start.date(), end.date() + timedelta(days=1)))
    last_drill: DrillRecord | Section | None
    if sources.drills is None:
        last_drill = Section("drill records are not wired on this target")
    else:
        drills = sources.drills
        last_drill = _read(lambda: drills.last(env))
    return OpsReport(
        kind=kind,
        env=env,
        target=target,
        start=start,
        end=end,
        generated_at=end,
        daily_budget_usd=config.monitoring.daily_budget_usd,
        availability=(
            traffic
            if isinstance(traffic, Section)
            else availability(traffic, config.monitoring.slo.availability)
        ),
        alarms=_read(
            lambda: tuple(sorted(sources.alarms.fired(env, start, end), key=lambda a: a.at))
        ),
        deployments=records,
        rollouts=rollouts,
        dora=dora,
        perf=perf,
        cost=Section(cost.reason) if isinstance(cost, NotAvailable) else cost,
        last_drill=last_drill,
    )


def _read(read: Callable[[], T]) -> T | Section:
    try:
        return read()
    except Exception as exc:  # a failed source is a note in its section, not a failed report
        return Section(f"not available: {type(exc).__name__}: {exc}")

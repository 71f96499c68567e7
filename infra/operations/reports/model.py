"""The report's inputs (what the ports return) and its sections (plain data, rendered three
ways: Markdown, JSON, PNG charts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from infra.backup.drill_records import DrillRecord
from infra.deploy.records import DeploymentRecord
from infra.errors import UsageError
from infra.monitoring.severity import Severity


class ReportKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def days(self) -> int:
        return 1 if self is ReportKind.DAILY else 7


def parse_kind(raw: str) -> ReportKind:
    try:
        return ReportKind(raw)
    except ValueError:
        raise UsageError(f"unknown report {raw!r}; choose one of: daily, weekly") from None


# ---- inputs (ports) ----


@dataclass(frozen=True)
class DailyTraffic:
    day: date
    requests: int
    server_errors: int
    p95_ms: float | None


@dataclass(frozen=True)
class AlarmFiring:
    name: str
    severity: Severity
    at: datetime


@dataclass(frozen=True)
class RolloutSummary:
    """A finished or running rollout (rollout records: another stream's port)."""

    rollout_id: str
    digest: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # completed | rolled-back | aborted | running | paused

    @property
    def rolled_back(self) -> bool:
        return self.outcome in ("rolled-back", "aborted")


@dataclass(frozen=True)
class PerfPoint:
    """One perf run's result (perf records: another stream's port)."""

    at: datetime
    p95_ms: float
    error_rate: float
    requests_per_s: float


@dataclass(frozen=True)
class NotAvailable:
    reason: str


class TrafficSource(Protocol):
    def daily(self, env: str, start: datetime, end: datetime) -> Sequence[DailyTraffic]: ...


class AlarmHistorySource(Protocol):
    def fired(self, env: str, start: datetime, end: datetime) -> Sequence[AlarmFiring]: ...


class DeploymentSource(Protocol):
    def between(self, env: str, start: datetime, end: datetime) -> Sequence[DeploymentRecord]: ...


class RolloutHistorySource(Protocol):
    def between(self, env: str, start: datetime, end: datetime) -> Sequence[RolloutSummary]: ...


class PerfSource(Protocol):
    def between(self, env: str, start: datetime, end: datetime) -> Sequence[PerfPoint]: ...


class CostSource(Protocol):
    def daily(self, env: str, start: date, end: date) -> dict[date, float] | NotAvailable: ...


class CommitTimes(Protocol):
    def committed_at(self, commit: str) -> datetime | None: ...


class DrillHistorySource(Protocol):
    """The environment's newest restore drill (infra.backup's `drill#` records), or None."""

    def last(self, env: str) -> DrillRecord | None: ...


@dataclass(frozen=True)
class ReportSources:
    """Every port the report reads; a source that fails makes its section say so."""

    traffic: TrafficSource
    alarms: AlarmHistorySource
    deployments: DeploymentSource
    rollouts: RolloutHistorySource | None
    perf: PerfSource | None
    cost: CostSource
    commits: CommitTimes
    drills: DrillHistorySource | None = None  # the last restore drill, whenever it ran


# ---- sections ----


@dataclass(frozen=True)
class Availability:
    slo: float
    requests: int
    server_errors: int
    availability: float | None  # None: no traffic
    budget_errors: float  # errors the SLO allows over the range
    budget_remaining: float | None  # fraction of the budget left (negative: overspent)
    days: tuple[DailyTraffic, ...]

    @property
    def met(self) -> bool | None:
        return None if self.availability is None else self.availability >= self.slo


@dataclass(frozen=True)
class Dora:
    deployments: int  # succeeded deployments in the range
    per_day: float
    lead_time_median_h: float | None
    lead_time_samples: int
    lead_time_unknown: int  # deployments whose commit time git could not tell
    change_failure_rate: float | None
    failures: int
    restore_median_h: float | None
    restores: int
    unrestored: int


@dataclass(frozen=True)
class Section:
    """A section whose source failed or has no data on this target."""

    note: str

"""What the collectors bring back: plain facts, or `Unknown` when a collector failed or took
too long. The checks decide over these alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from infra.deploy.records import DeploymentRecord
from infra.monitoring.alarm_source import AlarmState


@dataclass(frozen=True)
class Unknown:
    """A collector that failed or timed out; the reason is shown next to the check."""

    reason: str


@dataclass(frozen=True)
class HealthFact:
    url: str
    status_code: int | None  # None: no HTTP answer at all
    failing: tuple[str, ...] = ()  # dependencies /health names as failing
    error: str = ""


@dataclass(frozen=True)
class RouteStats:
    route: str
    requests: int
    server_errors: int
    unauthorized: int
    p95_ms: float | None


@dataclass(frozen=True)
class RequestFacts:
    """Requests of the last `window_minutes`, by route (function logs; the app's log lines
    locally)."""

    window_minutes: int
    routes: tuple[RouteStats, ...]
    source: str

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.routes)

    @property
    def server_errors(self) -> int:
        return sum(r.server_errors for r in self.routes)

    @property
    def unauthorized(self) -> int:
        return sum(r.unauthorized for r in self.routes)


@dataclass(frozen=True)
class ServiceMetrics:
    """Sums over the window; None where the target has no such metric (said in `source`)."""

    window_minutes: int
    function_errors: float | None
    function_throttles: float | None
    max_duration_ms: float | None
    timeouts: float | None
    dynamodb_throttles: float | None
    report_failures: float | None
    source: str


@dataclass(frozen=True)
class RolloutFact:
    """The rollout in progress, from the rollout records (another stream's port)."""

    rollout_id: str
    phase: str  # e.g. running, paused, aborted, completed
    step: str  # e.g. "3/6 analysis"
    weight_pct: int | None
    started_at: datetime

    @property
    def in_progress(self) -> bool:
        return self.phase in ("running", "paused")


@dataclass(frozen=True)
class DeploymentFact:
    last: DeploymentRecord | None
    rollout: RolloutFact | None
    now: datetime


@dataclass(frozen=True)
class IssuerFact:
    """The JWT issuer's signing keys: fetched from its JWKS URL, or a local static key."""

    url: str
    reachable: bool
    keys: int
    error: str = ""
    static_key: bool = False


@dataclass(frozen=True)
class IdentityFact:
    pool_found: bool
    detail: str


@dataclass(frozen=True)
class CostFact:
    """Month-to-date spend of the environment, where the target has it."""

    available: bool
    month_to_date_usd: float | None
    days_elapsed: int
    daily_budget_usd: float
    note: str = ""


AlarmsFact = tuple[AlarmState, ...]

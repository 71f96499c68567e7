"""The collectors of each target: adapters that turn AWS (or the local stack) into facts.
Everything slow or fallible is here; the lead wires the ports (`RolloutStatusSource`, the
local app's log lines, its URL) in the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from infra.aws.clients import AwsClients
from infra.aws.cloudwatch import MetricStatistics
from infra.aws.cost import CostExplorer
from infra.aws.items import ItemTable
from infra.aws.lambda_ import LambdaFunctions
from infra.aws.logs import LogsInsights
from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.deploy.records import RecordStore
from infra.monitoring.alarm_source import AlarmSource, AwsAlarmSource
from infra.monitoring.catalog import APP_NAMESPACE, APP_SERVICE, catalog_of
from infra.monitoring.log_filters import log_namespace
from infra.operations.diagnose.app_logs import app_log_facts
from infra.operations.diagnose.facts import (
    CostFact,
    DeploymentFact,
    IdentityFact,
    IssuerFact,
    RequestFacts,
    RolloutFact,
    RouteStats,
    ServiceMetrics,
)
from infra.operations.diagnose.probes import probe_health, probe_jwks
from infra.operations.diagnose.run import Collectors
from infra.operations.users.plan import IdentityNotDeployed
from infra.operations.users.pool import find_pool

WINDOW_MINUTES = 15
INSIGHTS_TIMEOUT_S = 15.0
# One access-log line per request (app.observability.access_log): counts, then latency.
REQUESTS_QUERY = 'filter message = "request" | stats count(*) as requests by route, status'
LATENCY_QUERY = 'filter message = "request" | stats pct(latency_ms, 95) as p95 by route'


class RolloutStatusSource(Protocol):
    """The rollout in progress of an environment, from the rollout records (rollout stream)."""

    def current(self, env: str) -> RolloutFact | None: ...


def deployment_fact(
    store: RecordStore, rollouts: RolloutStatusSource | None, env: str, clock: Clock
) -> DeploymentFact:
    history = store.history(limit=1)
    rollout = rollouts.current(env) if rollouts is not None else None
    return DeploymentFact(history[0] if history else None, rollout, clock.now())


def identity_fact(clients: AwsClients, config: EnvironmentConfig) -> IdentityFact:
    try:
        pool = find_pool(clients, config)
    except IdentityNotDeployed as exc:
        return IdentityFact(False, str(exc))
    return IdentityFact(True, f"user pool {pool.pool_id} with app client {pool.client_id}")


def aws_collectors(
    config: EnvironmentConfig,
    clients: AwsClients,
    clock: Clock,
    *,
    api_url: str,
    rollouts: RolloutStatusSource | None,
    window_minutes: int = WINDOW_MINUTES,
) -> Collectors:
    """Collectors reading AWS: the stack's API URL (its ApiUrl output), CloudWatch alarms,
    Logs Insights on the function's logs, CloudWatch metrics, records, JWKS, Cost Explorer."""
    names = config.names

    def window() -> tuple[datetime, datetime]:
        end = clock.now()
        return end - timedelta(minutes=window_minutes), end

    def requests() -> RequestFacts:
        start, end = window()
        insights = LogsInsights(clients, clock)
        group = names.function_log_group
        counts = insights.query(group, REQUESTS_QUERY, start, end, INSIGHTS_TIMEOUT_S)
        p95s = insights.query(group, LATENCY_QUERY, start, end, INSIGHTS_TIMEOUT_S)
        return requests_from_insights(counts, p95s, window_minutes)

    def metrics() -> ServiceMetrics:
        start, end = window()
        stats = MetricStatistics(clients)
        fn = (("FunctionName", names.function),)
        table = (("TableName", names.data_table),)

        def total(*values: float | None) -> float | None:
            known = [v for v in values if v is not None]
            return sum(known) if known else 0.0

        return ServiceMetrics(
            window_minutes=window_minutes,
            function_errors=total(stats.over("AWS/Lambda", "Errors", fn, "Sum", start, end)),
            function_throttles=total(stats.over("AWS/Lambda", "Throttles", fn, "Sum", start, end)),
            max_duration_ms=stats.over("AWS/Lambda", "Duration", fn, "Maximum", start, end),
            timeouts=total(
                stats.over(log_namespace(config.name), "Timeouts", (), "Sum", start, end)
            ),
            dynamodb_throttles=total(
                stats.over("AWS/DynamoDB", "ReadThrottleEvents", table, "Sum", start, end),
                stats.over("AWS/DynamoDB", "WriteThrottleEvents", table, "Sum", start, end),
            ),
            report_failures=total(
                stats.over(
                    APP_NAMESPACE, "ReportsFailed", (("service", APP_SERVICE),), "Sum", start, end
                )
            ),
            source="CloudWatch metrics",
        )

    def issuer() -> IssuerFact:
        url = LambdaFunctions(clients).environment(names.function).get("EI_JWT_JWKS_URL", "")
        return probe_jwks(url) if url else IssuerFact("", False, 0, "the function has no JWKS URL")

    def cost() -> CostFact:
        today = clock.now().astimezone(UTC).date()
        first = today.replace(day=1)
        days = CostExplorer(clients).daily_costs(names.stack, first, today + timedelta(days=1))
        return CostFact(
            True, sum(days.values()), (today - first).days + 1, config.monitoring.daily_budget_usd
        )

    return Collectors(
        health=lambda: probe_health(api_url),
        alarms=lambda: AwsAlarmSource(clients, catalog_of).states(config.name),
        requests=requests,
        metrics=metrics,
        deployment=lambda: deployment_fact(
            RecordStore(ItemTable(clients, names.deployments_table), config.name),
            rollouts,
            config.name,
            clock,
        ),
        issuer=issuer,
        identity=lambda: identity_fact(clients, config),
        cost=cost,
    )


def requests_from_insights(
    counts: Iterable[dict[str, str]], p95s: Iterable[dict[str, str]], window_minutes: int
) -> RequestFacts:
    """RequestFacts from the two Logs Insights queries' rows."""
    per_route: dict[str, list[int]] = {}
    for row in counts:
        route = row.get("route") or "?"
        n, status = _int(row.get("requests")), _int(row.get("status"))
        totals = per_route.setdefault(route, [0, 0, 0])
        totals[0] += n
        totals[1] += n if status >= 500 else 0
        totals[2] += n if status == 401 else 0
    latency = {row.get("route") or "?": _float(row.get("p95")) for row in p95s}
    routes = tuple(
        RouteStats(route, n, e5, e401, latency.get(route))
        for route, (n, e5, e401) in sorted(per_route.items())
    )
    return RequestFacts(window_minutes, routes, "Logs Insights on the function's log group")


def local_collectors(
    config: EnvironmentConfig,
    emulator: AwsClients,
    clock: Clock,
    *,
    app_url: str,
    alarm_source: AlarmSource,
    app_log_lines: Callable[[], Iterable[str]],
    jwks_url: str | None,
    rollouts: RolloutStatusSource | None,
    window_minutes: int = WINDOW_MINUTES,
) -> Collectors:
    """Collectors of the local target: the env's local app (URL, log lines), our own alarm
    evaluator, the records and the pool on the emulator. `jwks_url` None: the app trusts the
    local static key (no issuer to reach, no pool needed)."""
    names = config.names

    def identity() -> IdentityFact:
        if jwks_url is None:
            return IdentityFact(True, "the local app uses the dev-key path (no user pool)")
        return identity_fact(emulator, config)

    return Collectors(
        health=lambda: probe_health(app_url),
        alarms=lambda: alarm_source.states(config.name),
        requests=lambda: app_log_facts(app_log_lines(), clock.now(), window_minutes).requests,
        metrics=lambda: app_log_facts(app_log_lines(), clock.now(), window_minutes).metrics,
        deployment=lambda: deployment_fact(
            RecordStore(ItemTable(emulator, names.deployments_table), config.name),
            rollouts,
            config.name,
            clock,
        ),
        issuer=lambda: (
            probe_jwks(jwks_url, emulator=emulator.endpoint.url or "")
            if jwks_url
            else IssuerFact("", True, 1, static_key=True)
        ),
        identity=identity,
        cost=lambda: CostFact(
            False, None, 0, config.monitoring.daily_budget_usd, "cost is not available locally"
        ),
    )


def _int(raw: str | None) -> int:
    try:
        return int(float(raw or "0"))
    except ValueError:
        return 0


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None

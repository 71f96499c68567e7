"""Pure decisions: one collected fact (or Unknown) and the environment's thresholds in, one
Check out. Alarm-style thresholds are per 5 minutes and scale to the diagnosis window."""

from __future__ import annotations

from datetime import timedelta

from infra.config.model import EnvironmentConfig
from infra.deploy.records import Outcome
from infra.monitoring.alarm_source import AlarmState, alarm_rows
from infra.monitoring.catalog import catalog_of
from infra.monitoring.model import AlarmStateValue
from infra.monitoring.severity import Severity
from infra.operations.diagnose.facts import (
    AlarmsFact,
    CostFact,
    DeploymentFact,
    HealthFact,
    IdentityFact,
    IssuerFact,
    RequestFacts,
    ServiceMetrics,
    Unknown,
)
from infra.operations.diagnose.model import Check, Runbook, Status

RECENT_DEPLOY = timedelta(minutes=60)
UNAUTHORIZED_SHARE_WARN = 0.10  # some 401s are normal (clients without a token)
COST_WARN_SHARE = 0.8
ALARM_WINDOW_MIN = 5
MAX_ALARMS_SHOWN = 4

API_ERRORS = Runbook("api", "api-error-rate")
API_LATENCY = Runbook("api", "api-p95-latency")
SERVICE = Runbook("service-health", "service-health")
AUTH = Runbook("security", "auth-failures")
SIGN_IN = Runbook("users", "sign-in-fails")
LAMBDA_ERRORS = Runbook("lambda", "lambda-errors")
TIMEOUTS = Runbook("lambda", "function-timeouts")
DURATION = Runbook("lambda", "lambda-duration")
DDB_THROTTLES = Runbook("dynamodb", "dynamodb-throttles")
LAMBDA_THROTTLES = Runbook("lambda", "lambda-throttles")
REPORTS = Runbook("reports", "report-failures")
FAILED_DEPLOY = Runbook("deploy", "recover-from-a-failed-deployment")
ROLLOUT = Runbook("deploy", "control-a-canary-rollout")
UNDO = Runbook("deploy", "roll-back-a-release")
COST = Runbook("cost", "estimated-charges")
_BY_DEPENDENCY = {
    "dynamodb": Runbook("dynamodb", "dynamodb-system-errors"),
    "s3": Runbook("s3", "s3-5xx-rate"),
}


def per_window(per_5_min: float, window_minutes: int) -> float:
    return per_5_min * window_minutes / ALARM_WINDOW_MIN


def unknown(key: str, fact: Unknown) -> Check:
    return Check(key, Status.UNKNOWN, fact.reason)


def check_health(fact: HealthFact | Unknown) -> Check:
    if isinstance(fact, Unknown):
        return unknown("health", fact)
    if fact.status_code == 200:
        return Check("health", Status.OK, f"{fact.url} answers 200")
    if fact.status_code is None:
        return Check("health", Status.FAIL, f"{fact.url} does not answer: {fact.error}", SERVICE)
    failing = ", ".join(fact.failing) or "no dependency named"
    runbook = _BY_DEPENDENCY.get(fact.failing[0], SERVICE) if fact.failing else SERVICE
    return Check(
        "health",
        Status.FAIL,
        f"{fact.url} answers {fact.status_code} (failing: {failing})",
        runbook,
    )


def check_alarms(fact: AlarmsFact | Unknown, env: str) -> Check:
    if isinstance(fact, Unknown):
        return unknown("alarms", fact)
    firing = [s for s in fact if s.state is AlarmStateValue.ALARM]
    if not firing:
        no_data = sum(1 for s in fact if s.state is AlarmStateValue.INSUFFICIENT_DATA)
        return Check(
            "alarms", Status.OK, f"none of {len(fact)} alarms in ALARM ({no_data} no data)"
        )
    worst = _most_urgent(firing)
    rows = alarm_rows(firing)
    shown = ", ".join(f"{sev} {_short(name, env)}" for sev, _, name, _ in rows[:MAX_ALARMS_SHOWN])
    more = f" and {len(rows) - MAX_ALARMS_SHOWN} more" if len(rows) > MAX_ALARMS_SHOWN else ""
    status = Status.FAIL if worst.severity is Severity.P0 else Status.WARN
    summary = f"{len(rows)} in ALARM: {shown}{more}"
    return Check("alarms", status, summary, _alarm_runbook(env, worst.name))


def check_server_errors(fact: RequestFacts | Unknown, config: EnvironmentConfig) -> Check:
    key = "server-errors"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    if fact.requests == 0:
        return Check(key, Status.OK, f"no requests in the last {fact.window_minutes} min")
    if fact.server_errors == 0:
        return Check(key, Status.OK, f"0 of {fact.requests} requests answered 5xx")
    rate = 100 * fact.server_errors / fact.requests
    routes = sorted((r for r in fact.routes if r.server_errors), key=lambda r: -r.server_errors)
    by_route = ", ".join(f"{r.route} {r.server_errors}/{r.requests}" for r in routes[:5])
    limit = config.monitoring.thresholds.api_error_rate_pct
    status = Status.FAIL if rate > limit else Status.WARN
    summary = f"{rate:.1f}% 5xx (limit {limit:g}%) in {fact.window_minutes} min: {by_route}"
    return Check(key, status, summary, API_ERRORS)


def check_latency(fact: RequestFacts | Unknown, config: EnvironmentConfig) -> Check:
    key = "latency"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    measured = [r for r in fact.routes if r.p95_ms is not None and r.requests]
    if not measured:
        return Check(key, Status.OK, "no requests to measure")
    worst = max(measured, key=lambda r: r.p95_ms or 0.0)
    p95 = worst.p95_ms or 0.0
    alarm, slo = config.monitoring.thresholds.api_p95_latency_ms, config.alarms.p95_latency_ms
    summary = f"slowest route {worst.route}: p95 {p95:.0f} ms (SLO {slo} ms, alarm {alarm} ms)"
    if p95 > alarm:
        return Check(key, Status.FAIL, summary, API_LATENCY)
    if p95 > slo:
        return Check(key, Status.WARN, summary, API_LATENCY)
    return Check(key, Status.OK, summary)


def check_auth_failures(fact: RequestFacts | Unknown, config: EnvironmentConfig) -> Check:
    key = "auth-failures"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    count = fact.unauthorized
    limit = per_window(config.monitoring.thresholds.auth_failures, fact.window_minutes)
    summary = f"{count} of {fact.requests} requests refused with 401 (alarm at {limit:g})"
    if count >= limit:
        return Check(key, Status.FAIL, summary, AUTH)
    if count and count >= UNAUTHORIZED_SHARE_WARN * fact.requests:
        return Check(key, Status.WARN, summary, AUTH)
    return Check(key, Status.OK, summary)


def check_function_errors(fact: ServiceMetrics | Unknown, config: EnvironmentConfig) -> Check:
    key = "function-errors"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    if fact.function_errors is None:
        return Check(key, Status.UNKNOWN, f"no function error metric ({fact.source})")
    limit = per_window(config.monitoring.thresholds.lambda_errors, fact.window_minutes)
    summary = (
        f"{fact.function_errors:g} function errors in {fact.window_minutes} min ({fact.source})"
    )
    return _against(key, fact.function_errors, limit, summary, LAMBDA_ERRORS)


def check_timeouts(fact: ServiceMetrics | Unknown, config: EnvironmentConfig) -> Check:
    key = "timeouts"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    limits = config.monitoring.thresholds
    if fact.timeouts is not None and fact.timeouts >= per_window(
        limits.function_timeouts, fact.window_minutes
    ):
        return Check(key, Status.FAIL, f"{fact.timeouts:g} invocations timed out", TIMEOUTS)
    if fact.max_duration_ms is not None and fact.max_duration_ms > limits.lambda_duration_ms:
        summary = f"slowest invocation {fact.max_duration_ms:.0f} ms > {limits.lambda_duration_ms}"
        return Check(key, Status.WARN, summary, DURATION)
    if fact.timeouts is None and fact.max_duration_ms is None:
        return Check(key, Status.UNKNOWN, f"no duration or timeout data ({fact.source})")
    longest = "-" if fact.max_duration_ms is None else f"{fact.max_duration_ms:.0f} ms"
    return Check(key, Status.OK, f"no timeouts; slowest {longest} ({fact.source})")


def check_throttles(fact: ServiceMetrics | Unknown, config: EnvironmentConfig) -> Check:
    key = "throttles"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    limits = config.monitoring.thresholds
    table, function = fact.dynamodb_throttles, fact.function_throttles
    if table is None and function is None:
        return Check(key, Status.UNKNOWN, f"no throttle data ({fact.source})")
    if table:
        fail = table >= per_window(limits.dynamodb_throttles, fact.window_minutes)
        summary = f"{table:g} throttled DynamoDB requests ({fact.source})"
        return Check(key, Status.FAIL if fail else Status.WARN, summary, DDB_THROTTLES)
    if function:
        fail = function >= per_window(limits.lambda_throttles, fact.window_minutes)
        summary = f"{function:g} throttled invocations ({fact.source})"
        return Check(key, Status.FAIL if fail else Status.WARN, summary, LAMBDA_THROTTLES)
    return Check(key, Status.OK, f"no throttling in {fact.window_minutes} min ({fact.source})")


def check_reports(fact: ServiceMetrics | Unknown, config: EnvironmentConfig) -> Check:
    key = "reports"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    if fact.report_failures is None:
        return Check(key, Status.UNKNOWN, f"no report metrics ({fact.source})")
    limit = per_window(config.monitoring.thresholds.report_failures, fact.window_minutes)
    summary = f"{fact.report_failures:g} failed report generations in {fact.window_minutes} min"
    return _against(key, fact.report_failures, limit, summary, REPORTS)


def check_deployment(fact: DeploymentFact | Unknown) -> Check:
    key = "deployment"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    if fact.rollout is not None and fact.rollout.in_progress:
        r = fact.rollout
        weight = f", {r.weight_pct}% on the new version" if r.weight_pct is not None else ""
        return Check(
            key, Status.WARN, f"rollout {r.rollout_id} {r.phase} at {r.step}{weight}", ROLLOUT
        )
    last = fact.last
    if last is None:
        return Check(key, Status.OK, "no deployments recorded")
    what = f"{last.deployment_id} ({last.digest[:12]}, commit {last.commit[:12]})"
    if last.outcome is Outcome.FAILED:
        return Check(
            key, Status.FAIL, f"last deployment {what} failed: {last.error}", FAILED_DEPLOY
        )
    if last.outcome is Outcome.IN_PROGRESS:
        since = _ago(fact.now - last.started_at)
        return Check(key, Status.WARN, f"deployment {what} in progress for {since}", FAILED_DEPLOY)
    ended = last.finished_at or last.started_at
    if fact.now - ended <= RECENT_DEPLOY:
        summary = (
            f"deployed {what} {_ago(fact.now - ended)} ago: if the trouble started since, undo it"
        )
        return Check(key, Status.WARN, summary, UNDO)
    return Check(
        key, Status.OK, f"last deployment {what} {last.outcome.value}, {_ago(fact.now - ended)} ago"
    )


def check_issuer(fact: IssuerFact | Unknown) -> Check:
    key = "issuer"
    if isinstance(fact, Unknown):
        return unknown(key, fact)
    if fact.static_key:
        return Check(key, Status.OK, "the app verifies tokens with a local static key")
    if not fact.reachable:
        return Check(key, Status.FAIL, f"JWKS {fact.url} unreachable: {fact.error}", SIGN_IN)
    if fact.keys == 0:
        return Check(key, Status.FAIL, f"JWKS {fact.url} holds no signing keys", SIGN_IN)
    return Check(key, Status.OK, f"JWKS {fact.url} serves {fact.keys} key(s)")


def check_identity(fact: IdentityFact | Unknown) -> Check:
    if isinstance(fact, Unknown):
        return unknown("identity", fact)
    if fact.pool_found:
        return Check("identity", Status.OK, fact.detail)
    return Check("identity", Status.FAIL, fact.detail, SIGN_IN)


def check_cost(fact: CostFact | Unknown) -> Check:
    if isinstance(fact, Unknown):
        return unknown("cost", fact)
    if not fact.available or fact.month_to_date_usd is None:
        return Check("cost", Status.UNKNOWN, fact.note or "cost data not available")
    budget = fact.daily_budget_usd * max(fact.days_elapsed, 1)
    spent = fact.month_to_date_usd
    summary = f"{spent:.2f} USD this month against {budget:.2f} USD of daily budgets so far"
    if spent > budget:
        return Check("cost", Status.FAIL, summary, COST)
    if spent > COST_WARN_SHARE * budget:
        return Check("cost", Status.WARN, summary, COST)
    return Check("cost", Status.OK, summary)


def _against(key: str, value: float, limit: float, summary: str, runbook: Runbook) -> Check:
    if value >= limit:
        return Check(key, Status.FAIL, f"{summary} (alarm at {limit:g})", runbook)
    if value > 0:
        return Check(key, Status.WARN, summary, runbook)
    return Check(key, Status.OK, summary)


def _short(name: str, env: str) -> str:
    """`energy-insights-staging-api-error-rate` -> `api-error-rate` (the catalog key)."""
    for alarm in catalog_of(env).every:
        if alarm.name == name:
            return alarm.key
    return name


def _most_urgent(states: list[AlarmState]) -> AlarmState:
    order = {s: i for i, s in enumerate((Severity.P0, Severity.P1, Severity.P2, Severity.P3))}
    return min(states, key=lambda s: (order.get(s.severity, 9), s.name))


def _alarm_runbook(env: str, name: str) -> Runbook | None:
    for alarm in catalog_of(env).every:
        if alarm.name == name:
            return Runbook(alarm.runbook.page, alarm.runbook.anchor)
    return None


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"

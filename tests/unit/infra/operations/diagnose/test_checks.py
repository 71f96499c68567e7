"""Each check's decision, table-tested at its limits (thresholds from the staging config:
5 % 5xx, p95 SLO 5000 ms / alarm 10000 ms, 100 401s and 5 function errors per 5 minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome
from infra.monitoring.alarm_source import AlarmState
from infra.monitoring.model import AlarmStateValue
from infra.monitoring.severity import Severity
from infra.operations.diagnose import checks as c
from infra.operations.diagnose.facts import (
    CostFact,
    DeploymentFact,
    HealthFact,
    IdentityFact,
    IssuerFact,
    RequestFacts,
    RolloutFact,
    RouteStats,
    ServiceMetrics,
    Unknown,
)
from infra.operations.diagnose.model import Status

CONFIG = load_environment("staging")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def requests(*routes: RouteStats, window: int = 5) -> RequestFacts:
    return RequestFacts(window, routes, "test")


def metrics(**values: float | None) -> ServiceMetrics:
    base: dict[str, float | None] = {
        "function_errors": 0.0,
        "function_throttles": 0.0,
        "max_duration_ms": 100.0,
        "timeouts": 0.0,
        "dynamodb_throttles": 0.0,
        "report_failures": 0.0,
    }
    base.update(values)
    return ServiceMetrics(window_minutes=5, source="test", **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fact", "status", "runbook"),
    [
        (HealthFact("u", 200), Status.OK, None),
        (HealthFact("u", 503, ("dynamodb",)), Status.FAIL, "dynamodb.md#dynamodb-system-errors"),
        (HealthFact("u", 503, ("s3",)), Status.FAIL, "s3.md#s3-5xx-rate"),
        (HealthFact("u", 500), Status.FAIL, "service-health.md#service-health"),
        (HealthFact("u", None, error="refused"), Status.FAIL, "service-health.md#service-health"),
        (Unknown("timed out"), Status.UNKNOWN, None),
    ],
)
def test_health(fact: HealthFact | Unknown, status: Status, runbook: str | None) -> None:
    check = c.check_health(fact)
    assert check.status is status
    assert (check.runbook.link.split("/")[-1] if check.runbook else None) == runbook


@pytest.mark.parametrize(
    ("requests_", "errors", "status"),
    [
        (0, 0, Status.OK),
        (100, 0, Status.OK),
        (100, 1, Status.WARN),
        (100, 5, Status.WARN),  # exactly the limit: the alarm needs more than 5 %
        (100, 6, Status.FAIL),
    ],
)
def test_server_errors_against_the_alarm_limit(requests_: int, errors: int, status: Status) -> None:
    check = c.check_server_errors(requests(RouteStats("/r", requests_, errors, 0, 10.0)), CONFIG)
    assert check.status is status
    if status is not Status.OK:
        assert check.runbook == c.API_ERRORS
        assert "/r" in check.summary


def test_server_errors_name_the_worst_routes_first() -> None:
    fact = requests(RouteStats("/a", 10, 1, 0, 1.0), RouteStats("/b", 10, 9, 0, 1.0))
    assert c.check_server_errors(fact, CONFIG).summary.endswith("/b 9/10, /a 1/10")


@pytest.mark.parametrize(
    ("p95", "status"),
    [(5000.0, Status.OK), (5001.0, Status.WARN), (10000.0, Status.WARN), (10001.0, Status.FAIL)],
)
def test_latency_against_slo_and_alarm(p95: float, status: Status) -> None:
    fact = requests(RouteStats("/fast", 5, 0, 0, 1.0), RouteStats("/slow", 5, 0, 0, p95))
    check = c.check_latency(fact, CONFIG)
    assert check.status is status
    assert "/slow" in check.summary


@pytest.mark.parametrize(
    ("total", "unauthorized", "window", "status"),
    [
        (1000, 99, 5, Status.OK),  # under 10 % and under the alarm
        (500, 50, 5, Status.WARN),  # 10 % of requests
        (1000, 100, 5, Status.FAIL),  # the alarm's 100 per 5 min
        (2000, 100, 15, Status.OK),  # over 15 min the alarm scales to 300
        (1000, 300, 15, Status.FAIL),
    ],
)
def test_auth_failures(total: int, unauthorized: int, window: int, status: Status) -> None:
    fact = requests(RouteStats("/r", total, 0, unauthorized, 1.0), window=window)
    assert c.check_auth_failures(fact, CONFIG).status is status


@pytest.mark.parametrize(
    ("errors", "status"),
    [(0.0, Status.OK), (4.0, Status.WARN), (5.0, Status.FAIL), (None, Status.UNKNOWN)],
)
def test_function_errors(errors: float | None, status: Status) -> None:
    assert c.check_function_errors(metrics(function_errors=errors), CONFIG).status is status


@pytest.mark.parametrize(
    ("values", "status", "runbook"),
    [
        ({}, Status.OK, None),
        ({"timeouts": 1.0}, Status.FAIL, c.TIMEOUTS),
        ({"max_duration_ms": 12000.0}, Status.OK, None),
        ({"max_duration_ms": 12001.0}, Status.WARN, c.DURATION),
        ({"timeouts": None, "max_duration_ms": None}, Status.UNKNOWN, None),
    ],
)
def test_timeouts(values: dict[str, float | None], status: Status, runbook: object) -> None:
    check = c.check_timeouts(metrics(**values), CONFIG)
    assert (check.status, check.runbook) == (status, runbook)


@pytest.mark.parametrize(
    ("values", "status", "runbook"),
    [
        ({}, Status.OK, None),
        ({"dynamodb_throttles": 1.0}, Status.FAIL, c.DDB_THROTTLES),
        ({"function_throttles": 1.0}, Status.FAIL, c.LAMBDA_THROTTLES),
        ({"dynamodb_throttles": None, "function_throttles": None}, Status.UNKNOWN, None),
    ],
)
def test_throttles(values: dict[str, float | None], status: Status, runbook: object) -> None:
    check = c.check_throttles(metrics(**values), CONFIG)
    assert (check.status, check.runbook) == (status, runbook)


def test_reports() -> None:
    assert c.check_reports(metrics(report_failures=1.0), CONFIG).status is Status.FAIL
    assert c.check_reports(metrics(report_failures=0.0), CONFIG).status is Status.OK
    assert c.check_reports(metrics(report_failures=None), CONFIG).status is Status.UNKNOWN


def record(outcome: Outcome, started: datetime, finished: datetime | None) -> DeploymentRecord:
    return DeploymentRecord(
        "d1",
        "staging",
        "aws",
        "a" * 64,
        "b" * 40,
        "me",
        started,
        outcome,
        finished,
        error="stack rolled back" if outcome is Outcome.FAILED else "",
    )


@pytest.mark.parametrize(
    ("last", "rollout_phase", "status", "runbook"),
    [
        (None, None, Status.OK, None),
        (
            record(Outcome.SUCCEEDED, NOW - timedelta(hours=3), NOW - timedelta(minutes=61)),
            None,
            Status.OK,
            None,
        ),
        (
            record(Outcome.SUCCEEDED, NOW - timedelta(hours=1), NOW - timedelta(minutes=60)),
            None,
            Status.WARN,
            c.UNDO,
        ),
        (
            record(Outcome.FAILED, NOW - timedelta(hours=3), NOW - timedelta(hours=2)),
            None,
            Status.FAIL,
            c.FAILED_DEPLOY,
        ),
        (
            record(Outcome.IN_PROGRESS, NOW - timedelta(minutes=5), None),
            None,
            Status.WARN,
            c.FAILED_DEPLOY,
        ),
        (None, "running", Status.WARN, c.ROLLOUT),
        (None, "completed", Status.OK, None),
    ],
)
def test_deployment(
    last: DeploymentRecord | None, rollout_phase: str | None, status: Status, runbook: object
) -> None:
    rollout = RolloutFact("r1", rollout_phase, "3/6 analysis", 50, NOW) if rollout_phase else None
    check = c.check_deployment(DeploymentFact(last, rollout, NOW))
    assert (check.status, check.runbook) == (status, runbook)


@pytest.mark.parametrize(
    ("fact", "status"),
    [
        (IssuerFact("https://i/jwks.json", True, 2), Status.OK),
        (IssuerFact("https://i/jwks.json", True, 0), Status.FAIL),
        (IssuerFact("https://i/jwks.json", False, 0, "refused"), Status.FAIL),
        (IssuerFact("", True, 1, static_key=True), Status.OK),
    ],
)
def test_issuer(fact: IssuerFact, status: Status) -> None:
    assert c.check_issuer(fact).status is status


def test_identity() -> None:
    assert c.check_identity(IdentityFact(True, "pool")).status is Status.OK
    missing = c.check_identity(IdentityFact(False, "no pool"))
    assert (missing.status, missing.runbook) == (Status.FAIL, c.SIGN_IN)


@pytest.mark.parametrize(
    ("spent", "days", "status"),
    [
        (40.0, 1, Status.OK),
        (40.01, 1, Status.WARN),
        (50.0, 1, Status.WARN),
        (50.01, 1, Status.FAIL),
        (100.0, 2, Status.WARN),
        (None, 1, Status.UNKNOWN),
    ],
)
def test_cost_against_the_daily_budgets_so_far(
    spent: float | None, days: int, status: Status
) -> None:
    fact = CostFact(spent is not None, spent, days, 50.0, "" if spent else "not available locally")
    assert c.check_cost(fact).status is status


def test_alarms_p0_fails_others_warn_and_link_their_runbook() -> None:
    def state(name: str, severity: Severity, value: AlarmStateValue) -> AlarmState:
        return AlarmState(f"energy-insights-staging-{name}", severity, value, "", None)

    quiet = (state("api-error-rate", Severity.P0, AlarmStateValue.OK),)
    assert c.check_alarms(quiet, "staging").status is Status.OK
    p2 = (*quiet, state("lambda-errors", Severity.P2, AlarmStateValue.ALARM))
    warn = c.check_alarms(p2, "staging")
    assert (warn.status, warn.runbook) == (Status.WARN, c.LAMBDA_ERRORS)
    p0 = (*p2, state("service-health", Severity.P0, AlarmStateValue.ALARM))
    fail = c.check_alarms(p0, "staging")
    assert (fail.status, fail.runbook) == (Status.FAIL, c.SERVICE)

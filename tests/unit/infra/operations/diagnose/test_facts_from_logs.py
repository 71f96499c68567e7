"""Facts from the app's log lines (local target) and from Logs Insights rows (AWS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra.operations.diagnose.app_logs import app_log_facts, percentile, record_time
from infra.operations.diagnose.collectors import requests_from_insights

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def line(**fields: object) -> str:
    return json.dumps(fields)


def access(minute: int, route: str, status: int, latency: float) -> str:
    stamp = f"2026-06-01 11:{minute:02d}:30,250+0000"
    return line(
        level="INFO",
        message="request",
        timestamp=stamp,
        route=route,
        status=status,
        latency_ms=latency,
    )


def test_requests_errors_and_latency_by_route_within_the_window() -> None:
    lines = [
        access(40, "/sites/{site_id}", 500, 10.0),  # 20 min ago: outside a 15 min window
        access(50, "/sites/{site_id}", 200, 10.0),
        access(51, "/sites/{site_id}", 500, 30.0),
        access(52, "/sites/{site_id}", 401, 5.0),
        access(53, "/health", 200, 2.0),
        "not json",
        line(
            level="ERROR",
            message="unhandled",
            timestamp="2026-06-01 11:55:00,000+0000",
            exception="Traceback",
        ),
        line(
            level="WARNING",
            message="dependency unavailable",
            reason="dynamodb unavailable: ProvisionedThroughputExceededException",
            timestamp="2026-06-01 11:56:00,000+0000",
        ),
        line(
            _aws={"Timestamp": int(NOW.timestamp() * 1000) - 1000, "CloudWatchMetrics": []},
            ReportsFailed=[1, 0, 1],
        ),
    ]
    facts = app_log_facts(lines, NOW, 15)
    sites = next(r for r in facts.requests.routes if r.route == "/sites/{site_id}")
    assert (sites.requests, sites.server_errors, sites.unauthorized) == (3, 1, 1)
    assert sites.p95_ms == 30.0
    assert facts.requests.requests == 4
    assert facts.metrics.function_errors == 1
    assert facts.metrics.dynamodb_throttles == 1
    assert facts.metrics.report_failures == 2
    assert facts.metrics.max_duration_ms == 30.0
    assert facts.metrics.function_throttles is None


def test_no_lines_is_an_empty_window() -> None:
    facts = app_log_facts([], NOW, 15)
    assert facts.requests.requests == 0
    assert facts.metrics.max_duration_ms is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([5.0], 5.0), ([float(v) for v in range(1, 101)], 95.0), ([1.0, 2.0], 2.0)],
)
def test_percentile_nearest_rank(values: list[float], expected: float | None) -> None:
    assert percentile(values, 95) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"timestamp": "2026-06-01 11:00:00,500+0000"},
            datetime(2026, 6, 1, 11, 0, 0, 500000, UTC),
        ),
        ({"timestamp": "2026-06-01T11:00:00+00:00"}, datetime(2026, 6, 1, 11, tzinfo=UTC)),
        ({"_aws": {"Timestamp": 1780311600000}}, datetime(2026, 6, 1, 11, tzinfo=UTC)),
        ({"timestamp": "yesterday"}, None),
        ({}, None),
    ],
)
def test_record_time(record: dict[str, object], expected: datetime | None) -> None:
    assert record_time(record) == expected


def test_logs_insights_rows_become_route_stats() -> None:
    counts = [
        {"route": "/sites/{site_id}", "status": "200", "requests": "90"},
        {"route": "/sites/{site_id}", "status": "500", "requests": "10"},
        {"route": "/sites/{site_id}", "status": "401", "requests": "3"},
        {"route": "/health", "status": "200", "requests": "5"},
    ]
    p95s = [{"route": "/sites/{site_id}", "p95": "812.5"}, {"route": "/health", "p95": ""}]
    facts = requests_from_insights(counts, p95s, 15)
    sites = next(r for r in facts.routes if r.route == "/sites/{site_id}")
    assert (sites.requests, sites.server_errors, sites.unauthorized, sites.p95_ms) == (
        103,
        10,
        3,
        812.5,
    )
    assert next(r for r in facts.routes if r.route == "/health").p95_ms is None

"""The AWS-side adapters of diagnose and the reports against a real moto server: metric
statistics, Logs Insights polling, Cost Explorer, the HTTP API's daily traffic. What moto does
not model (Logs Insights returns only `@ptr`, no percentiles, no cost data, no alarm history)
is asserted as such, so the docs' claims stay true."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from infra.aws import AwsClients
from infra.aws.cloudwatch import MetricStatistics, alarm_history
from infra.aws.cost import CostExplorer
from infra.aws.errors import AwsCallFailed
from infra.aws.logs import LogsInsights
from infra.clock import SystemClock
from infra.config import load_environment
from infra.operations.diagnose.collectors import aws_collectors
from infra.operations.reports.sources import ApiTraffic
from tests.integration.infra.operations.test_identity_on_emulator import clients

pytestmark = pytest.mark.emulator
__all__ = ["clients"]


def put(clients: AwsClients, namespace: str, name: str, dims: dict[str, str], value: float) -> None:
    clients.cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Value": value,
                "Timestamp": datetime.now(UTC) - timedelta(minutes=1),
            }
        ],
    )


def test_service_metrics_come_from_cloudwatch(clients: AwsClients) -> None:
    config = load_environment("staging")
    fn = {"FunctionName": config.names.function}
    put(clients, "AWS/Lambda", "Errors", fn, 3)
    put(clients, "AWS/Lambda", "Errors", fn, 4)
    put(clients, "AWS/Lambda", "Duration", fn, 900)
    put(clients, "AWS/Lambda", "Duration", fn, 1500)
    put(clients, "AWS/DynamoDB", "WriteThrottleEvents", {"TableName": config.names.data_table}, 2)
    collectors = aws_collectors(
        config, clients, SystemClock(), api_url="http://127.0.0.1:9", rollouts=None
    )
    metrics = collectors.metrics()
    assert metrics.function_errors == 7
    assert metrics.max_duration_ms == 1500
    assert metrics.dynamodb_throttles == 2
    assert metrics.function_throttles == 0 and metrics.report_failures == 0


def test_daily_traffic_and_what_moto_leaves_out(clients: AwsClients) -> None:
    dims = {"ApiId": "abc123", "Stage": "$default"}
    put(clients, "AWS/ApiGateway", "Count", dims, 100)
    put(clients, "AWS/ApiGateway", "5xx", dims, 2)
    put(clients, "AWS/ApiGateway", "Latency", dims, 120)
    end = datetime.now(UTC)
    days = ApiTraffic(clients, "abc123").daily("staging", end - timedelta(days=1), end)
    assert [(d.requests, d.server_errors) for d in days] == [(100, 2)]
    assert days[0].p95_ms is None  # moto answers percentiles with no datapoints
    stats = MetricStatistics(clients)
    assert (
        stats.over(
            "AWS/ApiGateway", "Count", tuple(dims.items()), "Sum", end - timedelta(hours=1), end
        )
        == 100
    )
    assert CostExplorer(clients).daily_costs("stack", date(2026, 1, 1), date(2026, 1, 3)) == {}
    with pytest.raises(AwsCallFailed):  # DescribeAlarmHistory is not implemented in moto
        alarm_history(clients, end - timedelta(days=1), end)


def test_logs_insights_polls_to_completion(clients: AwsClients) -> None:
    clients.logs.create_log_group(logGroupName="/aws/lambda/ops-test")
    clients.logs.create_log_stream(logGroupName="/aws/lambda/ops-test", logStreamName="s")
    now_ms = int(time.time() * 1000)
    clients.logs.put_log_events(
        logGroupName="/aws/lambda/ops-test",
        logStreamName="s",
        logEvents=[
            {
                "timestamp": now_ms - 1000 * i,
                "message": json.dumps({"message": "request", "status": 500}),
            }
            for i in (2, 1)
        ],
    )
    end = datetime.now(UTC) + timedelta(minutes=1)
    rows = LogsInsights(clients, SystemClock()).query(
        "/aws/lambda/ops-test", 'filter message = "request"', end - timedelta(minutes=10), end, 10
    )
    assert len(rows) == 2
    assert all(set(row) == {"@ptr"} for row in rows)  # moto returns pointers, not fields

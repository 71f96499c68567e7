"""The monitoring adapters on in-process moto: alarms described with their settings, dashboards
read back (absent = None), topics made idempotently, metric filters listed, budgets read back."""

from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.budgets import Budgets
from infra.aws.cloudwatch import CloudWatchAlarms
from infra.aws.errors import AwsCallFailed
from infra.aws.logs import LogGroups
from infra.aws.sns import Topics

ACCOUNT = "123456789012"


def test_alarms_are_described_by_name_and_prefix(clients: AwsClients) -> None:
    alarms = CloudWatchAlarms(clients)
    topic = Topics(clients).ensure("t-p0")
    alarms.put_metric_alarm(
        {
            "AlarmName": "x-errors",
            "AlarmDescription": "[P2, respond within 4 h] s",
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": 5.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "AlarmActions": [topic],
            "OKActions": [topic],
        }
    )
    (found,) = alarms.describe(["x-errors", "absent"])
    assert (found.threshold, found.evaluation_periods, found.datapoints_to_alarm) == (5.0, 3, 2)
    assert found.alarm_actions == found.ok_actions == (topic,)
    assert found.state == "OK"
    assert not found.composite
    assert [a.name for a in alarms.describe_prefix("x-")] == ["x-errors"]
    assert alarms.describe([]) == ()


def test_dashboards_round_trip_and_absent_is_none(clients: AwsClients) -> None:
    alarms = CloudWatchAlarms(clients)
    assert alarms.dashboard_body("nope") is None
    alarms.put_dashboard("d", '{"widgets": []}')
    assert alarms.dashboard_body("d") == '{"widgets": []}'


def test_topics_are_created_once(clients: AwsClients) -> None:
    topics = Topics(clients)
    assert topics.ensure("t") == topics.ensure("t") == f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"
    assert topics.subscriptions(topics.ensure("t")) == ()


def test_metric_filters_are_listed(clients: AwsClients) -> None:
    groups = LogGroups(clients)
    groups.ensure("/g", 14)
    groups.ensure("/g", 14)  # exists already: fine
    transformation = {"metricNamespace": "NS", "metricName": "M", "metricValue": "1"}
    groups.put_metric_filter("/g", "f", '"Task timed out"', [transformation])
    (found,) = groups.metric_filters("/g")
    assert (found.name, found.pattern, found.metrics) == ("f", '"Task timed out"', (("NS", "M"),))


def test_budgets_are_read_back(clients: AwsClients) -> None:
    budgets = Budgets(clients)
    assert budgets.describe(ACCOUNT, "b") is None
    clients.budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "b",
            "BudgetType": "COST",
            "TimeUnit": "DAILY",
            "BudgetLimit": {"Amount": "5", "Unit": "USD"},
        },
    )
    found = budgets.describe(ACCOUNT, "b")
    assert found is not None
    assert (found.time_unit, found.limit_usd) == ("DAILY", 5.0)


def test_errors_leave_as_domain_errors(clients: AwsClients) -> None:
    with pytest.raises(AwsCallFailed, match="cloudwatch PutMetricAlarm"):
        CloudWatchAlarms(clients).put_metric_alarm({"AlarmName": "bad", "Threshold": "high"})

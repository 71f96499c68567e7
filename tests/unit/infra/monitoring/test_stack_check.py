"""On AWS the deploy reads back what the stack created: each catalog alarm against
DescribeAlarms (missing, threshold, comparison, periods, actions by topic, composite rule), the
dashboard's widgets, the budget; what could not be read is named, never claimed."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint
from infra.aws.cloudwatch import AlarmDescription
from infra.config import load_environment
from infra.monitoring.catalog import build_catalog
from infra.monitoring.local_setup import ensure_local_monitoring
from infra.monitoring.model import CompositeAlarm, MetricAlarm, render_rule
from infra.monitoring.stack_check import alarm_checks, verify_stack_monitoring

CONFIG = load_environment("staging")
CATALOG = build_catalog(CONFIG)
ERROR_RATE = next(a for a in CATALOG.alarms if a.key == "api-error-rate")
LATENCY = next(a for a in CATALOG.alarms if a.key == "api-p95-latency")
HEALTH = next(c for c in CATALOG.composites if c.key == "service-health")
TOPIC = "arn:aws:sns:eu-west-1:111122223333:energy-insights-staging-alerts-"


def described(alarm: MetricAlarm | CompositeAlarm) -> AlarmDescription:
    """What DescribeAlarms says about an alarm the stack created as the catalog says."""
    actions = (TOPIC + alarm.severity.topic_suffix,) if alarm.notify else ()
    if isinstance(alarm, CompositeAlarm):
        return AlarmDescription(
            alarm.name, True, "OK", "", None, alarm_actions=actions, rule=render_rule(alarm.rule)
        )
    return AlarmDescription(
        alarm.name,
        False,
        "OK",
        "",
        None,
        threshold=alarm.threshold,
        comparison=alarm.comparison.value,
        evaluation_periods=alarm.evaluation_periods,
        alarm_actions=actions,
    )


def found_all() -> list[AlarmDescription]:
    return [described(a) for a in CATALOG.every]


def test_everything_as_the_catalog_says_passes() -> None:
    checks = alarm_checks(CATALOG, CONFIG, found_all())
    assert len(checks) == len(CATALOG.names) == 19
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert {c.kind for c in checks} == {"alarm", "composite alarm"}


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        (ERROR_RATE.name, None, "not found (DescribeAlarms)"),
        (ERROR_RATE.name, {"threshold": 10.0}, "threshold is 10.0, expected 5.0"),
        (
            ERROR_RATE.name,
            {"comparison": "GreaterThanOrEqualToThreshold"},
            "comparison is 'GreaterThanOrEqualToThreshold', expected 'GreaterThanThreshold'",
        ),
        (ERROR_RATE.name, {"evaluation_periods": 3}, "evaluation periods is 3, expected 5"),
        (  # a child alarm that pages on its own (the composite pages for it)
            ERROR_RATE.name,
            {"alarm_actions": (TOPIC + "p0",)},
            "alarm actions is ('energy-insights-staging-alerts-p0',), expected ()",
        ),
        (
            LATENCY.name,
            {"alarm_actions": ()},
            "alarm actions is (), expected ('energy-insights-staging-alerts-p1',)",
        ),
        (HEALTH.name, None, "not found (DescribeAlarms)"),
        (HEALTH.name, {"rule": 'ALARM("other")'}, "rule is 'ALARM(\"other\")'"),
    ],
)
def test_each_difference_is_named(
    name: str, change: dict[str, object] | None, problem: str
) -> None:
    found = [d for d in found_all() if d.name != name]
    if change is not None:
        original = next(d for d in found_all() if d.name == name)
        found.append(dataclasses.replace(original, **change))  # type: ignore[arg-type]
    failed = [c for c in alarm_checks(CATALOG, CONFIG, found) if not c.ok]
    assert [c.name for c in failed] == [name]
    assert problem in failed[0].detail


@pytest.fixture
def clients() -> Iterator[AwsClients]:
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        )
        yield AwsClients(session, Endpoint(region="eu-west-1"))


def test_read_back_names_what_is_missing(clients: AwsClients) -> None:
    nothing = verify_stack_monitoring(clients, CONFIG, "123456789012")
    assert len(nothing.failures) == 19 + 1 + 1  # every alarm, the dashboard, the budget
    assert "dashboard energy-insights-staging: not found (GetDashboard)" in nothing.failures

    ensure_local_monitoring(clients, CONFIG)  # metric alarms and dashboard, no composites
    clients.budgets.create_budget(
        AccountId="123456789012",
        Budget={
            "BudgetName": "energy-insights-staging-daily-cost",
            "BudgetLimit": {"Amount": "10", "Unit": "USD"},
            "TimeUnit": "DAILY",
            "BudgetType": "COST",
        },
    )
    result = verify_stack_monitoring(clients, CONFIG, "123456789012")
    assert sorted(result.failures) == sorted(
        f"composite alarm {c.name}: not found (DescribeAlarms)" for c in CATALOG.composites
    )
    lines = "\n".join(result.lines())
    assert "ok   dashboard energy-insights-staging: 16 widgets" in lines
    assert "ok   budget energy-insights-staging-daily-cost: daily, 10 USD" in lines
    assert "never evaluates" not in lines  # no emulator note on AWS
    assert result.summary().endswith("3 FAILED")

"""Monitoring in the synthesized stack: alarms, composites, dashboard, topics per severity,
notifier, metric filters, budget, X-Ray switch; and the template still fits TemplateBody."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import load_environment
from infra.monitoring.catalog import build_catalog
from infra.templates.parameters import ON_AWS_CONDITION
from tests.unit.infra.templates.conftest import resources_of_type

TEMPLATE_URL_LIMIT = 1_048_576  # bytes CloudFormation reads from a TemplateURL


def test_prod_has_at_least_15_alarms_a_dashboard_and_a_topic_per_severity(
    templates: dict[str, dict[str, Any]],
) -> None:
    prod = templates["prod"]
    alarms = resources_of_type(prod, "AWS::CloudWatch::Alarm")
    composites = resources_of_type(prod, "AWS::CloudWatch::CompositeAlarm")
    assert len(alarms) + len(composites) >= 15
    assert len(composites) == 3
    (dashboard,) = resources_of_type(prod, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "energy-insights-prod"
    topics = resources_of_type(prod, "AWS::SNS::Topic")
    assert sorted(t["Properties"]["TopicName"] for t in topics.values()) == [
        f"energy-insights-prod-alerts-p{i}" for i in range(4)
    ]


def test_alarms_match_the_catalog(template: dict[str, Any]) -> None:
    env = template["Metadata"]["EnergyInsights"]["environment"]
    catalog = build_catalog(load_environment(env))
    names = {
        r["Properties"]["AlarmName"]
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for r in resources_of_type(template, kind).values()
    }
    assert names == set(catalog.names)


def test_alarm_actions_go_to_their_severitys_topic(template: dict[str, Any]) -> None:
    for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        severity = props["AlarmDescription"][1:3]
        for action in props.get("AlarmActions", []):
            assert action == {"Ref": f"AlertTopic{severity}"}
        assert props.get("OKActions") == props.get("AlarmActions")


def test_what_the_emulator_cannot_hold_is_aws_only(template: dict[str, Any]) -> None:
    for kind in (
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::CloudWatch::Dashboard",
        "AWS::Budgets::Budget",
        "AWS::SQS::Queue",
        "AWS::SNS::Subscription",
    ):
        for resource in resources_of_type(template, kind).values():
            assert resource["Condition"] == ON_AWS_CONDITION, kind


def test_composites_wait_for_their_children(template: dict[str, Any]) -> None:
    health = template["Resources"]["CompositeServiceHealth"]
    assert health["DependsOn"] == ["AlarmApiErrorRate", "CompositeAvailabilityFastBurn"]


def test_notifier_reads_endpoints_from_ssm_never_from_the_template(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["NotifierFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    env = template["Metadata"]["EnergyInsights"]["environment"]
    assert variables["PARAMETER_PREFIX"] == f"/energy-insights/{env}/notify"
    assert json.loads(variables["ROUTES"])["P3"] == ["email"]
    assert function["DeadLetterConfig"]["TargetArn"] == {
        "Fn::GetAtt": ["NotifierDeadLetters", "Arn"]
    }
    text = json.dumps(template)
    for secretish in ("hooks.slack.com", 'routing_key":', "@example.com"):
        assert secretish not in text
    subscriptions = resources_of_type(template, "AWS::SNS::Subscription")
    assert len(subscriptions) == 4


def test_metric_filters_on_the_function_log_group(template: dict[str, Any]) -> None:
    filters = resources_of_type(template, "AWS::Logs::MetricFilter")
    assert {
        f["Properties"]["MetricTransformations"][0]["MetricName"] for f in filters.values()
    } == {
        "ServerErrors",
        "AuthFailures",
        "Timeouts",
    }
    assert all(
        f["Properties"]["LogGroupName"] == {"Ref": "FunctionLogGroup"} for f in filters.values()
    )


@pytest.mark.parametrize(("env", "budget"), [("dev", 5), ("staging", 10), ("prod", 50)])
def test_daily_budget_from_config(
    templates: dict[str, dict[str, Any]], env: str, budget: int
) -> None:
    (resource,) = resources_of_type(templates[env], "AWS::Budgets::Budget").values()
    limit = resource["Properties"]["Budget"]["BudgetLimit"]
    assert (limit["Amount"], resource["Properties"]["Budget"]["TimeUnit"]) == (budget, "DAILY")


@pytest.mark.parametrize(("env", "mode"), [("dev", "PassThrough"), ("prod", "Active")])
def test_xray_tracing_switch(templates: dict[str, dict[str, Any]], env: str, mode: str) -> None:
    function = templates[env]["Resources"]["Function"]["Properties"]
    assert function["TracingConfig"]["Mode"] == mode
    disabled = function["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"]
    assert disabled == ("false" if mode == "Active" else "true")


def test_the_bucket_publishes_request_metrics(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["ReportsBucket"]["Properties"]
    assert bucket["MetricsConfigurations"] == [{"Id": "EntireBucket"}]


def test_compact_templates_fit_what_cloudformation_reads(template: dict[str, Any]) -> None:
    # The deployer sends compact JSON: as TemplateBody up to 51,200 bytes, above that uploaded
    # to the artifact bucket and passed as TemplateURL (CloudFormation reads up to 1 MB).
    compact = json.dumps(template, separators=(",", ":"), sort_keys=True)
    assert len(compact.encode()) <= TEMPLATE_URL_LIMIT

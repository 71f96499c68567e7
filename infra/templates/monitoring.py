"""Monitoring as code in the stack: the catalog's alarms and composites, the dashboard, the log
metric filters and the daily cost budget. Alarms, composites, dashboard and budget are AWS only
(the emulator's CloudFormation skips or mangles them); on the local target
`infra.monitoring.local_setup` creates them through the CloudWatch API instead."""

from __future__ import annotations

import re
from typing import Any

from troposphere import Ref, Sub, Template, budgets, cloudwatch, logs

from infra.config.model import EnvironmentConfig
from infra.monitoring.alarm_specs import composite_alarm_properties, metric_alarm_properties
from infra.monitoring.catalog import build_catalog
from infra.monitoring.dashboard import body_text, dashboard_body, dashboard_name
from infra.monitoring.log_filters import LOG_FILTERS, log_namespace
from infra.monitoring.severity import Severity
from infra.templates.alerts import Alerts
from infra.templates.parameters import ON_AWS_CONDITION


def logical_id(prefix: str, key: str) -> str:
    """`api-error-rate` -> `<prefix>ApiErrorRate` (CloudFormation logical ids are alphanumeric)."""
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", key) if part)


def _dimension_value(value: str) -> Any:
    return Sub(value) if "${" in value else value


def add_monitoring(
    template: Template, config: EnvironmentConfig, alerts: Alerts, log_group: logs.LogGroup
) -> None:
    """Alarms, composites, dashboard, metric filters and budget of `config`'s environment."""
    catalog = build_catalog(config)
    topics = alerts.topics
    for alarm in catalog.alarms:
        actions = [Ref(topics[alarm.severity])] if alarm.notify else []
        props = metric_alarm_properties(alarm, actions, _dimension_value)
        resource = cloudwatch.Alarm.from_dict(logical_id("Alarm", alarm.key), props)
        resource.Condition = ON_AWS_CONDITION
        template.add_resource(resource)
    for composite in catalog.composites:
        actions = [Ref(topics[composite.severity])] if composite.notify else []
        props = composite_alarm_properties(composite, actions)
        resource = cloudwatch.CompositeAlarm.from_dict(
            logical_id("Composite", composite.key), props
        )
        resource.Condition = ON_AWS_CONDITION
        # A composite can only be created after the alarms its rule names.
        resource.DependsOn = [
            logical_id("Alarm", a.key) for a in catalog.alarms if a.name in str(props["AlarmRule"])
        ] + [
            logical_id("Composite", c.key)
            for c in catalog.composites
            if c.name != composite.name and f'"{c.name}"' in str(props["AlarmRule"])
        ]
        template.add_resource(resource)
    template.add_resource(
        cloudwatch.Dashboard(
            "Dashboard",
            Condition=ON_AWS_CONDITION,
            DashboardName=dashboard_name(config),
            DashboardBody=Sub(body_text(dashboard_body(config, catalog))),
        )
    )
    for log_filter in LOG_FILTERS:
        transformation: dict[str, Any] = {
            "MetricNamespace": log_namespace(config.name),
            "MetricName": log_filter.metric,
            "MetricValue": "1",
            "Unit": "Count",
        }
        if log_filter.dimensions:
            transformation["Dimensions"] = [
                {"Key": name, "Value": f"$.{field}"} for name, field in log_filter.dimensions
            ]
        else:
            transformation["DefaultValue"] = 0
        template.add_resource(
            logs.MetricFilter.from_dict(
                logical_id("LogFilter", log_filter.key),
                {
                    "LogGroupName": Ref(log_group),
                    "FilterName": f"{config.name_prefix}-{log_filter.key}",
                    "FilterPattern": log_filter.pattern,
                    "MetricTransformations": [transformation],
                },
            )
        )
    _add_budget(template, config, alerts)


def _add_budget(template: Template, config: EnvironmentConfig, alerts: Alerts) -> None:
    subscriber = {"SubscriptionType": "SNS", "Address": Ref(alerts.topics[Severity.P3])}
    template.add_resource(
        budgets.Budget.from_dict(
            "DailyCostBudget",
            {
                "Budget": {
                    "BudgetName": f"{config.name_prefix}-daily-cost",
                    "BudgetType": "COST",
                    "TimeUnit": "DAILY",
                    "BudgetLimit": {
                        "Amount": config.monitoring.daily_budget_usd,
                        "Unit": "USD",
                    },
                },
                # Actual spend only: AWS Budgets has no forecasted alerts for daily budgets.
                "NotificationsWithSubscribers": [
                    {
                        "Notification": {
                            "NotificationType": "ACTUAL",
                            "ComparisonOperator": "GREATER_THAN",
                            "Threshold": 100,
                            "ThresholdType": "PERCENTAGE",
                        },
                        "Subscribers": [subscriber],
                    }
                ],
            },
        )
    ).Condition = ON_AWS_CONDITION

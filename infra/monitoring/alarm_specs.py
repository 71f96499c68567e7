"""Catalog alarms as CloudWatch alarm properties: one rendering for both the template
(AWS::CloudWatch::Alarm / CompositeAlarm) and the API (PutMetricAlarm / PutCompositeAlarm),
whose property names are the same."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from infra.monitoring.model import (
    CompositeAlarm,
    Metric,
    MetricAlarm,
    Ratio,
    Single,
    render_rule,
)

# How a dimension value with placeholders becomes a value: Sub(...) in the template, the
# substituted string for the API.
DimensionValue = Callable[[str], Any]


def plain(value: str) -> Any:
    return value


def metric_alarm_properties(
    alarm: MetricAlarm, actions: Sequence[Any], dimension_value: DimensionValue = plain
) -> dict[str, Any]:
    """PutMetricAlarm / AWS::CloudWatch::Alarm properties (alarm and OK actions alike)."""
    props: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ComparisonOperator": alarm.comparison.value,
        "TreatMissingData": alarm.missing_data.value,
        "ActionsEnabled": bool(actions),
    }
    if actions:
        props["AlarmActions"] = list(actions)
        props["OKActions"] = list(actions)
    query = alarm.query
    if isinstance(query, Single):
        metric = query.metric
        props.update(
            Namespace=metric.namespace,
            MetricName=metric.name,
            Period=alarm.period_s,
            Dimensions=_dimensions(metric, dimension_value),
        )
        props["ExtendedStatistic" if metric.is_percentile else "Statistic"] = metric.stat
        return props
    members = (query.numerator, query.denominator) if isinstance(query, Ratio) else query.metrics
    ids = [f"m{i}" for i in range(1, len(members) + 1)]
    if isinstance(query, Ratio):
        expression = f"{query.scale:g} * m1 / m2"
    else:
        expression = f"SUM([{','.join(ids)}])"
    props["Metrics"] = [
        {
            "Id": metric_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": metric.namespace,
                    "MetricName": metric.name,
                    "Dimensions": _dimensions(metric, dimension_value),
                },
                "Period": alarm.period_s,
                "Stat": metric.stat,
            },
            "ReturnData": False,
        }
        for metric_id, metric in zip(ids, members, strict=True)
    ] + [{"Id": "e1", "Expression": expression, "Label": query.label, "ReturnData": True}]
    return props


def composite_alarm_properties(composite: CompositeAlarm, actions: Sequence[Any]) -> dict[str, Any]:
    """PutCompositeAlarm / AWS::CloudWatch::CompositeAlarm properties."""
    props: dict[str, Any] = {
        "AlarmName": composite.name,
        "AlarmDescription": composite.description,
        "AlarmRule": render_rule(composite.rule),
        "ActionsEnabled": bool(actions),
    }
    if actions:
        props["AlarmActions"] = list(actions)
        props["OKActions"] = list(actions)
    return props


def _dimensions(metric: Metric, dimension_value: DimensionValue) -> list[dict[str, Any]]:
    return [{"Name": name, "Value": dimension_value(value)} for name, value in metric.dimensions]

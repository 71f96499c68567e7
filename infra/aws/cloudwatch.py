"""CloudWatch alarms and dashboards: create (metric and composite alarms, dashboards), describe
alarms with their state, read a dashboard back. Properties come rendered from the catalog
(`infra.monitoring.alarm_specs`); this module only calls the API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed

DESCRIBE_BATCH = 100  # describe_alarms accepts at most 100 names per call


@dataclass(frozen=True)
class AlarmDescription:
    """What CloudWatch says about one alarm (metric or composite)."""

    name: str
    composite: bool
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str
    updated_at: datetime | None
    description: str = ""
    threshold: float | None = None
    comparison: str = ""
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    rule: str = ""


class CloudWatchAlarms:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def put_metric_alarm(self, props: Mapping[str, Any]) -> None:
        with aws_call(f"cloudwatch PutMetricAlarm ({props['AlarmName']})", self._clients.endpoint):
            self._clients.cloudwatch.put_metric_alarm(**props)

    def put_composite_alarm(self, props: Mapping[str, Any]) -> None:
        """Raises AwsCallFailed; the emulator answers every call with an error (not implemented)."""
        operation = f"cloudwatch PutCompositeAlarm ({props['AlarmName']})"
        try:
            with aws_call(operation, self._clients.endpoint):
                self._clients.cloudwatch.put_composite_alarm(**props)
        except NotImplementedError:  # moto in-process raises it where its server answers 500
            raise AwsCallFailed(operation, "NotImplemented", "not implemented") from None

    def describe(self, names: Sequence[str]) -> tuple[AlarmDescription, ...]:
        """The named alarms that exist (metric and composite), in CloudWatch's order."""
        found: list[AlarmDescription] = []
        for start in range(0, len(names), DESCRIBE_BATCH):
            batch = list(names[start : start + DESCRIBE_BATCH])
            found.extend(self._pages(AlarmNames=batch))
        return tuple(found)

    def describe_prefix(self, prefix: str) -> tuple[AlarmDescription, ...]:
        return tuple(self._pages(AlarmNamePrefix=prefix))

    def put_dashboard(self, name: str, body: str) -> tuple[str, ...]:
        """Create or replace a dashboard; returns CloudWatch's validation messages."""
        with aws_call(f"cloudwatch PutDashboard ({name})", self._clients.endpoint):
            answer = self._clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=body)
        return tuple(
            str(m.get("Message", "")) for m in answer.get("DashboardValidationMessages", [])
        )

    def dashboard_body(self, name: str) -> str | None:
        try:
            with aws_call(f"cloudwatch GetDashboard ({name})", self._clients.endpoint):
                answer = self._clients.cloudwatch.get_dashboard(DashboardName=name)
        except AwsCallFailed as exc:
            if exc.code in ("ResourceNotFound", "ResourceNotFoundException"):
                return None
            raise
        return str(answer.get("DashboardBody", ""))

    def _pages(self, **query: Any) -> Iterator[AlarmDescription]:
        types = ["MetricAlarm", "CompositeAlarm"]
        with aws_call("cloudwatch DescribeAlarms", self._clients.endpoint):
            pages = self._clients.cloudwatch.get_paginator("describe_alarms")
            for page in pages.paginate(AlarmTypes=types, **query):  # type: ignore[arg-type]
                for metric in page.get("MetricAlarms", []):
                    yield _metric(metric)
                for composite in page.get("CompositeAlarms", []):
                    yield _composite(composite)


def _common(raw: Mapping[str, Any], composite: bool) -> dict[str, Any]:
    return {
        "name": str(raw.get("AlarmName", "")),
        "composite": composite,
        "state": str(raw.get("StateValue", "INSUFFICIENT_DATA")),
        "reason": str(raw.get("StateReason", "")),
        "updated_at": raw.get("StateUpdatedTimestamp"),
        "description": str(raw.get("AlarmDescription", "")),
        "alarm_actions": tuple(str(a) for a in raw.get("AlarmActions", [])),
        "ok_actions": tuple(str(a) for a in raw.get("OKActions", [])),
    }


def _metric(raw: Mapping[str, Any]) -> AlarmDescription:
    threshold = raw.get("Threshold")
    return AlarmDescription(
        **_common(raw, composite=False),
        threshold=None if threshold is None else float(threshold),
        comparison=str(raw.get("ComparisonOperator", "")),
        evaluation_periods=raw.get("EvaluationPeriods"),
        datapoints_to_alarm=raw.get("DatapointsToAlarm"),
    )


def _composite(raw: Mapping[str, Any]) -> AlarmDescription:
    return AlarmDescription(**_common(raw, composite=True), rule=str(raw.get("AlarmRule", "")))


@dataclass(frozen=True)
class AlarmTransition:
    name: str
    state: str  # the state entered: OK | ALARM | INSUFFICIENT_DATA
    at: datetime


def alarm_history(
    clients: AwsClients, start: datetime, end: datetime
) -> tuple[AlarmTransition, ...]:
    """Every alarm state change in [start, end] (DescribeAlarmHistory; not in the emulator)."""
    found = []
    with aws_call("cloudwatch DescribeAlarmHistory", clients.endpoint):
        pages = clients.cloudwatch.get_paginator("describe_alarm_history")
        for page in pages.paginate(HistoryItemType="StateUpdate", StartDate=start, EndDate=end):
            for item in page.get("AlarmHistoryItems", []):
                try:
                    data = json.loads(item.get("HistoryData", "{}"))
                    state = str(data["newState"]["stateValue"])
                except (ValueError, KeyError, TypeError):
                    continue
                found.append(
                    AlarmTransition(str(item.get("AlarmName", "")), state, item["Timestamp"])
                )
    return tuple(found)


class MetricStatistics:
    """One statistic of one metric over a window (GetMetricStatistics)."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def over(
        self,
        namespace: str,
        name: str,
        dimensions: Sequence[tuple[str, str]],
        stat: str,
        start: datetime,
        end: datetime,
    ) -> float | None:
        """Sum of the Sum datapoints, or the largest Maximum; None when there is no data."""
        period = max(60, int((end - start).total_seconds()) // 60 * 60)
        answer = self._statistics(
            namespace, name, dimensions, start, end, period, {"Statistics": [stat]}
        )
        values = [float(p[stat]) for p in answer.get("Datapoints", []) if stat in p]
        if not values:
            return None
        return max(values) if stat == "Maximum" else sum(values)

    def percentile_over(
        self,
        namespace: str,
        name: str,
        dimensions: Sequence[tuple[str, str]],
        percentile: str,
        start: datetime,
        end: datetime,
    ) -> float | None:
        """A percentile (e.g. p95) over the whole window as one period; None without data."""
        period = max(60, -(-int((end - start).total_seconds()) // 60) * 60)
        answer = self._statistics(
            namespace, name, dimensions, start, end, period, {"ExtendedStatistics": [percentile]}
        )
        values = [
            float(raw)
            for point in answer.get("Datapoints", [])
            if isinstance(raw := point.get("ExtendedStatistics", {}).get(percentile), int | float)
        ]
        return max(values) if values else None

    def daily(
        self,
        namespace: str,
        name: str,
        dimensions: Sequence[tuple[str, str]],
        stat: str,
        start: datetime,
        end: datetime,
    ) -> dict[date, float]:
        """One value per UTC day (Sum, Maximum, or a percentile such as p95)."""
        percentile = stat.startswith("p")
        kind = {"ExtendedStatistics": [stat]} if percentile else {"Statistics": [stat]}
        answer = self._statistics(namespace, name, dimensions, start, end, 86_400, kind)
        values: dict[date, float] = {}
        for point in answer.get("Datapoints", []):
            found: Mapping[str, Any] = (
                point.get("ExtendedStatistics", {}) if percentile else dict(point)
            )
            raw = found.get(stat)
            if isinstance(raw, int | float):
                values[point["Timestamp"].date()] = float(raw)
        return values

    def _statistics(
        self,
        namespace: str,
        name: str,
        dimensions: Sequence[tuple[str, str]],
        start: datetime,
        end: datetime,
        period: int,
        kind: Mapping[str, list[str]],
    ) -> Mapping[str, Any]:
        """One GetMetricStatistics call; `kind` is {"Statistics": [...]} or
        {"ExtendedStatistics": [...]}."""
        with aws_call(
            f"cloudwatch GetMetricStatistics ({namespace} {name})", self._clients.endpoint
        ):
            answer: Mapping[str, Any] = self._clients.cloudwatch.get_metric_statistics(
                Namespace=namespace,
                MetricName=name,
                Dimensions=[{"Name": k, "Value": v} for k, v in dimensions],
                StartTime=start,
                EndTime=end,
                Period=period,
                **kind,  # type: ignore[arg-type]
            )
        return answer

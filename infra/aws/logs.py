"""CloudWatch Logs: log groups and metric filters (the emulator stores filters but never turns
log events into metrics; the local evaluator applies the filters itself)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed
from infra.clock import Clock

INSIGHTS_POLL_S = 1.0
_FINISHED = ("Complete", "Failed", "Cancelled", "Timeout", "Unknown")


@dataclass(frozen=True)
class MetricFilterDescription:
    name: str
    pattern: str
    metrics: tuple[tuple[str, str], ...]  # (namespace, metric name)


class LogGroups:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def ensure(self, name: str, retention_days: int) -> None:
        """Create the log group unless it exists, and set its retention."""
        try:
            with aws_call(f"logs CreateLogGroup ({name})", self._clients.endpoint):
                self._clients.logs.create_log_group(logGroupName=name)
        except AwsCallFailed as exc:
            if exc.code != "ResourceAlreadyExistsException":
                raise
        with aws_call(f"logs PutRetentionPolicy ({name})", self._clients.endpoint):
            self._clients.logs.put_retention_policy(
                logGroupName=name,
                retentionInDays=retention_days,
            )

    def put_metric_filter(
        self,
        log_group: str,
        name: str,
        pattern: str,
        transformations: Sequence[Mapping[str, Any]],
    ) -> None:
        with aws_call(f"logs PutMetricFilter ({name})", self._clients.endpoint):
            self._clients.logs.put_metric_filter(
                logGroupName=log_group,
                filterName=name,
                filterPattern=pattern,
                metricTransformations=list(transformations),  # type: ignore[arg-type]
            )

    def metric_filters(self, log_group: str) -> tuple[MetricFilterDescription, ...]:
        with aws_call(f"logs DescribeMetricFilters ({log_group})", self._clients.endpoint):
            pages = self._clients.logs.get_paginator("describe_metric_filters")
            return tuple(
                MetricFilterDescription(
                    name=str(raw.get("filterName", "")),
                    pattern=str(raw.get("filterPattern", "")),
                    metrics=tuple(
                        (str(t.get("metricNamespace", "")), str(t.get("metricName", "")))
                        for t in raw.get("metricTransformations", [])
                    ),
                )
                for page in pages.paginate(logGroupName=log_group)
                for raw in page.get("metricFilters", [])
            )


class LogsInsights:
    """Logs Insights queries: start, poll until finished (injected clock), rows as dicts."""

    def __init__(self, clients: AwsClients, clock: Clock) -> None:
        self._clients = clients
        self._clock = clock

    def query(
        self, log_group: str, query: str, start: datetime, end: datetime, timeout_s: float
    ) -> list[dict[str, str]]:
        endpoint = self._clients.endpoint
        with aws_call(f"logs StartQuery ({log_group})", endpoint):
            query_id = self._clients.logs.start_query(
                logGroupName=log_group,
                startTime=int(start.timestamp()),
                endTime=int(end.timestamp()),
                queryString=query,
            )["queryId"]
        deadline = self._clock.now().timestamp() + timeout_s
        while True:
            with aws_call("logs GetQueryResults", endpoint):
                answer = self._clients.logs.get_query_results(queryId=query_id)
            status = str(answer.get("status", "Unknown"))
            if status in _FINISHED:
                break
            if self._clock.now().timestamp() >= deadline:
                raise AwsCallFailed("logs GetQueryResults", "Timeout", f"still {status}")
            self._clock.sleep(INSIGHTS_POLL_S)
        if status != "Complete":
            raise AwsCallFailed("logs GetQueryResults", status, f"query on {log_group} {status}")
        return [
            {str(cell.get("field", "")): str(cell.get("value", "")) for cell in row}
            for row in answer.get("results", [])
        ]

"""CloudWatch Logs: log groups and metric filters (the emulator stores filters but never turns
log events into metrics; the local evaluator applies the filters itself)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed


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

"""aws: CloudWatch's Lambda metrics of the canary version (Errors / Invocations, Duration p95
by ExecutedVersion), through a port bound to the monitoring side's CloudWatch adapter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.providers.base import Window
from infra.rollout.providers.version_metrics import traffic_readings


@dataclass(frozen=True)
class LambdaTraffic:
    invocations: int
    errors: int  # function errors: crashes and timeouts (handled 5xx are in EMF)
    p95_duration_ms: float | None


class LambdaMetricsPort(Protocol):
    def traffic(
        self, function: str, version: str, start: datetime, end: datetime
    ) -> LambdaTraffic: ...


class LambdaMetricsProvider:
    name = "lambda"
    metrics = frozenset({MetricName.ERROR_RATE, MetricName.P95_LATENCY_MS})

    def __init__(self, port: LambdaMetricsPort, function: str, version: str) -> None:
        self._port = port
        self._function = function
        self._version = version  # ExecutedVersion: the Lambda version number

    def read(self, window: Window) -> Sequence[Reading]:
        t = self._port.traffic(self._function, self._version, window.start, window.end)
        return traffic_readings(t.invocations, t.errors, t.p95_duration_ms, "Lambda metrics")

"""Both targets: the app's own EMF metrics (per-request Latency and outcome counts with a
`version` dimension), read through a port the monitoring side implements (local: parsed EMF
output; aws: CloudWatch metrics of the EnergyInsights namespace)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.providers.base import Window


@dataclass(frozen=True)
class VersionTraffic:
    """The requests one app version served in a time range."""

    requests: int
    server_errors: int  # EMF `server_error` (HTTP 5xx)
    p95_latency_ms: float | None  # of EMF `Latency`; None without requests


class VersionMetricsPort(Protocol):
    def traffic(self, version: str, start: datetime, end: datetime) -> VersionTraffic: ...


class EmfProvider:
    name = "emf"
    metrics = frozenset({MetricName.ERROR_RATE, MetricName.P95_LATENCY_MS})

    def __init__(self, port: VersionMetricsPort, app_version: str) -> None:
        self._port = port
        self._version = app_version  # the EMF `version` dimension, not a Lambda version number

    def read(self, window: Window) -> Sequence[Reading]:
        t = self._port.traffic(self._version, window.start, window.end)
        return traffic_readings(t.requests, t.server_errors, t.p95_latency_ms, "app EMF")


def traffic_readings(
    requests: int, errors: int, p95_ms: float | None, source: str
) -> list[Reading]:
    """Error rate and p95 of one version's requests."""
    rate = errors / requests if requests else None
    return [
        Reading(MetricName.ERROR_RATE, rate, requests, f"{errors}/{requests} 5xx ({source})"),
        Reading(
            MetricName.P95_LATENCY_MS,
            p95_ms if requests else None,
            requests,
            f"p95 of {requests} requests ({source})",
        ),
    ]

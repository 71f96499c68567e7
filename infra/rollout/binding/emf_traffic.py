"""The app's per-version traffic from its EMF output (one document per request: `version`,
`Latency`, `server_error`), read from the local app versions' log files: the
`VersionMetricsPort` of the local target (on AWS the same documents land in CloudWatch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.monitoring.emf import is_emf
from infra.monitoring.local_source import MetricSource
from infra.perf.samples import percentile
from infra.rollout.providers.version_metrics import VersionTraffic

# The router's health checks and the probe's: not the users' traffic the canary is judged on.
HEALTH_ROUTES = frozenset({"/version", "/health"})


@dataclass(frozen=True)
class RequestSample:
    at: float  # epoch seconds
    version: str
    latency_ms: float
    server_error: bool


def request_sample(doc: Mapping[str, Any]) -> RequestSample | None:
    """One request's sample from an EMF document (values may be numbers or one-item lists,
    as Powertools writes them); None for any other document and for health checks."""
    if not is_emf(doc) or doc.get("route") in HEALTH_ROUTES:
        return None
    stamp, version = doc["_aws"].get("Timestamp"), doc.get("version")
    latency, error = _number(doc.get("Latency")), _number(doc.get("server_error"))
    if not isinstance(version, str) or not isinstance(stamp, int | float):
        return None
    if latency is None or error is None:
        return None
    return RequestSample(float(stamp) / 1000, version, latency, error > 0)


def _number(raw: Any) -> float | None:
    value = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def p95(values: list[float]) -> float | None:
    """The nearest-rank 95th percentile (None for no values)."""
    return percentile(values, 95)


def traffic_of(
    samples: Iterable[RequestSample], version: str, start: datetime, end: datetime
) -> VersionTraffic:
    """What `version` served in [start, end) (pure)."""
    lo, hi = start.timestamp(), end.timestamp()
    window = [s for s in samples if s.version == version and lo <= s.at < hi]
    errors = sum(1 for s in window if s.server_error)
    return VersionTraffic(len(window), errors, p95([s.latency_ms for s in window]))


class EmfTraffic:
    """VersionMetricsPort over a growing MetricSource; keeps `keep_s` seconds of samples."""

    def __init__(self, source: MetricSource, now: Callable[[], float], keep_s: float = 3600):
        self._source = source
        self._now = now
        self._keep_s = keep_s
        self._samples: list[RequestSample] = []

    def traffic(self, version: str, start: datetime, end: datetime) -> VersionTraffic:
        fresh = (request_sample(doc) for doc in self._source.documents())
        self._samples.extend(s for s in fresh if s is not None)
        horizon = self._now() - self._keep_s
        self._samples = [s for s in self._samples if s.at >= horizon]
        return traffic_of(self._samples, version, start, end)

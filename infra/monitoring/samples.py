"""Raw metric samples by metric identity, and CloudWatch statistics over a time window."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from infra.monitoring.model import Metric

STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")


class MetricKey(NamedTuple):
    """A metric's identity: namespace, name and its full dimension set (sorted). A tuple:
    hashing it is on the hot path of an hour of metrics."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, metric: Metric) -> MetricKey:
        return cls(metric.namespace, metric.name, tuple(sorted(metric.dimensions)))


class Sample(NamedTuple):
    key: MetricKey
    at: float  # epoch seconds
    value: float


def statistic(stat: str, values: Sequence[float]) -> float | None:
    """CloudWatch's statistic of the values of one period; None when there are none.
    Percentiles (`p95`, `p99.9`) use the nearest rank."""
    if not values:
        return None
    if stat == "Sum":
        return math.fsum(values)
    if stat == "Average":
        return math.fsum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "Maximum":
        return max(values)
    if stat == "SampleCount":
        return float(len(values))
    if stat.startswith("p"):
        return percentile(float(stat[1:]), values)
    raise ValueError(f"unknown statistic {stat!r}: use one of {', '.join(STATISTICS)} or pNN")


def percentile(p: float, values: Sequence[float]) -> float:
    if not 0 < p <= 100:
        raise ValueError(f"percentile p{p} is outside (0, 100]")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class MetricStore:
    """Samples per metric, kept in time order, queried by half-open windows [start, end)."""

    _times: dict[MetricKey, list[float]] = field(default_factory=dict)
    _values: dict[MetricKey, list[float]] = field(default_factory=dict)

    def add(self, samples: Iterable[Sample]) -> None:
        grouped: dict[MetricKey, list[tuple[float, float]]] = {}
        for key, at, value in samples:
            points = grouped.get(key)
            if points is None:
                grouped[key] = points = []
            points.append((at, value))
        for key, points in grouped.items():
            points.sort(key=itemgetter(0))  # stable, and linear on sorted input
            times = self._times.setdefault(key, [])
            values = self._values.setdefault(key, [])
            if times and points[0][0] < times[-1]:  # interleaves with what is stored
                points = sorted([*zip(times, values, strict=True), *points], key=itemgetter(0))
                times.clear()
                values.clear()
            times.extend(at for at, _ in points)
            values.extend(value for _, value in points)

    def values(self, key: MetricKey, start: float, end: float) -> list[float]:
        times = self._times.get(key)
        if not times:
            return []
        low = bisect.bisect_left(times, start)
        high = bisect.bisect_left(times, end)
        return self._values[key][low:high]

    def drop_before(self, moment: float) -> None:
        """Forget samples older than `moment` (no alarm window reaches back that far)."""
        for key, times in self._times.items():
            cut = bisect.bisect_left(times, moment)
            if cut:
                del times[:cut]
                del self._values[key][:cut]

    def keys(self) -> tuple[MetricKey, ...]:
        return tuple(sorted(self._times))

    def has(self, key: MetricKey) -> bool:
        return key in self._times

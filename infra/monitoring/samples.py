"""Raw metric samples by metric identity, and CloudWatch statistics over a time window."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from infra.monitoring.model import Metric

STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")


@dataclass(frozen=True, order=True)
class MetricKey:
    """A metric's identity: namespace, name and its full dimension set (sorted)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, metric: Metric) -> MetricKey:
        return cls(metric.namespace, metric.name, tuple(sorted(metric.dimensions)))


@dataclass(frozen=True)
class Sample:
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
        for sample in samples:
            times = self._times.setdefault(sample.key, [])
            values = self._values.setdefault(sample.key, [])
            if not times or sample.at >= times[-1]:
                times.append(sample.at)
                values.append(sample.value)
            else:  # out of order (several sources): keep the lists sorted
                index = bisect.bisect_right(times, sample.at)
                times.insert(index, sample.at)
                values.insert(index, sample.value)

    def values(self, key: MetricKey, start: float, end: float) -> list[float]:
        times = self._times.get(key)
        if not times:
            return []
        low = bisect.bisect_left(times, start)
        high = bisect.bisect_left(times, end)
        return self._values[key][low:high]

    def keys(self) -> tuple[MetricKey, ...]:
        return tuple(sorted(self._times))

    def has(self, key: MetricKey) -> bool:
        return key in self._times

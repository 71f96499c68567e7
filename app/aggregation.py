"""Summaries of readings per hour or day bucket (UTC), with the capacity factor when known."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.readings import Metric, StoredReading


class Period(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def length(self) -> timedelta:
        return timedelta(hours=1) if self is Period.HOUR else timedelta(days=1)


# The widest window one summary may cover, per period (bounds the work of a request).
MAX_SUMMARY_SPAN: dict[Period, timedelta] = {
    Period.HOUR: timedelta(days=31),
    Period.DAY: timedelta(days=366),
}


@dataclass(frozen=True)
class Bucket:
    """Aggregates of one metric over one period starting at `start` (UTC)."""

    start: datetime
    count: int
    total: float
    mean: float
    minimum: float
    maximum: float
    capacity_factor: float | None


def bucket_start(moment: datetime, period: Period) -> datetime:
    """The UTC start of the bucket holding `moment`."""
    utc = moment.astimezone(UTC)
    if period is Period.HOUR:
        return utc.replace(minute=0, second=0, microsecond=0)
    return utc.replace(hour=0, minute=0, second=0, microsecond=0)


def capacity_factor(
    metric: Metric, total: float, mean: float, period: Period, capacity_kw: float | None
) -> float | None:
    """Output relative to nameplate capacity over the bucket.

    power_kw: mean power / capacity. energy_kwh: energy / (capacity x bucket hours).
    None when the capacity is unknown or not positive.
    """
    if capacity_kw is None or capacity_kw <= 0:
        return None
    if metric is Metric.POWER_KW:
        return mean / capacity_kw
    hours = period.length / timedelta(hours=1)
    return total / (capacity_kw * hours)


def summarize(
    readings: Iterable[StoredReading],
    metric: Metric,
    period: Period,
    capacity_kw: float | None = None,
) -> list[Bucket]:
    """Buckets in time order; readings of other metrics are ignored; empty buckets are omitted."""
    groups: dict[datetime, list[float]] = {}
    for reading in readings:
        if reading.metric is metric:
            groups.setdefault(bucket_start(reading.timestamp, period), []).append(reading.value)
    buckets: list[Bucket] = []
    for start in sorted(groups):
        values = groups[start]
        total = sum(values)
        mean = total / len(values)
        buckets.append(
            Bucket(
                start=start,
                count=len(values),
                total=total,
                mean=mean,
                minimum=min(values),
                maximum=max(values),
                capacity_factor=capacity_factor(metric, total, mean, period, capacity_kw),
            )
        )
    return buckets

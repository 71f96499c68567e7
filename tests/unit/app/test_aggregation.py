from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.aggregation import Period, bucket_start, capacity_factor, summarize
from app.readings import Metric, StoredReading


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("moment", "period", "start"),
    [
        ("2026-06-01T10:59:59.999999+00:00", Period.HOUR, "2026-06-01T10:00:00+00:00"),
        ("2026-06-01T11:00:00+00:00", Period.HOUR, "2026-06-01T11:00:00+00:00"),
        ("2026-06-01T23:59:59.999999+00:00", Period.DAY, "2026-06-01T00:00:00+00:00"),
        ("2026-06-02T00:00:00+00:00", Period.DAY, "2026-06-02T00:00:00+00:00"),
        ("2026-06-02T01:30:00+02:00", Period.DAY, "2026-06-01T00:00:00+00:00"),
    ],
)
def test_bucket_start_is_utc(moment: str, period: Period, start: str) -> None:
    assert bucket_start(at(moment), period) == at(start)


def readings(metric: Metric, *pairs: tuple[str, float]) -> list[StoredReading]:
    return [StoredReading(at(t), metric, v) for t, v in pairs]


def test_summarize_groups_and_orders_buckets() -> None:
    data = readings(
        Metric.POWER_KW,
        ("2026-06-01T11:10:00+00:00", 10.0),
        ("2026-06-01T10:00:00+00:00", 50.0),
        ("2026-06-01T10:59:00+00:00", 70.0),
    ) + readings(Metric.ENERGY_KWH, ("2026-06-01T10:00:00+00:00", 999.0))
    buckets = summarize(data, Metric.POWER_KW, Period.HOUR, capacity_kw=100.0)
    assert [(b.start.hour, b.count, b.total, b.mean, b.minimum, b.maximum) for b in buckets] == [
        (10, 2, 120.0, 60.0, 50.0, 70.0),
        (11, 1, 10.0, 10.0, 10.0, 10.0),
    ]
    assert [b.capacity_factor for b in buckets] == [0.6, 0.1]


def test_summarize_empty_window() -> None:
    assert summarize([], Metric.POWER_KW, Period.DAY) == []


@pytest.mark.parametrize(
    ("metric", "total", "mean", "period", "capacity", "expected"),
    [
        (Metric.POWER_KW, 0.0, 50.0, Period.HOUR, 100.0, 0.5),
        (Metric.POWER_KW, 0.0, 50.0, Period.DAY, 100.0, 0.5),
        (Metric.ENERGY_KWH, 50.0, 0.0, Period.HOUR, 100.0, 0.5),
        (Metric.ENERGY_KWH, 1200.0, 0.0, Period.DAY, 100.0, 0.5),
        (Metric.POWER_KW, 0.0, 50.0, Period.HOUR, None, None),
        (Metric.POWER_KW, 0.0, 50.0, Period.HOUR, 0.0, None),
    ],
)
def test_capacity_factor(
    metric: Metric,
    total: float,
    mean: float,
    period: Period,
    capacity: float | None,
    expected: float | None,
) -> None:
    assert capacity_factor(metric, total, mean, period, capacity) == expected


def test_period_length() -> None:
    assert Period.HOUR.length == timedelta(hours=1)
    assert Period.DAY.length == timedelta(days=1)
    assert bucket_start(
        datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=6))), Period.DAY
    ) == (datetime(2025, 12, 31, tzinfo=UTC))

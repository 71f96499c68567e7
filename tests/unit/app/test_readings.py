from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from app.readings import (
    CLOCK_SKEW,
    EARLIEST,
    LATEST,
    MAX_BATCH,
    Metric,
    Reading,
    ReadingBatch,
    check_range,
    check_reading,
    normalize_batch,
)

from .support import NOW


def reading(**changes: Any) -> Reading:
    values: dict[str, Any] = {"timestamp": NOW, "metric": "power_kw", "value": 1.0, **changes}
    return Reading.model_validate(values)


@pytest.mark.parametrize(
    ("metric", "value", "ok"),
    [
        ("power_kw", -100_000.0, True),
        ("power_kw", -100_000.001, False),
        ("power_kw", 100_000.0, True),
        ("power_kw", 100_000.001, False),
        ("energy_kwh", 0.0, True),
        ("energy_kwh", -0.001, False),
        ("energy_kwh", 1_000_000.0, True),
        ("energy_kwh", 1_000_000.5, False),
    ],
)
def test_value_ranges_per_metric(metric: str, value: float, ok: bool) -> None:
    errors = check_reading(0, reading(metric=metric, value=value), NOW)
    assert (errors == []) is ok
    if not ok:
        assert errors[0].field == "readings.0.value"


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (CLOCK_SKEW, True),
        (CLOCK_SKEW + timedelta(microseconds=1), False),
        (timedelta(0), True),
        (-timedelta(days=3650), True),
    ],
)
def test_no_future_timestamps_beyond_skew(offset: timedelta, ok: bool) -> None:
    errors = check_reading(3, reading(timestamp=NOW + offset), NOW)
    assert (errors == []) is ok
    if not ok:
        assert errors == [errors[0]]
        assert errors[0].field == "readings.3.timestamp"
        assert "future" in errors[0].message


@pytest.mark.parametrize(
    ("moment", "ok"),
    [(EARLIEST, True), (EARLIEST - timedelta(microseconds=1), False)],
)
def test_timestamps_before_2000_are_rejected(moment: Any, ok: bool) -> None:
    assert (check_reading(0, reading(timestamp=moment), NOW) == []) is ok


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "1.5"}, "value"),
        ({"value": True}, "value"),
        ({"value": float("nan")}, "value"),
        ({"value": float("inf")}, "value"),
        ({"value": None}, "value"),
        ({"metric": "voltage_v"}, "metric"),
        ({"timestamp": "2026-06-01T10:00:00"}, "timestamp"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"extra": 1}, "extra"),
    ],
)
def test_types_are_strict(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        reading(**changes)
    assert caught.value.errors()[0]["loc"][0] == field


def test_integers_are_accepted_as_values() -> None:
    assert reading(value=5).value == 5.0


@pytest.mark.parametrize(
    ("size", "ok"), [(0, False), (1, True), (MAX_BATCH, True), (MAX_BATCH + 1, False)]
)
def test_batch_size_limits(size: int, ok: bool) -> None:
    items = [
        {"timestamp": (NOW - timedelta(minutes=i)).isoformat(), "metric": "power_kw", "value": 1}
        for i in range(size)
    ]
    if ok:
        assert len(ReadingBatch.model_validate({"readings": items}).readings) == size
    else:
        with pytest.raises(ValidationError):
            ReadingBatch.model_validate({"readings": items})


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (5e-324, 0.0),  # the smallest float: DynamoDB would refuse it (number underflow)
        (-9.9e-131, 0.0),
        (1e-130, 1e-130),  # the smallest magnitude DynamoDB stores
        (-1e-130, -1e-130),
        (0.0, 0.0),
        (1.5, 1.5),
    ],
)
def test_normalize_stores_magnitudes_below_dynamodb_range_as_zero(
    value: float, stored: float
) -> None:
    batch = ReadingBatch.model_validate(
        {"readings": [{"timestamp": NOW.isoformat(), "metric": "power_kw", "value": value}]}
    )
    distinct, errors = normalize_batch(batch, NOW)
    assert errors == []
    assert [r.value for r in distinct] == [stored]


def test_normalize_converts_to_utc_and_collapses_exact_repeats() -> None:
    batch = ReadingBatch.model_validate(
        {
            "readings": [
                {"timestamp": "2026-06-01T12:00:00+02:00", "metric": "power_kw", "value": 3},
                {"timestamp": "2026-06-01T10:00:00Z", "metric": "power_kw", "value": 3},
                {"timestamp": "2026-06-01T10:00:00Z", "metric": "energy_kwh", "value": 3},
            ]
        }
    )
    distinct, errors = normalize_batch(batch, NOW)
    assert errors == []
    assert [(r.metric, r.timestamp.isoformat()) for r in distinct] == [
        (Metric.POWER_KW, "2026-06-01T10:00:00+00:00"),
        (Metric.ENERGY_KWH, "2026-06-01T10:00:00+00:00"),
    ]


def test_normalize_rejects_conflicting_repeats_and_reports_every_error() -> None:
    batch = ReadingBatch.model_validate(
        {
            "readings": [
                {"timestamp": "2026-06-01T10:00:00Z", "metric": "power_kw", "value": 3},
                {"timestamp": "2026-06-01T10:00:00Z", "metric": "power_kw", "value": 4},
                {"timestamp": "2030-01-01T00:00:00Z", "metric": "energy_kwh", "value": -1},
            ]
        }
    )
    _, errors = normalize_batch(batch, NOW)
    assert [e.field for e in errors] == [
        "readings.1",
        "readings.2.value",
        "readings.2.timestamp",
    ]
    assert "conflicts with readings.0" in errors[0].message


@pytest.mark.parametrize(
    ("start_offset", "end_offset", "field"),
    [
        (timedelta(0), timedelta(0), "from"),
        (timedelta(hours=1), timedelta(0), "from"),
        (timedelta(0), timedelta(days=31), None),
        (timedelta(0), timedelta(days=31, microseconds=1), "to"),
    ],
)
def test_check_range(start_offset: timedelta, end_offset: timedelta, field: str | None) -> None:
    errors = check_range(NOW + start_offset, NOW + end_offset, timedelta(days=31))
    assert [e.field for e in errors] == ([] if field is None else [field])


PLUS_1 = timezone(timedelta(minutes=1))
MINUS_1 = timezone(timedelta(minutes=-1))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (EARLIEST, EARLIEST + timedelta(days=1), None),
        (EARLIEST - timedelta(microseconds=1), EARLIEST + timedelta(days=1), "from"),
        (datetime(1, 1, 1, tzinfo=PLUS_1), datetime(1, 1, 2, tzinfo=UTC), "from"),  # year 0 in UTC
        (LATEST - timedelta(days=1), LATEST, None),
        (LATEST - timedelta(days=1), LATEST + timedelta(microseconds=1), "to"),
        (datetime(9999, 12, 30, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=MINUS_1), "to"),
    ],
)
def test_check_range_bounds(start: datetime, end: datetime, field: str | None) -> None:
    errors = check_range(start, end, timedelta(days=366))
    assert [e.field for e in errors] == ([] if field is None else [field])
    if field is None:  # a window that passes converts to UTC: the store can query it
        assert start.astimezone(UTC) < end.astimezone(UTC)


def test_a_timestamp_that_cannot_convert_to_utc_is_a_field_error() -> None:
    batch = ReadingBatch.model_validate(
        {"readings": [{"timestamp": "0001-01-01T00:00:00+00:01", "metric": "power_kw", "value": 1}]}
    )
    _, errors = normalize_batch(batch, NOW)
    assert [e.field for e in errors] == ["readings.0.timestamp"]

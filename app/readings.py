"""Energy readings: the request shapes and the validation rules pydantic cannot express alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_BATCH = 500
# Meters and gateways drift: a reading this far ahead of our clock is still accepted.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Query windows end by this; with it, any offset still converts to UTC (year 9999 is the last).
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
SITE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# DynamoDB stores no non-zero magnitude below this; such a value is 0 at any meter's resolution.
SMALLEST_STORED = 1e-130


class Metric(StrEnum):
    """What a reading measures; the unit is part of the name."""

    POWER_KW = "power_kw"
    ENERGY_KWH = "energy_kwh"


# Physically plausible bounds per metric (a single site, one reading). Negative power is import.
METRIC_RANGES: dict[Metric, tuple[float, float]] = {
    Metric.POWER_KW: (-100_000.0, 100_000.0),
    Metric.ENERGY_KWH: (0.0, 1_000_000.0),
}


def document_ranges(schema: dict[str, Any]) -> None:
    """The per-metric value ranges in the JSON schema (check_reading enforces them)."""
    schema["allOf"] = [
        {
            "if": {"properties": {"metric": {"const": metric.value}}, "required": ["metric"]},
            "then": {"properties": {"value": {"minimum": low, "maximum": high}}},
        }
        for metric, (low, high) in METRIC_RANGES.items()
    ]


class Reading(BaseModel):
    """One measurement. Timestamps must carry a timezone; they are stored in UTC."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=document_ranges)

    timestamp: Annotated[
        AwareDatetime,
        Field(
            description=f"with a timezone; on/after {EARLIEST.date()}, at most "
            f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead of the server clock"
        ),
    ]
    metric: Metric
    value: Annotated[
        float, Field(strict=True, allow_inf_nan=False, description="range depends on the metric")
    ]


class ReadingBatch(BaseModel):
    """A batch of readings for one site (1..MAX_BATCH)."""

    model_config = ConfigDict(extra="forbid")

    readings: Annotated[list[Reading], Field(min_length=1, max_length=MAX_BATCH)]


@dataclass(frozen=True)
class FieldError:
    """A client mistake in one field: where (dotted path) and what is wrong."""

    field: str
    message: str


@dataclass(frozen=True)
class StoredReading:
    """A reading as persisted: UTC timestamp, known metric, finite value."""

    timestamp: datetime
    metric: Metric
    value: float


def check_reading(index: int, reading: Reading, now: datetime) -> list[FieldError]:
    """Range and time rules for one reading of a batch."""
    errors: list[FieldError] = []
    where = f"readings.{index}"
    low, high = METRIC_RANGES[reading.metric]
    if not low <= reading.value <= high:
        errors.append(
            FieldError(f"{where}.value", f"{reading.metric.value} must be within [{low}, {high}]")
        )
    if reading.timestamp > now + CLOCK_SKEW:
        errors.append(FieldError(f"{where}.timestamp", "timestamp is in the future"))
    elif reading.timestamp < EARLIEST:
        errors.append(FieldError(f"{where}.timestamp", "timestamp is before 2000-01-01"))
    return errors


def normalize_batch(
    batch: ReadingBatch, now: datetime
) -> tuple[list[StoredReading], list[FieldError]]:
    """Validate a batch and return its distinct readings (exact repeats collapse into one).

    The same (metric, timestamp) twice with different values is a client error: we cannot
    know which one is right, and idempotency means a replay must not change stored data.
    """
    errors: list[FieldError] = []
    seen: dict[tuple[Metric, datetime], tuple[int, float]] = {}
    distinct: list[StoredReading] = []
    for index, reading in enumerate(batch.readings):
        problems = check_reading(index, reading, now)
        errors.extend(problems)
        if any(p.field.endswith(".timestamp") for p in problems):
            continue  # an out-of-range time may not even convert to UTC
        when = reading.timestamp.astimezone(UTC)
        key = (reading.metric, when)
        if key in seen:
            first_index, first_value = seen[key]
            if first_value != reading.value:
                errors.append(
                    FieldError(
                        f"readings.{index}",
                        f"conflicts with readings.{first_index}: same metric and timestamp, "
                        "different value",
                    )
                )
            continue
        seen[key] = (index, reading.value)
        value = 0.0 if abs(reading.value) < SMALLEST_STORED else reading.value
        distinct.append(StoredReading(timestamp=when, metric=reading.metric, value=value))
    return distinct, errors


def check_range(start: datetime, end: datetime, max_span: timedelta) -> list[FieldError]:
    """A query window: within [EARLIEST, LATEST], start before end, at most max_span wide."""
    if start < EARLIEST:
        return [FieldError("from", f"'from' must be on/after {EARLIEST.date()}")]
    if end > LATEST:
        return [FieldError("to", f"'to' must be before {LATEST.date()}")]
    if start >= end:
        return [FieldError("from", "'from' must be earlier than 'to'")]
    if end - start > max_span:
        return [FieldError("to", f"the range may span at most {max_span.days} days")]
    return []

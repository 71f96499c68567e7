from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from app.readings import Metric, StoredReading
from app.routes.health import probe_all
from app.storage.errors import InvalidCursor, StoreUnavailable, translate_errors
from app.storage.table import (
    BATCH_WRITE_LIMIT,
    UNPROCESSED_RETRIES,
    EnergyTable,
    decode_cursor,
    encode_cursor,
    format_ts,
    parse_ts,
)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 6, 1, 10, 0, tzinfo=UTC), "2026-06-01T10:00:00.000000Z"),
        (datetime(2026, 6, 1, 10, 0, 0, 1, tzinfo=UTC), "2026-06-01T10:00:00.000001Z"),
    ],
)
def test_timestamps_are_fixed_width_and_round_trip(moment: datetime, text: str) -> None:
    assert format_ts(moment) == text
    assert parse_ts(text) == moment


def test_cursor_round_trip_and_garbage() -> None:
    key = "2026-06-01T10:00:00.000000Z"
    assert decode_cursor(encode_cursor(key)) == key
    for garbage in ("%%%", "bm90IGEga2V5", "\udcff"):
        with pytest.raises(InvalidCursor):
            decode_cursor(garbage)


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (ClientError({"Error": {"Code": "ThrottlingException"}}, "Query"), StoreUnavailable),
        (ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "Query"), StoreUnavailable),
        (EndpointConnectionError(endpoint_url="http://x"), StoreUnavailable),
        (ClientError({"Error": {"Code": "ValidationException"}}, "Query"), ClientError),
    ],
)
def test_translate_errors(error: Exception, raised: type[Exception]) -> None:
    with pytest.raises(raised), translate_errors("dynamodb"):
        raise error


class FlakyBatchWriter:
    """batch_write_item that leaves everything unprocessed `stubborn` times."""

    def __init__(self, stubborn: int) -> None:
        self.stubborn = stubborn
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        items = next(iter(RequestItems.values()))
        self.calls.append(len(items))
        if len(self.calls) <= self.stubborn:
            return {"UnprocessedItems": RequestItems}
        return {"UnprocessedItems": {}}


def stored(count: int) -> list[StoredReading]:
    base = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    return [
        StoredReading(datetime.fromtimestamp(base + i, UTC), Metric.POWER_KW, float(i))
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("count", "calls"), [(1, [1]), (25, [25]), (26, [25, 1]), (60, [25, 25, 10])]
)
def test_writes_are_chunked_by_25(count: int, calls: list[int]) -> None:
    client = FlakyBatchWriter(stubborn=0)
    EnergyTable(client, "t", sleep=lambda _: None).put_readings("s", stored(count))  # type: ignore[arg-type]
    assert client.calls == calls
    assert max(calls) <= BATCH_WRITE_LIMIT


@pytest.mark.parametrize(
    ("stubborn", "fails"), [(UNPROCESSED_RETRIES, False), (UNPROCESSED_RETRIES + 1, True)]
)
def test_unprocessed_items_are_retried_then_reported(stubborn: int, fails: bool) -> None:
    client = FlakyBatchWriter(stubborn=stubborn)
    sleeps: list[float] = []
    table = EnergyTable(client, "t", sleep=sleeps.append)  # type: ignore[arg-type]
    if fails:
        with pytest.raises(StoreUnavailable, match="throttled"):
            table.put_readings("s", stored(3))
    else:
        table.put_readings("s", stored(3))
    assert sleeps == sorted(sleeps)
    assert max(sleeps) <= 1.0


def test_probe_all_names_failing_checks() -> None:
    def fails() -> None:
        raise StoreUnavailable("s3", "NoSuchBucket")

    def crashes() -> None:
        raise RuntimeError("boom")

    # Every check answers, so probe_all returns as soon as they did: the timeout is never waited.
    results = probe_all({"ok": lambda: None, "s3": fails, "odd": crashes}, 30.0)
    assert results == {"ok": "ok", "s3": "s3 unavailable: NoSuchBucket", "odd": "RuntimeError"}


def test_probe_all_names_a_check_that_does_not_answer_in_time() -> None:
    released = threading.Event()

    def hangs() -> None:
        released.wait()  # blocked until the test ends: it cannot answer in time, however fast

    try:
        assert probe_all({"slow": hangs}, 0.01) == {"slow": "no answer within 0.01s"}
    finally:
        released.set()

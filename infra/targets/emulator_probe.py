"""Measure the running emulator's ceilings in about two seconds (the runtime side of
`infra.targets.local_capacity`), on a scratch table and bucket that it deletes afterwards.

Raw HTTP through urllib3 (botocore's transport) rather than boto3, so the client's own work
stays small and the figures are the emulator's. `drive` is shared with bench/emulator_capacity.py.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import urllib3

from infra.targets.local_capacity import (
    BATCH_ITEMS,
    MEASURED,
    OBJECT_BYTES,
    QUERY_ITEMS,
    EmulatorCapacity,
)

TRANSPORT_ERROR = 0  # the status `drive` records when no HTTP answer came back
_AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0"  # moto does not verify signatures
)
_MIN_SCAN_ITEMS = 2000  # below this the scan term is too small to measure in a probe


class ProbeError(Exception):
    """The emulator did not answer a probe call as expected; the message says which and why."""


class EmulatorCalls:
    """Pre-built DynamoDB and S3 calls against one emulator endpoint, over one connection pool."""

    def __init__(self, endpoint: str, region: str, pool_size: int = 8, keep_alive: bool = True):
        parts = urlsplit(endpoint)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ProbeError(f"emulator endpoint {endpoint!r}: expected http://HOST:PORT")
        self.endpoint, self.region = endpoint, region
        # block=False, as botocore: past pool_size, connections are opened and dropped per call.
        self._pool = urllib3.HTTPConnectionPool(
            parts.hostname,
            parts.port,
            maxsize=pool_size,
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=2.0, read=60.0),
        )
        self._extra = {} if keep_alive else {"Connection": "close"}

    def send(
        self, method: str, path: str, service: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        auth = _AUTH.format(region=self.region, service=service)
        all_headers = {"Authorization": auth, "X-Amz-Date": "20260101T000000Z", **headers}
        try:
            response = self._pool.urlopen(
                method, path, body=body, headers={**all_headers, **self._extra}
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ProbeError(
                f"emulator at {self.endpoint} did not answer {method} {path}: {exc}"
            ) from None
        return response.status, response.data

    def dynamodb(self, operation: str, request: Mapping[str, Any]) -> tuple[int, bytes]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        }
        return self.send("POST", "/", "dynamodb", json.dumps(request).encode(), headers)

    def checked(self, status_body: tuple[int, bytes], what: str) -> dict[str, Any]:
        status, body = status_body
        if status != 200:
            raise ProbeError(f"{what} on {self.endpoint} answered {status}: {body[:200]!r}")
        return dict(json.loads(body)) if body else {}

    def close(self) -> None:
        self._pool.close()


@dataclass(frozen=True)
class Drive:
    """Calls made by `concurrency` threads for a time window, and how each went."""

    seconds: float
    outcomes: tuple[tuple[int, float], ...]  # (HTTP status or TRANSPORT_ERROR, latency ms)

    @property
    def calls(self) -> int:
        return len(self.outcomes)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else 0.0

    @property
    def statuses(self) -> Mapping[int, int]:
        return dict(Counter(status for status, _ in self.outcomes))


def drive(
    call: Callable[[], int],
    concurrency: int,
    seconds: float,
    clock: Callable[[], float] = time.perf_counter,
) -> Drive:
    """Closed loop: each thread calls again as soon as its last call returns, until `seconds`."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    started = clock()
    deadline = started + seconds

    def worker() -> None:
        mine: list[tuple[int, float]] = []
        while clock() < deadline:
            began = clock()
            try:
                status = call()
            except ProbeError:
                status = TRANSPORT_ERROR
            mine.append((status, (clock() - began) * 1000))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Drive(seconds=clock() - started, outcomes=tuple(results))


@dataclass(frozen=True)
class Scratch:
    table: str
    bucket: str
    objects: set[str] = field(default_factory=set)  # keys written, deleted on exit


def _readings(partition: str, count: int) -> list[dict[str, Any]]:
    return [
        {"PK": {"S": partition}, "SK": {"S": f"2026-01-09T{i:06d}"}, "value": {"N": str(i)}}
        for i in range(count)
    ]


@contextmanager
def scratch(calls: EmulatorCalls) -> Iterator[Scratch]:
    """A table holding QUERY_ITEMS readings and an empty bucket, both deleted on exit."""
    name = f"capacity-probe-{uuid.uuid4().hex[:12]}"
    table = {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    calls.checked(calls.dynamodb("CreateTable", table), "CreateTable")
    try:
        items = _readings("probe", QUERY_ITEMS)
        for start in range(0, len(items), BATCH_ITEMS):
            chunk = [{"PutRequest": {"Item": i}} for i in items[start : start + BATCH_ITEMS]]
            calls.checked(
                calls.dynamodb("BatchWriteItem", {"RequestItems": {name: chunk}}), "BatchWriteItem"
            )
        config = (
            "<CreateBucketConfiguration><LocationConstraint>"
            f"{calls.region}</LocationConstraint></CreateBucketConfiguration>"
        )
        status, body = calls.send("PUT", f"/{name}", "s3", config.encode(), {})
        if status != 200:
            raise ProbeError(f"CreateBucket on {calls.endpoint} answered {status}: {body[:200]!r}")
        where = Scratch(table=name, bucket=name)
        try:
            yield where
        finally:
            for key in sorted(where.objects):
                calls.send("DELETE", f"/{name}/{key}", "s3", b"", {})
            calls.send("DELETE", f"/{name}", "s3", b"", {})
    finally:
        calls.dynamodb("DeleteTable", {"TableName": name})


def operations(calls: EmulatorCalls, where: Scratch) -> dict[str, Callable[[], int]]:
    """The measured call of each operation family; each returns its HTTP status."""

    def query_for(partition: str) -> dict[str, Any]:
        return {
            "TableName": where.table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK", "#v": "value"},
            "ExpressionAttributeValues": {
                ":pk": {"S": partition},
                ":lo": {"S": "2026-01-09T"},
                ":hi": {"S": "2026-01-10T"},
            },
            "ProjectionExpression": "#sk, #v",  # the app's Query shape
        }

    query, empty = query_for("probe"), query_for("capacity-probe: no such partition")
    get = {
        "TableName": where.table,
        "Key": {"PK": {"S": "probe"}, "SK": {"S": "2026-01-09T000000"}},
        "ConsistentRead": True,
    }
    # Overwrites the seeded keys, so the table (and Query's cost) stays the same size.
    batch = {
        "RequestItems": {
            where.table: [{"PutRequest": {"Item": i}} for i in _readings("probe", BATCH_ITEMS)]
        }
    }
    body = b"x" * OBJECT_BYTES

    def put_object() -> int:
        # One key per thread: moto 5.2.5 answers 500 to concurrent PutObjects of one key.
        key = f"probe-{threading.get_ident()}"
        where.objects.add(key)
        headers = {"Content-Type": "text/csv"}
        return calls.send("PUT", f"/{where.bucket}/{key}", "s3", body, headers)[0]

    return {
        "GetItem": lambda: calls.dynamodb("GetItem", get)[0],
        "Query": lambda: calls.dynamodb("Query", query)[0],
        "EmptyQuery": lambda: calls.dynamodb("Query", empty)[0],
        "BatchWriteItem": lambda: calls.dynamodb("BatchWriteItem", batch)[0],
        "PutObject": put_object,
    }


def item_count(calls: EmulatorCalls, table: str) -> int:
    """The table's current item count (moto counts live)."""
    found = calls.checked(
        calls.dynamodb("DescribeTable", {"TableName": table}), f"DescribeTable {table}"
    )
    return int(found["Table"]["ItemCount"])


def _rate(call: Callable[[], int], concurrency: int, seconds: float, what: str) -> float:
    """The better of two half windows: on a shared machine one short window can hit a stall."""
    rates = []
    for _ in range(2):
        result = drive(call, concurrency, seconds / 2)
        bad = {s: n for s, n in result.statuses.items() if s != 200}
        if bad or result.calls == 0:
            raise ProbeError(f"probe {what}: {result.calls} calls, non-200 answers {bad}")
        rates.append(result.rate)
    return max(rates)


def probe(
    endpoint: str,
    region: str,
    table: str | None = None,
    window_s: float = 0.25,
    query_window_s: float = 0.6,
    concurrency: int = 4,
) -> EmulatorCapacity:
    """Ceilings per operation family now; with `table`, Query's scan cost measured on it."""
    calls = EmulatorCalls(endpoint, region, pool_size=concurrency)
    try:
        with scratch(calls) as where:
            ops = operations(calls, where)
            # A full Query takes long enough that 2 clients keep moto busy; more only overrun.
            rates = {
                name: _rate(op, min(2, concurrency), query_window_s, name)
                if name == "Query"
                else _rate(op, concurrency, window_s, name)
                for name, op in ops.items()
            }
        scanned, how = _scan_rate(calls, table, rates["EmptyQuery"], concurrency, window_s)
    finally:
        calls.close()
    return EmulatorCapacity(
        get_item_per_s=round(rates["GetItem"], 1),
        query_per_s=round(min(rates["Query"], rates["EmptyQuery"]), 2),
        empty_query_per_s=round(rates["EmptyQuery"], 1),
        scanned_items_per_s=round(scanned),
        batch_write_per_s=round(rates["BatchWriteItem"], 1),
        put_object_per_s=round(rates["PutObject"], 1),
        source=f"runtime probe of {endpoint} at {time.strftime('%Y-%m-%dT%H:%M:%S')} ({how})",
    )


def _scan_rate(
    calls: EmulatorCalls, table: str | None, empty_rate: float, concurrency: int, window_s: float
) -> tuple[float, str]:
    """Items/s moto scans per Query: measured on `table` when it is big enough, else scaled."""
    scaled = MEASURED.scanned_items_per_s * empty_rate / MEASURED.empty_query_per_s
    if table is None:
        return scaled, "scan rate scaled from the recorded figures"
    items = item_count(calls, table)
    if items < _MIN_SCAN_ITEMS:
        return scaled, f"{table}: {items} items, scan rate scaled from the recorded figures"
    rate = _rate(
        operations(calls, Scratch(table, ""))["EmptyQuery"], concurrency, window_s, f"Query {table}"
    )
    extra_s = 1 / rate - 1 / empty_rate
    if extra_s <= 0:
        return scaled, f"{table}: {items} items, scan too fast to measure, scaled"
    return (items - QUERY_ITEMS) / extra_s, f"scan rate measured on {table} ({items} items)"

"""Benchmark: where a DynamoDB Query's time goes inside moto, in process (no HTTP, no client).

    uv run --frozen python bench/emulator_query_cost.py [--sizes 0,5000,20000] [--repeat 5]
    /path/to/other-venv/bin/python bench/emulator_query_cost.py   # another moto version

Drives moto's WSGI app with werkzeug's test client (CPU time per call, so other work on the
machine inflates it less than wall time): a 288-item Query with the app's projection,
a Query returning 1 item, a GetItem and a 25-item BatchWriteItem, on a table that grows by
`--sizes` items in another partition (moto scans the whole table on every Query); first, the share
of the 288-item Query's time spent in moto's response serializer (cProfile). Needs only moto.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0"
)
CLIENT = Client(DomainDispatcherApplication(create_backend_app))


def call(operation: str, body: dict[str, Any]) -> None:
    headers = {
        "Host": "127.0.0.1:5000",
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": AUTH,
    }
    response = CLIENT.post("/", data=json.dumps(body), headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"{operation} answered {response.status_code}: {response.data[:200]!r}")


def write(partition: str, start: int, count: int) -> None:
    for first in range(start, start + count, 25):
        items = [
            {"PutRequest": {"Item": {"PK": {"S": partition}, "SK": {"S": f"{i:012d}"}}}}
            for i in range(first, min(first + 25, start + count))
        ]
        call("BatchWriteItem", {"RequestItems": {"t": items}})


def query(limit: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "TableName": "t",
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK", "#v": "value"},
        "ExpressionAttributeValues": {":pk": {"S": "day"}, ":lo": {"S": "0"}, ":hi": {"S": "9"}},
        "ProjectionExpression": "#sk, #v",
    }
    return {**body, "Limit": limit} if limit else body


def ms_per_call(operation: str, body: dict[str, Any], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        call(operation, body)
    return round((time.process_time() - started) / repeat * 1000, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,5000,20000", help="extra items, cumulative steps")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    import moto

    print(f"moto {moto.__version__}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    keys = [("PK", "HASH"), ("SK", "RANGE")]
    call(
        "CreateTable",
        {
            "TableName": "t",
            "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
            "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in keys],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    write("day", 0, 288)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeat):
        call("Query", query())
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in stats.values())
    in_serializer = [e[3] for k, e in stats.items() if k[0].endswith("core/serialize.py")]
    share = max(in_serializer, default=0.0) / total
    print(f"Query(288), table of 288 items: {share:.0%} in moto.core.serialize (the serializer)")
    get = {"TableName": "t", "Key": {"PK": {"S": "day"}, "SK": {"S": f"{0:012d}"}}}
    written = 0
    for extra in sizes:
        write("filler", written, extra - written)
        written = extra
        batch_started = time.process_time()
        write("batch", 0, 25 * args.repeat)
        batch_ms = (time.process_time() - batch_started) / args.repeat * 1000
        full, one = ms_per_call("Query", query(), args.repeat), ms_per_call("Query", query(1), 5)
        single = ms_per_call("GetItem", get, 10 * args.repeat)
        print(
            f"table {288 + extra + 25 * args.repeat:>6} items, CPU ms per call: Query(288) {full}, "
            f"Query(1) {one}, GetItem {single}, BatchWriteItem(25) {batch_ms:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

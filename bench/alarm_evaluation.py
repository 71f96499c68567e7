"""Benchmark: local evaluation of the whole alarm catalog over an hour of the app's metrics
(target <= 1 s), in process.

    uv run --frozen python bench/alarm_evaluation.py [--rate 10] [--repeat 5]

Three figures: `evaluate` = the catalog over an hour already ingested (what every tick of the
local alarm source pays, the target); `tick` = ingest one new minute of lines + evaluate (a
long-running rollout's cost per poll); `cold ingest` = parse and aggregate the whole hour from
scratch (what a one-shot `alarms` command pays before evaluating).

The input is what the local app prints: one real EMF document per request (made by
`app.observability.emit_request_metrics`, re-stamped across the hour, 2 % server errors) and
one access-log record per request, `--rate` requests per second for 3600 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from app.observability import emit_request_metrics
from infra.config import load_environment
from infra.monitoring.catalog import build_catalog
from infra.monitoring.emf import json_documents
from infra.monitoring.evaluation import evaluate_catalog
from infra.monitoring.local_metrics import PLACEHOLDERS, LocalMetrics

TARGET_S = 1.0
END = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)


def hour_of_lines(rate: int) -> list[str]:
    out = io.StringIO()
    total = rate * 3600
    with contextlib.redirect_stdout(out):
        for i in range(total):
            emit_request_metrics(
                "/sites/{site_id}", 500 if i % 50 == 0 else 200, 30.0 + i % 40, "1"
            )
    lines = []
    start = END - timedelta(hours=1)
    for i, line in enumerate(out.getvalue().splitlines()):
        at = start + timedelta(seconds=i / rate)
        doc = json.loads(line)
        doc["_aws"]["Timestamp"] = int(at.timestamp() * 1000)
        lines.append(json.dumps(doc))
        status = 500 if i % 50 == 0 else 200
        record = {
            "level": "ERROR" if status == 500 else "INFO",
            "location": "access_log:93",
            "message": "request",
            "timestamp": at.strftime("%Y-%m-%d %H:%M:%S,%f")[:-3] + "+0000",
            "service": "energy-insights",
            "method": "GET",
            "route": "/sites/{site_id}",
            "status": status,
            "latency_ms": 30.0,
            "request_id": f"r{i}",
        }
        lines.append(json.dumps(record))
    return lines


def one_run(lines: list[str], rate: int) -> tuple[float, float, float]:
    catalog = build_catalog(load_environment("staging"))
    minute = 2 * 60 * rate  # an EMF document and an access record per request
    metrics = LocalMetrics("staging")
    started = time.perf_counter()
    metrics.ingest(json_documents(lines[:-minute]), ())
    ingested = time.perf_counter()
    metrics.ingest(json_documents(lines[-minute:]), ())
    results = evaluate_catalog(catalog, metrics.store, END.timestamp(), None, PLACEHOLDERS)
    ticked = time.perf_counter()
    evaluate_catalog(catalog, metrics.store, END.timestamp(), None, PLACEHOLDERS)
    evaluated = time.perf_counter()
    assert len(results) == len(catalog.names)
    return ingested - started, ticked - ingested, evaluated - ticked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=10, help="requests per second")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines = hour_of_lines(args.rate)
    load = os.getloadavg()[0]
    runs = [one_run(lines, args.rate) for _ in range(args.repeat)]
    cold, tick, evaluate = (list(column) for column in zip(*runs, strict=True))
    print(f"load average {load:.2f} -> {os.getloadavg()[0]:.2f} (1 min, 2 cores)")
    print(f"{len(lines)} lines = an hour at {args.rate} requests/s; n={args.repeat}")
    for label, values in (("evaluate (hour in store)", evaluate), ("tick (new minute)", tick)):
        median, worst = statistics.median(values) * 1000, max(values) * 1000
        print(f"{label}: median {median:.1f} ms, max {worst:.1f} ms")
    print(f"cold ingest of the hour: median {statistics.median(cold):.2f} s, max {max(cold):.2f} s")
    worst = max(max(evaluate), max(tick))
    verdict = "PASS" if worst <= TARGET_S else "FAIL"
    print(f"target <= {TARGET_S:.1f} s for evaluate and tick: {verdict}")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())

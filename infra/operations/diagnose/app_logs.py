"""The app's own log lines (JSON, one per line) as diagnosis facts: requests by route (the
access log), unhandled errors, throttled dependencies and failed reports (EMF). The local target
has no Lambda or CloudWatch metrics; these lines are what it really has."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.operations.diagnose.facts import RequestFacts, RouteStats, ServiceMetrics
from infra.perf.samples import percentile

__all__ = ["AppLogFacts", "app_log_facts", "percentile", "record_time"]

# Powertools' timestamp: "2026-12-04 15:42:12,909+0000".
_POWERTOOLS_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})([+-]\d{4})$")
_THROTTLED = ("throttl", "ProvisionedThroughputExceeded", "RequestLimitExceeded", "SlowDown")
SOURCE = "the local app's log lines"


@dataclass(frozen=True)
class AppLogFacts:
    requests: RequestFacts
    metrics: ServiceMetrics


def record_time(record: Mapping[str, Any]) -> datetime | None:
    """When a log record or EMF document was written; None when it does not say."""
    aws = record.get("_aws")
    if isinstance(aws, Mapping) and isinstance(aws.get("Timestamp"), int | float):
        return datetime.fromtimestamp(float(aws["Timestamp"]) / 1000, UTC)
    raw = record.get("timestamp")
    if not isinstance(raw, str):
        return None
    match = _POWERTOOLS_TIME.match(raw)
    if match:
        text = f"{match.group(1)}.{match.group(2)}000{match.group(3)}"
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f%z")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def app_log_facts(lines: Iterable[str], now: datetime, window_minutes: int) -> AppLogFacts:
    """Facts from the records of the last `window_minutes` (older and unparsable lines are
    skipped)."""
    since = now - timedelta(minutes=window_minutes)
    latencies: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # requests, 5xx, 401
    errors = throttled = report_failures = 0.0
    for record in _records(lines):
        at = record_time(record)
        if at is None or at < since or at > now:
            continue
        if "_aws" in record:
            report_failures += _number(record.get("ReportsFailed"))
            continue
        message = record.get("message")
        if message == "request" and isinstance(record.get("status"), int):
            route = str(record.get("route") or record.get("path") or "?")
            status = int(record["status"])
            counts[route][0] += 1
            counts[route][1] += status >= 500
            counts[route][2] += status == 401
            latency = record.get("latency_ms")
            if isinstance(latency, int | float):
                latencies[route].append(float(latency))
        elif message == "dependency unavailable":
            reason = str(record.get("reason", ""))
            throttled += any(word.lower() in reason.lower() for word in _THROTTLED)
        elif record.get("level") == "ERROR" and "exception" in record:
            errors += 1
    routes = tuple(
        RouteStats(route, n, e5, e401, percentile(latencies.get(route, []), 95))
        for route, (n, e5, e401) in sorted(counts.items())
    )
    slowest = max((max(v) for v in latencies.values() if v), default=None)
    return AppLogFacts(
        RequestFacts(window_minutes, routes, SOURCE),
        ServiceMetrics(
            window_minutes=window_minutes,
            function_errors=errors,
            function_throttles=None,  # no Lambda locally
            max_duration_ms=slowest,  # request latency stands in for invocation duration
            timeouts=None,
            dynamodb_throttles=throttled,
            report_failures=report_failures,
            source=SOURCE,
        ),
    )


def _records(lines: Iterable[str]) -> Iterable[Mapping[str, Any]]:
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record


def _number(raw: Any) -> float:
    items = raw if isinstance(raw, list) else [raw]
    return sum(float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool))

"""The one summary every load benchmark prints: requests, failures by status and error rate next to
latency percentiles of ALL requests and of the successful ones, each labelled.

A status is an HTTP code or a client-side outcome ("timeout", "connect_error", ...): a request
that got no answer is a failure too. A run with more than 1 % failures says so in its headline.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

FAILURE_HEADLINE_RATE = 0.01
Status = int | str  # HTTP status, or what happened instead of an answer


def succeeded(status: Status) -> bool:
    return isinstance(status, int) and 200 <= status < 400


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in ms ("inclusive" quantiles: never beyond the largest sample)."""
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else []

    def at(q: int) -> float:
        return round(cuts[q - 1] if cuts else values[0], 2)

    return {"p50": at(50), "p95": at(95), "p99": at(99), "max": round(max(values), 2)}


def summarize(
    name: str, outcomes: Sequence[tuple[Status, float]], seconds: float
) -> dict[str, Any]:
    """`outcomes`: (status, latency ms) of every request sent in `seconds` of wall time."""
    failures = Counter(str(status) for status, _ in outcomes if not succeeded(status))
    ok_latencies = [latency for status, latency in outcomes if succeeded(status)]
    total, failed = len(outcomes), sum(failures.values())
    rate = failed / total if total else 0.0
    by_status = ", ".join(f"{status}x{n}" for status, n in sorted(failures.items()))
    detail = f": {by_status}" if failed else ""
    headline = f"{name}: {total} requests, {failed} failed ({rate:.1%}{detail})"
    if rate > FAILURE_HEADLINE_RATE:
        headline += f" -- FAILURES ABOVE {FAILURE_HEADLINE_RATE:.0%}: not a healthy run"
    if total == 0:
        headline += " -- NO REQUESTS"
    return {
        "requests": total,
        "succeeded": total - failed,
        "failed": failed,
        "error_rate_pct": round(100 * rate, 2),
        "failures_by_status": dict(sorted(failures.items())),
        "throughput_rps": round(total / seconds, 2) if seconds > 0 else 0.0,
        "succeeded_rps": round((total - failed) / seconds, 2) if seconds > 0 else 0.0,
        "latency_all_requests_ms": percentiles([latency for _, latency in outcomes]),
        "latency_succeeded_only_ms": percentiles(ok_latencies),
        "headline": headline,
    }


def table_row(name: str, summary: dict[str, Any]) -> str:
    """One Markdown row under TABLE_HEADER."""

    def trio(p: dict[str, float]) -> str:
        return " / ".join(f"{p[k]:.1f}" for k in ("p50", "p95", "p99")) if p else "-"

    by_status = ", ".join(f"{s}x{n}" for s, n in summary["failures_by_status"].items()) or "-"
    return (
        f"| {name} | {summary['requests']} | {summary['failed']} ({by_status}) | "
        f"{summary['error_rate_pct']:.1f} % | {summary['throughput_rps']:.1f} | "
        f"{trio(summary['latency_all_requests_ms'])} | "
        f"{trio(summary['latency_succeeded_only_ms'])} |"
    )


TABLE_HEADER = (
    "| run | requests | failed (by status) | error rate | req/s "
    "| all requests p50 / p95 / p99 (ms) | succeeded only p50 / p95 / p99 (ms) |\n"
    "|---|---|---|---|---|---|---|"
)


def load_average() -> str:
    """`uptime`'s 1/5/15-minute load averages: recorded next to every figure (shared machines)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def exit_cleanly_on_sigterm() -> None:
    """SIGTERM (e.g. `timeout`) raises SystemExit, so `finally` blocks stop the emulator and app."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

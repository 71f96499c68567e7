"""Availability over the range against the SLO, and the error budget left (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from infra.operations.reports.model import Availability, DailyTraffic


def availability(days: Sequence[DailyTraffic], slo: float) -> Availability:
    """`budget_remaining` is 1 - errors / allowed errors: 1.0 untouched, 0 spent, below 0
    overspent; None without traffic (an unused budget is not a measurement)."""
    requests = sum(d.requests for d in days)
    errors = sum(d.server_errors for d in days)
    allowed = (1 - slo) * requests
    if requests == 0:
        return Availability(slo, 0, 0, None, 0.0, None, tuple(days))
    remaining = 1 - errors / allowed if allowed > 0 else (1.0 if errors == 0 else -1.0)
    return Availability(
        slo, requests, errors, 1 - errors / requests, allowed, remaining, tuple(days)
    )

"""Local: the router's per-server counters for the canary (5xx and refused connections over all
its requests), as the difference from the previous read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.providers.base import Window
from infra.rollout.router.config import BACKEND, CANARY
from infra.rollout.router.runtime import ServerStats

_OUT = ("DOWN", "MAINT", "NOLB")


class StatsPort(Protocol):
    def stats(self, backend: str) -> dict[str, ServerStats]: ...


class RouterStatsProvider:
    """Counters are cumulative in HAProxy; the first read after construction is measured from
    the baseline taken by `router_stats_provider`."""

    name = "router"
    metrics = frozenset({MetricName.ERROR_RATE})

    def __init__(self, stats: StatsPort, baseline: ServerStats | None) -> None:
        self._stats = stats
        self._previous = baseline

    def read(self, window: Window) -> Sequence[Reading]:
        current = self._stats.stats(BACKEND).get(CANARY)
        if current is None:
            raise LookupError(f"router backend {BACKEND} has no server {CANARY}")
        previous, self._previous = self._previous, current
        requests, errors = current.requests, current.errors
        if previous is not None and previous.requests <= current.requests:
            requests -= previous.requests
            errors = max(0, errors - previous.errors)
        state = f"server {current.status or '?'}, weight {current.weight}"
        if current.weight > 0 and current.status.upper().startswith(_OUT):
            return [
                Reading(
                    MetricName.ERROR_RATE,
                    1.0,
                    requests,
                    f"canary server is {current.status} with weight {current.weight}: "
                    "counted as all errors",
                    conclusive=True,
                )
            ]
        detail = f"{errors} errors / {requests} requests ({state}, avg {current.rtime_ms} ms)"
        return [
            Reading(
                MetricName.ERROR_RATE, errors / requests if requests else None, requests, detail
            )
        ]


def router_stats_provider(stats: StatsPort) -> RouterStatsProvider:
    """A provider whose first interval starts now."""
    return RouterStatsProvider(stats, stats.stats(BACKEND).get(CANARY))

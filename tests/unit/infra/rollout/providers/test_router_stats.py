"""Router stats: the canary server's counters since the previous read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout.providers.base import Window
from infra.rollout.providers.router_stats import RouterStatsProvider, router_stats_provider
from infra.rollout.router.runtime import ServerStats
from tests.unit.infra.rollout.fakes import T0

WINDOW = Window(T0, T0 + timedelta(minutes=1), "v2", "v1")


def canary(
    responses: int, errors: int, econ: int = 0, status: str = "UP", weight: int = 10
) -> ServerStats:
    return ServerStats("canary", status, weight, responses, errors, econ, 12)


class Stats:
    def __init__(self, *snapshots: ServerStats) -> None:
        self.snapshots = list(snapshots)

    def stats(self, backend: str) -> dict[str, ServerStats]:
        assert backend == "app"
        return {"canary": self.snapshots.pop(0)}


@pytest.mark.parametrize(
    ("before", "after", "rate", "requests"),
    [
        (canary(100, 1), canary(200, 6), 0.05, 100),
        (canary(100, 1), canary(100, 1), None, 0),
        (canary(100, 0), canary(150, 0, econ=50), 0.5, 100),  # refused connections are errors
        (canary(900, 9), canary(40, 2), 0.05, 40),  # counters reset: HAProxy restarted
    ],
)
def test_differences_between_reads(
    before: ServerStats, after: ServerStats, rate: float | None, requests: int
) -> None:
    provider = router_stats_provider(Stats(before, after))
    (reading,) = provider.read(WINDOW)
    assert reading.metric is MetricName.ERROR_RATE
    assert reading.value == (pytest.approx(rate) if rate is not None else None)
    assert reading.sample_size == requests


def test_a_down_canary_with_weight_counts_as_all_errors() -> None:
    provider = RouterStatsProvider(Stats(canary(10, 0, status="DOWN")), canary(10, 0))
    (reading,) = provider.read(WINDOW)
    assert (reading.value, reading.conclusive) == (1.0, True)
    assert "canary server is DOWN with weight 10" in reading.detail


def test_a_down_canary_without_weight_is_just_idle() -> None:
    provider = RouterStatsProvider(Stats(canary(10, 0, status="DOWN", weight=0)), canary(10, 0))
    (reading,) = provider.read(WINDOW)
    assert reading.value is None and not reading.conclusive


def test_consecutive_reads_chain_their_baselines() -> None:
    provider = RouterStatsProvider(Stats(canary(20, 0), canary(50, 3)), canary(0, 0))
    assert provider.read(WINDOW)[0].sample_size == 20
    assert provider.read(WINDOW)[0].value == pytest.approx(0.1)

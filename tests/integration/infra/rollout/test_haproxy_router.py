"""The local router for real: HAProxy 2.6 as a host process, weights through its runtime API,
responses counted by X-App-Version. HAProxy's round-robin is deterministic for one client, so
the counts are exact, not statistical (a tolerance of 2 requests in 200 only absorbs a shift
landing between two requests)."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from infra.rollout.errors import RouterUnavailable
from infra.rollout.providers.base import Window
from infra.rollout.providers.router_stats import router_stats_provider
from infra.rollout.router.process import LocalRouter
from infra.rollout.shifters.base import Weights
from infra.rollout.shifters.haproxy import HAProxyShifter
from tests.integration.infra.rollout.harness import Backend

pytestmark = pytest.mark.router
REQUESTS = 200


def count_versions(url: str, n: int = REQUESTS) -> Counter[str]:
    with httpx.Client(base_url=url, timeout=10) as client:
        return Counter(client.get("/readings").headers["x-app-version"] for _ in range(n))


def wait_for_status(router: LocalRouter, server: str, status: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if router.runtime.stats("app")[server].status.startswith(status):
            return
        time.sleep(0.1)
    pytest.fail(f"server {server} never became {status}: {router.runtime.stats('app')[server]}")


def test_weights_move_read_back_and_split_traffic(
    router: LocalRouter, stable: Backend, canary: Backend
) -> None:
    shifter = HAProxyShifter(router.runtime, stable.instance, canary.instance)
    wait_for_status(router, "stable", "UP")
    for percent in (0, 10, 50, 100, 0):
        assert shifter.set_weight(percent) == Weights("v1", "v2", percent)
        assert router.runtime.weight("app", "canary") == percent  # HAProxy's own `get weight`
        assert router.runtime.weight("app", "stable") == 100 - percent
        if percent:
            wait_for_status(router, "canary", "UP")
        counts = count_versions(router.url)
        expected = REQUESTS * percent // 100
        assert abs(counts["v2"] - expected) <= 2, (percent, counts)
        assert counts["v1"] + counts["v2"] == REQUESTS


def test_promote_makes_the_canary_the_stable_server(
    router: LocalRouter, stable: Backend, canary: Backend
) -> None:
    shifter = HAProxyShifter(router.runtime, stable.instance, canary.instance)
    shifter.set_weight(100)
    assert shifter.promote().canary_percent == 100
    servers = router.runtime.servers("app")
    assert (servers["stable"].port, servers["stable"].weight) == (canary.endpoint.port, 100)
    assert servers["canary"].weight == 0
    wait_for_status(router, "stable", "UP")
    assert count_versions(router.url, 50) == Counter({"v2": 50})


def test_a_dead_canary_is_marked_down_counted_as_errors_and_users_keep_answers(
    router: LocalRouter, stable: Backend, canary: Backend
) -> None:
    shifter = HAProxyShifter(router.runtime, stable.instance, canary.instance)
    shifter.set_weight(50)
    wait_for_status(router, "canary", "UP")
    provider = router_stats_provider(router.runtime)
    canary.stop()
    wait_for_status(router, "canary", "DOWN")
    (reading,) = provider.read(Window(*[time_now()] * 2, "v2", "v1"))
    assert (reading.value, reading.conclusive) == (1.0, True)
    assert "canary server is DOWN" in reading.detail
    assert count_versions(router.url, 50) == Counter({"v1": 50})  # HAProxy routes around it


def test_the_router_going_down_is_router_unavailable(
    router: LocalRouter, stable: Backend, canary: Backend
) -> None:
    shifter = HAProxyShifter(router.runtime, stable.instance, canary.instance)
    shifter.set_weight(10)
    router.stop()
    with pytest.raises(RouterUnavailable, match="is HAProxy running"):
        shifter.read_weight()
    with pytest.raises(RouterUnavailable):
        shifter.reset()


def time_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)

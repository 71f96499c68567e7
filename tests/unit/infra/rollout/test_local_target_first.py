"""The local target's first release: the version starts and the router's `stable` server is
pointed at it with all the weight (nothing to canary against)."""

from __future__ import annotations

from infra.rollout.router.config import Endpoint
from infra.rollout.shifters.haproxy import AppInstance
from infra.rollout.targets.local import LocalTarget
from tests.unit.infra.rollout.shifters.test_haproxy import Runtime

FIRST = AppInstance("aaaaaaaaaaaa", Endpoint("127.0.0.1", 9001))


class OneInstance:
    def __init__(self) -> None:
        self.started: list[str] = []

    def live(self) -> AppInstance | None:
        return None

    def start(self, digest: str) -> AppInstance:
        self.started.append(digest)
        return FIRST

    def find(self, version: str) -> AppInstance | None:
        return FIRST if version == FIRST.version else None


def test_first_release_points_stable_at_the_version_with_all_traffic() -> None:
    runtime, instances = Runtime(), OneInstance()
    target = LocalTarget("prod", runtime, instances, None, None)  # type: ignore[arg-type]
    assert target.live_version() is None
    candidate = target.deploy_first("a" * 64)
    assert (candidate.version, candidate.probe_url) == (FIRST.version, "http://127.0.0.1:9001")
    assert instances.started == ["a" * 64]
    assert runtime.commands == ["addr stable 9001", "weight stable 100", "weight canary 0"]
    servers = runtime.servers("app")
    assert (servers["stable"].port, servers["stable"].weight, servers["canary"].weight) == (
        9001,
        100,
        0,
    )

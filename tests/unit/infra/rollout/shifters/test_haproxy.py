"""The HAProxy shifter against an in-memory model of the runtime API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.rollout.errors import ShiftFailed
from infra.rollout.router.config import Endpoint
from infra.rollout.router.runtime import ServerState
from infra.rollout.shifters.base import Weights
from infra.rollout.shifters.haproxy import AppInstance, HAProxyShifter

STABLE = AppInstance("v1", Endpoint("127.0.0.1", 8081))
CANARY = AppInstance("v2", Endpoint("127.0.0.1", 8082))
OLD = Endpoint("127.0.0.1", 8079)


class Runtime:
    """What HAProxy keeps per server, and every command sent."""

    def __init__(self, canary_at: Endpoint = OLD) -> None:
        self.state = {
            "stable": ServerState("stable", "127.0.0.1", 8081, 100),
            "canary": ServerState("canary", canary_at.host, canary_at.port, 0),
        }
        self.commands: list[str] = []
        self.ignore_weights = False

    def set_weight(self, backend: str, server: str, weight: int) -> None:
        self.commands.append(f"weight {server} {weight}")
        if not self.ignore_weights:
            self.state[server] = replace(self.state[server], weight=weight)

    def set_address(self, backend: str, server: str, host: str, port: int) -> None:
        self.commands.append(f"addr {server} {port}")
        self.state[server] = replace(self.state[server], host=host, port=port)

    def servers(self, backend: str) -> dict[str, ServerState]:
        return dict(self.state)


def test_weights_move_and_read_back() -> None:
    runtime = Runtime()
    shifter = HAProxyShifter(runtime, STABLE, CANARY)
    assert shifter.read_weight() == Weights("v1", "v2", 0)  # idle slot at an old address
    assert shifter.set_weight(10) == Weights("v1", "v2", 10)
    assert runtime.commands == [
        "weight canary 0",
        "addr canary 8082",
        "weight canary 10",
        "weight stable 90",
    ]
    runtime.commands.clear()
    shifter.set_weight(50)
    assert runtime.commands == ["weight canary 50", "weight stable 50"]  # receiving side first
    runtime.commands.clear()
    shifter.set_weight(0)
    assert runtime.commands == ["weight stable 100", "weight canary 0"]  # never both at 0


def test_promote_repoints_stable_and_is_idempotent() -> None:
    runtime = Runtime(canary_at=CANARY.endpoint)
    shifter = HAProxyShifter(runtime, STABLE, CANARY)
    shifter.set_weight(100)
    runtime.commands.clear()
    assert shifter.promote().canary_percent == 100
    assert runtime.commands == ["addr stable 8082", "weight stable 100", "weight canary 0"]
    runtime.commands.clear()
    assert shifter.promote().canary_percent == 100
    assert runtime.commands == []


def test_a_weight_the_router_did_not_apply_is_refused() -> None:
    runtime = Runtime(canary_at=CANARY.endpoint)
    runtime.ignore_weights = True
    with pytest.raises(ShiftFailed, match="reads back canary 0% after setting 10%"):
        HAProxyShifter(runtime, STABLE, CANARY).set_weight(10)


def test_a_server_re_pointed_by_hand_is_refused() -> None:
    runtime = Runtime(canary_at=CANARY.endpoint)
    runtime.state["stable"] = ServerState("stable", "10.9.9.9", 80, 100)
    with pytest.raises(ShiftFailed, match=r"points at 10\.9\.9\.9:80, neither stable"):
        HAProxyShifter(runtime, STABLE, CANARY).read_weight()


def test_no_weight_anywhere_is_refused() -> None:
    runtime = Runtime(canary_at=CANARY.endpoint)
    runtime.state["stable"] = replace(runtime.state["stable"], weight=0)
    with pytest.raises(ShiftFailed, match="no server with weight"):
        HAProxyShifter(runtime, STABLE, CANARY).read_weight()


@pytest.mark.parametrize("percent", [-1, 101, 10.5, True])
def test_weights_are_whole_percents(percent: object) -> None:
    with pytest.raises(ShiftFailed, match=r"not a whole percent in 0\.\.100"):
        HAProxyShifter(Runtime(), STABLE, CANARY).set_weight(percent)  # type: ignore[arg-type]


def test_stable_and_canary_must_differ() -> None:
    with pytest.raises(ShiftFailed, match="listen on the same address"):
        HAProxyShifter(Runtime(), STABLE, replace(CANARY, endpoint=STABLE.endpoint))

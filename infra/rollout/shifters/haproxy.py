"""The local shifter: HAProxy weights of the `stable` and `canary` servers, set through the
runtime API (no reload) and read back after every change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from infra.rollout.errors import ShiftFailed
from infra.rollout.router.config import BACKEND, CANARY, STABLE, Endpoint
from infra.rollout.router.runtime import ServerState
from infra.rollout.shifters.base import Weights, check_percent, verify


class RuntimePort(Protocol):
    """The part of router.runtime.HAProxyRuntime the shifter uses."""

    def set_weight(self, backend: str, server: str, weight: int) -> None: ...

    def set_address(self, backend: str, server: str, host: str, port: int) -> None: ...

    def servers(self, backend: str) -> dict[str, ServerState]: ...


@dataclass(frozen=True)
class AppInstance:
    """A running app version and where it listens."""

    version: str
    endpoint: Endpoint


class HAProxyShifter:
    def __init__(self, runtime: RuntimePort, stable: AppInstance, canary: AppInstance) -> None:
        if stable.endpoint == canary.endpoint:
            raise ShiftFailed(
                f"stable {stable.version} and canary {canary.version} listen on the same "
                f"address {stable.endpoint.url}"
            )
        self._runtime = runtime
        self.stable = stable
        self.canary = canary

    def attach(self) -> None:
        """Point the `canary` server at the canary instance (weight 0 first if it pointed
        elsewhere); once attached this changes nothing."""
        slot = self._servers()[CANARY]
        here = (self.canary.endpoint.host, self.canary.endpoint.port)
        if (slot.host, slot.port) != here:
            self._runtime.set_weight(BACKEND, CANARY, 0)
            self._runtime.set_address(BACKEND, CANARY, *here)

    def set_weight(self, percent: int) -> Weights:
        check_percent(percent)
        if percent:
            self.attach()
        current = self.read_weight().canary_percent
        order = [(CANARY, percent), (STABLE, 100 - percent)]
        if percent < current:
            order.reverse()  # raise the receiving side first: never both at 0
        for server, weight in order:
            self._runtime.set_weight(BACKEND, server, weight)
        return verify(percent, self.read_weight(), "router")

    def read_weight(self) -> Weights:
        servers = self._servers()
        canary_at = (self.canary.endpoint.host, self.canary.endpoint.port)
        stable_at = (self.stable.endpoint.host, self.stable.endpoint.port)
        total = to_canary = 0
        for server in servers.values():
            at = (server.host, server.port)
            if at not in (canary_at, stable_at) and server.weight == 0:
                continue  # an idle slot still pointing at an earlier canary
            if at not in (canary_at, stable_at):
                raise ShiftFailed(
                    f"router server {server.name} points at {server.host}:{server.port}, "
                    f"neither stable {self.stable.endpoint.url} nor canary "
                    f"{self.canary.endpoint.url}: it was changed outside this rollout"
                )
            total += server.weight
            to_canary += server.weight if at == canary_at else 0
        if total == 0:
            raise ShiftFailed("router has no server with weight: it would refuse all traffic")
        return Weights(self.stable.version, self.canary.version, round(100 * to_canary / total))

    def promote(self) -> Weights:
        """At 100 %, re-point `stable` at the canary instance and empty the canary slot."""
        host, port = self.canary.endpoint.host, self.canary.endpoint.port
        servers = self._servers()
        stable = servers[STABLE]
        if (stable.host, stable.port) == (host, port) and servers[CANARY].weight == 0:
            return verify(100, self.read_weight(), "router")  # promoted before a restart
        if self.read_weight().canary_percent != 100:
            self.set_weight(100)
        self._runtime.set_address(BACKEND, STABLE, host, port)
        self._runtime.set_weight(BACKEND, STABLE, 100)
        self._runtime.set_weight(BACKEND, CANARY, 0)
        return verify(100, self.read_weight(), "router")

    def reset(self) -> Weights:
        return self.set_weight(0)

    def _servers(self) -> dict[str, ServerState]:
        servers = self._runtime.servers(BACKEND)
        missing = {STABLE, CANARY} - set(servers)
        if missing:
            raise ShiftFailed(
                f"router backend {BACKEND} has no server {sorted(missing)[0]}: was the router "
                "started from this project's config?"
            )
        return servers

"""The local router's HAProxy configuration, rendered from data (pure).

One frontend (the local prod endpoint) in front of one backend with two servers: `stable` (the
live version) and `canary` (the candidate). Weights are relative, so 10 % is stable 90 /
canary 10; the controller changes them at run time through the runtime API, never by reload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BACKEND = "app"
STABLE = "stable"
CANARY = "canary"
_HOST = re.compile(r"^[A-Za-z0-9.:-]+$")


@dataclass(frozen=True)
class Endpoint:
    """Where an app instance (or the router) listens."""

    host: str
    port: int

    def __post_init__(self) -> None:
        if not _HOST.fullmatch(self.host):
            raise ValueError(f"host {self.host!r} is not a plain host name or address")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not in 1..65535")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class RuntimeAddress:
    """The runtime API: TCP on loopback (`host`, `port`) or a unix socket (`path`)."""

    host: str = ""
    port: int = 0
    path: str = ""

    def __post_init__(self) -> None:
        if bool(self.path) == bool(self.port):
            raise ValueError("runtime API: give either a unix socket path or a TCP port")

    def bind(self) -> str:
        if self.path:
            return f"{self.path} mode 600 level admin"
        return f"ipv4@{self.host or '127.0.0.1'}:{self.port} level admin"

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.path else f"tcp:{self.host or '127.0.0.1'}:{self.port}"


@dataclass(frozen=True)
class RouterSpec:
    listen: Endpoint
    runtime: RuntimeAddress
    stable: Endpoint
    canary: Endpoint | None = None  # None: the canary slot points at stable with weight 0
    check_path: str = "/version"  # health check: cheap, anonymous, no dependency calls
    check_interval_ms: int = 1000
    connect_timeout_ms: int = 2000
    server_timeout_ms: int = 30_000

    @property
    def url(self) -> str:
        return self.listen.url


def render(spec: RouterSpec) -> str:
    """The haproxy.cfg text."""
    canary = spec.canary or spec.stable
    check = f"check inter {spec.check_interval_ms} fall 2 rise 2"
    return "\n".join(
        [
            "global",
            f"    stats socket {spec.runtime.bind()}",
            "    nbthread 1",  # one thread: round-robin order is deterministic
            "",
            "defaults",
            "    mode http",
            "    option redispatch 1",  # a request the canary refused is retried on stable
            "    retries 1",
            f"    timeout connect {spec.connect_timeout_ms}ms",
            "    timeout client 60s",
            f"    timeout server {spec.server_timeout_ms}ms",
            "",
            "frontend live",
            f"    bind {spec.listen.host}:{spec.listen.port}",
            f"    default_backend {BACKEND}",
            "",
            f"backend {BACKEND}",
            "    balance roundrobin",
            f"    option httpchk GET {spec.check_path}",
            "    http-check expect status 200",
            f"    server {STABLE} {spec.stable.host}:{spec.stable.port} weight 100 {check}",
            f"    server {CANARY} {canary.host}:{canary.port} weight 0 {check}",
            "",
        ]
    )

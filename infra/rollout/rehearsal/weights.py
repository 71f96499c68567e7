"""The canary's share of the router's traffic, read from HAProxy's runtime API a few times a
second while a promotion runs (what the router really does, not what the controller says)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from infra.rollout.errors import RolloutError
from infra.rollout.router.config import BACKEND, CANARY, RuntimeAddress
from infra.rollout.router.runtime import HAProxyRuntime

POLL_S = 0.25


class WeightReader:
    """(epoch s, canary %) samples of the router on `runtime_port`; nothing while it is down."""

    def __init__(self, runtime_port: int, clock: Callable[[], float] = time.time) -> None:
        self.samples: list[tuple[float, int]] = []
        self._runtime = HAProxyRuntime(RuntimeAddress(port=runtime_port), timeout_s=1.0)
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                servers = self._runtime.servers(BACKEND)
                total = sum(s.weight for s in servers.values())
                share = round(100 * servers[CANARY].weight / total) if total else 0
                self.samples.append((self._clock(), share))
            except (RolloutError, OSError, KeyError):
                pass  # the router is not up (yet, or any more)
            self._stop.wait(POLL_S)

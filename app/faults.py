"""Fault injection for rollback drills: decide, per request, whether to delay and/or fail.

Off unless EI_FAULT_* variables are set; refused in prod unless EI_FAULT_ALLOW_PROD=true
(enforced in app.settings). /health and /version are exempt so a faulty release is still
observable and attributable.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from app.settings import FaultSettings

EXEMPT_PATHS = frozenset({"/health", "/version"})


@dataclass(frozen=True)
class FaultDecision:
    delay_ms: int
    fail: bool


NO_FAULT = FaultDecision(delay_ms=0, fail=False)


def decide(settings: FaultSettings, rng: random.Random) -> FaultDecision:
    """Draw one decision: latency with probability latency_rate, 500 with error_rate."""
    if not settings.active:
        return NO_FAULT
    delayed = settings.latency_ms > 0 and rng.random() < settings.latency_rate
    delay = settings.latency_ms if delayed else 0
    fail = settings.error_rate > 0 and rng.random() < settings.error_rate
    return FaultDecision(delay_ms=delay, fail=fail)


class FaultInjector:
    """Thread-safe decisions from one seeded generator (reproducible drills and tests)."""

    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._rng = random.Random(settings.seed)  # noqa: S311 - drills, not cryptography
        self._lock = threading.Lock()

    def next(self, path: str) -> FaultDecision:
        if not self.settings.active or path in EXEMPT_PATHS:
            return NO_FAULT
        with self._lock:
            return decide(self.settings, self._rng)

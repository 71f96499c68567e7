from __future__ import annotations

import math
import random

import pytest

from app.faults import NO_FAULT, FaultInjector, decide
from app.settings import FaultSettings

DRAWS = 4000


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible draws, not cryptography


def within_bounds(hits: int, rate: float, n: int = DRAWS) -> bool:
    """|observed - expected| within 4 standard deviations of a binomial(n, rate)."""
    sigma = math.sqrt(n * rate * (1 - rate))
    return abs(hits - n * rate) <= 4 * sigma + 1


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.5, 0.9])
def test_error_rate_is_honoured(rate: float) -> None:
    rng = seeded(7)
    settings = FaultSettings(error_rate=rate)
    fails = sum(decide(settings, rng).fail for _ in range(DRAWS))
    assert within_bounds(fails, rate)


@pytest.mark.parametrize("rate", [0.2, 1.0])
def test_latency_rate_and_amount(rate: float) -> None:
    rng = seeded(11)
    settings = FaultSettings(latency_ms=150, latency_rate=rate)
    decisions = [decide(settings, rng) for _ in range(DRAWS)]
    delayed = [d.delay_ms for d in decisions if d.delay_ms]
    assert set(delayed) == {150}
    assert within_bounds(len(delayed), rate) if rate < 1 else len(delayed) == DRAWS
    assert not any(d.fail for d in decisions)


@pytest.mark.parametrize(
    "settings",
    [FaultSettings(), FaultSettings(latency_ms=100, latency_rate=0.0), FaultSettings(latency_ms=0)],
)
def test_inactive_settings_never_fault(settings: FaultSettings) -> None:
    rng = seeded(1)
    assert all(decide(settings, rng) == NO_FAULT for _ in range(200))


@pytest.mark.parametrize(("rate", "expected"), [(0.0, False), (1.0, True)])
def test_rate_edges(rate: float, expected: bool) -> None:
    rng = seeded(3)
    settings = FaultSettings(error_rate=rate, latency_ms=5)
    assert all(decide(settings, rng).fail is expected for _ in range(500))


def test_injector_is_reproducible_with_a_seed_and_exempts_health() -> None:
    settings = FaultSettings(error_rate=0.5, seed=42)
    first = [FaultInjector(settings).next("/sites/a") for _ in range(1)]
    a, b = FaultInjector(settings), FaultInjector(settings)
    assert [a.next("/sites/x") for _ in range(50)] == [b.next("/sites/x") for _ in range(50)]
    assert first
    assert all(a.next(path) == NO_FAULT for path in ("/health", "/version") for _ in range(50))

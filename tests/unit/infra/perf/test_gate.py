"""The perf gate as a table: every threshold with the edge on each side, the baseline margins
and noise floor, too few samples, and the conditions that turn a failure into Inconclusive."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.config.perf import BaselinePolicy
from infra.perf.gate import Conditions, GateResult, Verdict, judge, slow_samples_that_decide, worst
from infra.perf.journeys import Kind
from infra.perf.measure import measure
from infra.perf.samples import Sample
from tests.unit.infra.perf.support import POLICY, THRESHOLDS, baseline, many

S, F, I = Verdict.SUCCESSFUL, Verdict.FAILED, Verdict.INCONCLUSIVE  # noqa: E741


def healthy(
    interactive_ms: float = 100, long_ms: float = 100, report_ms: float = 100, n: int = 40
) -> list[Sample]:
    return [
        *many(Kind.INTERACTIVE, n, ms=interactive_ms),
        *many(Kind.LONG, n, ms=long_ms),
        *many(Kind.REPORT, n, ms=report_ms),
        *many(Kind.AUTH, n, status=401),
    ]


def gate(
    samples: list[Sample],
    duration_s: float = 16.0,
    min_requests: int = 100,
    base: object = None,
    conditions: Conditions | None = None,
    policy: BaselinePolicy = POLICY,
) -> GateResult:
    return judge(
        measure(samples, duration_s),
        THRESHOLDS,
        min_requests,
        "perf.local_load.min_requests",
        policy,
        base,  # type: ignore[arg-type]
        conditions or Conditions(),
    )


def verdict_of(result: GateResult, name: str) -> Verdict:
    (check,) = [c for c in result.checks if c.name == name]
    return check.verdict


def test_a_healthy_run_without_baseline_is_green_on_absolute_thresholds_and_says_so() -> None:
    result = gate(healthy())
    assert result.verdict is S
    assert [c.name for c in result.checks] == [
        "requests served",
        "error rate",
        "interactive p95",
        "long-operation p95",
        "report generation p95",
    ]
    assert result.notes == (
        "no baseline yet (no green run with this load profile): judged on the absolute "
        "thresholds only",
    )


def test_zero_requests_served_is_failed_not_a_division_error() -> None:
    result = gate([], min_requests=1)
    assert result.verdict is F
    (check,) = result.checks
    assert (check.name, check.measured, check.note) == (
        "requests served",
        "0",
        "no requests were served",
    )
    assert check.key == "perf.local_load.min_requests"


@pytest.mark.parametrize(("minimum", "expected"), [(160, S), (161, F)])
def test_minimum_requests_served_edge(minimum: int, expected: Verdict) -> None:
    assert verdict_of(gate(healthy(), min_requests=minimum), "requests served") is expected


@pytest.mark.parametrize(("failures", "expected"), [(0, S), (2, S), (3, F)])
def test_error_rate_edge_at_one_percent(failures: int, expected: Verdict) -> None:
    samples = healthy(n=50)[failures:] + many(Kind.INTERACTIVE, failures, ok=False)
    assert len(samples) == 200  # 2 failures = exactly 1 %
    result = gate(samples)
    assert verdict_of(result, "error rate") is expected
    assert result.verdict is expected


@pytest.mark.parametrize(
    ("kind", "name", "limit", "key"),
    [
        (Kind.INTERACTIVE, "interactive p95", 5000, "perf.thresholds.p95_ms"),
        (Kind.LONG, "long-operation p95", 30000, "perf.thresholds.long_operation_p95_ms"),
        (Kind.REPORT, "report generation p95", 60000, "perf.thresholds.report_generation_p95_ms"),
    ],
)
@pytest.mark.parametrize(("over", "expected"), [(0, S), (1, F)])
def test_each_latency_threshold_edge_names_its_key(
    kind: Kind, name: str, limit: int, key: str, over: int, expected: Verdict
) -> None:
    latency = {Kind.INTERACTIVE: 100.0, Kind.LONG: 100.0, Kind.REPORT: 100.0}
    latency[kind] = limit + over
    result = gate(healthy(latency[Kind.INTERACTIVE], latency[Kind.LONG], latency[Kind.REPORT]))
    (check,) = [c for c in result.checks if c.name == name]
    assert (check.verdict, check.key) == (expected, key)
    assert result.verdict is expected
    if expected is F:
        assert [c.name for c in result.failed] == [name]


def test_the_worse_of_all_and_success_p95_is_judged() -> None:
    slow_successes = many(Kind.INTERACTIVE, 30, ms=6000)
    fast_failures = many(Kind.INTERACTIVE, 70, ms=1, ok=False)
    result = gate(slow_successes + fast_failures + healthy()[40:])
    (check,) = [c for c in result.checks if c.name == "interactive p95"]
    assert check.verdict is F
    assert "6,000 ms successes" in check.measured


@pytest.mark.parametrize(("samples", "expected"), [(19, I), (20, S)])
def test_too_few_samples_is_inconclusive_never_green(samples: int, expected: Verdict) -> None:
    result = gate([*healthy()[:80], *many(Kind.REPORT, samples)], min_requests=1)
    check = next(c for c in result.checks if c.name == "report generation p95")
    assert check.verdict is expected
    assert result.verdict is expected
    if expected is I:
        assert "fewer than 20 samples" in check.note


@pytest.mark.parametrize(
    ("now_ms", "floor", "expected"),
    [
        (120.0, 0, S),  # exactly the 20 % margin
        (121.0, 0, F),
        (121.0, 50, S),  # +21 % but only 21 ms: within the noise floor
        (150.0, 50, S),  # +50 ms is not more than the floor
        (151.0, 50, F),
    ],
)
def test_p95_regression_against_the_baseline(now_ms: float, floor: int, expected: Verdict) -> None:
    policy = BaselinePolicy(regression_margin=0.2, noise_floor_ms=floor)
    result = gate(healthy(interactive_ms=now_ms), base=baseline(rps=10.0), policy=policy)
    check = next(c for c in result.checks if c.name == "interactive p95 vs baseline")
    assert check.verdict is expected
    assert check.key == "perf.baseline.regression_margin"
    assert result.verdict is expected
    if now_ms > 120 and expected is S:
        assert "noise floor" in check.note


@pytest.mark.parametrize(("base_rps", "expected"), [(20.0, S), (20.1, F)])
def test_a_steady_throughput_drop_against_the_baseline(base_rps: float, expected: Verdict) -> None:
    # 160 requests over 10 s, 16 in every 1 s window: no noise, so the point estimate decides.
    result = gate(healthy(), duration_s=10.0, base=baseline(rps=base_rps))
    assert verdict_of(result, "throughput vs baseline") is expected
    assert result.notes == ()
    assert result.baseline is not None


def bursty() -> list[Sample]:
    """10 s alternating 6 and 26 interactive requests a second, plus the other kinds' 12/s:
    windows of 38 and 18 requests, 28 req/s overall."""
    noisy = [
        replace(s, start=s.start + second)
        for second in range(10)
        for s in many(Kind.INTERACTIVE, 26 if second % 2 == 0 else 6, spread_s=0.9)
    ]
    return noisy + healthy()[40:]


@pytest.mark.parametrize(
    ("base_rps", "expected"),
    [
        (40.0, I),  # 28 < 32, but the upper bound (~37) is above it: noise, not a drop
        (50.0, F),  # 28 and even the upper bound are below 40
    ],
)
def test_a_throughput_drop_must_clear_its_confidence_bound(
    base_rps: float, expected: Verdict
) -> None:
    result = gate(bursty(), duration_s=10.0, min_requests=1, base=baseline(rps=base_rps))
    check = next(c for c in result.checks if c.name == "throughput vs baseline")
    assert check.verdict is expected, check
    assert ("not significant" in check.note) is (expected is I)


@pytest.mark.parametrize(
    ("fast", "expected"),
    [
        (0, F),  # 40 samples of 200 ms: the p95's lower bound (200) is far above 120
        (36, I),  # p95 still 200 ms, but its lower bound is 10 ms: cannot tell from noise
    ],
)
def test_a_p95_rise_must_clear_its_confidence_bound(fast: int, expected: Verdict) -> None:
    # Baseline p95 100 ms; +20 % margin = 120 ms; this run's p95 is 200 ms either way.
    interactive = many(Kind.INTERACTIVE, fast, ms=10.0) + many(
        Kind.INTERACTIVE, 40 - fast, ms=200.0
    )
    result = gate(interactive + healthy()[40:], base=baseline(rps=1.0))
    check = next(c for c in result.checks if c.name == "interactive p95 vs baseline")
    assert check.verdict is expected, check
    assert check.note.startswith("+100% (100 ms -> 200 ms)")


def test_a_baseline_with_too_few_samples_cannot_be_compared() -> None:
    result = gate(healthy(), base=baseline(rps=10.0, samples=5))
    assert verdict_of(result, "report generation p95 vs baseline") is I
    assert result.verdict is I


def test_a_generator_at_its_cpu_limit_makes_latency_failures_inconclusive() -> None:
    samples = healthy(interactive_ms=6000)
    result = gate(samples, conditions=Conditions(generator_cpu=0.95))
    assert result.verdict is I
    check = next(c for c in result.checks if c.name == "interactive p95")
    assert (check.verdict, check.downgraded_from) == (I, F)
    assert "load generator was at its CPU limit" in check.note
    assert verdict_of(result, "load generator") is I


@pytest.mark.parametrize(
    ("cpu", "wait", "warning", "limited"),
    [
        (0.89, None, "", False),
        (0.9, None, "", True),
        (0.4, 0.49, "", False),
        (0.4, 0.5, "", True),  # starved on a shared machine: its timings include the wait
        (0.1, None, "CPU usage above 90%!", True),
        (None, None, "", False),
    ],
)
def test_generator_limit_edges(
    cpu: float | None, wait: float | None, warning: str, limited: bool
) -> None:
    conditions = Conditions(generator_cpu=cpu, generator_wait=wait, generator_warning=warning)
    assert conditions.generator_limited is limited


def test_a_starved_generator_is_reported_with_its_wait() -> None:
    result = gate(healthy(), conditions=Conditions(generator_cpu=0.2, generator_wait=0.75))
    check = next(c for c in result.checks if c.name == "load generator")
    assert check.measured == "CPU 20% + waiting for CPU 75% of one core"
    assert result.verdict is I


def test_a_busy_generator_also_excuses_too_few_requests() -> None:
    result = gate(healthy(), min_requests=1000, conditions=Conditions(generator_cpu=0.95))
    check = next(c for c in result.checks if c.name == "requests served")
    assert (check.verdict, check.downgraded_from) == (I, F)


def test_errors_stay_failed_when_only_the_generator_was_busy() -> None:
    samples = healthy() + many(Kind.INTERACTIVE, 10, ok=False)
    result = gate(samples, conditions=Conditions(generator_cpu=0.99))
    assert verdict_of(result, "error rate") is F
    assert result.verdict is F


def test_a_saturated_emulator_makes_every_failure_inconclusive() -> None:
    samples = healthy(interactive_ms=9000) + many(Kind.INTERACTIVE, 10, ok=False)
    conditions = Conditions(
        emulator_saturated="Query at 17/s, ceiling 16/s", emulator_ceiling="16/s"
    )
    result = gate(samples, conditions=conditions)
    assert result.verdict is I
    assert not result.failed
    downgraded = [c.name for c in result.checks if c.downgraded_from is F]
    assert downgraded == ["error rate", "interactive p95"]
    assert verdict_of(result, "local emulator") is I


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], S),
        ([S, S], S),
        ([S, I], I),
        ([I, F], F),
        ([F, Verdict.ERROR, I], Verdict.ERROR),
    ],
)
def test_worst_wins(verdicts: list[Verdict], expected: Verdict) -> None:
    assert worst(verdicts) is expected


@pytest.mark.parametrize(
    ("minimum", "needed"),
    [(1, 1), (10, 1), (19, 1), (20, 2), (21, 2), (100, 6), (399, 20), (400, 21)],
)
def test_slow_samples_that_decide_a_p95_before_the_minimum(minimum: int, needed: int) -> None:
    assert slow_samples_that_decide(minimum) == needed


@pytest.mark.parametrize(("slow", "expected"), [(1, I), (2, F)])
def test_a_limit_already_exceeded_fails_even_with_too_few_samples(
    slow: int, expected: Verdict
) -> None:
    # 5 interactive samples (the minimum is 20): 2 over 5 s decide the p95 at 20 samples.
    samples = [
        *healthy()[40:],
        *many(Kind.INTERACTIVE, 5 - slow),
        *many(Kind.INTERACTIVE, slow, ms=6000),
    ]
    result = gate(samples)
    check = next(c for c in result.checks if c.name == "interactive p95")
    assert check.verdict is expected
    assert result.verdict is expected
    if expected is F:
        assert check.measured == "2 of 5 samples over the limit"
        assert "whatever the other samples were" in check.note

"""The perf gate, pure: measured run + thresholds + baseline + run conditions -> checks and a
verdict (Successful | Failed | Inconclusive | Error; the worst wins, as in argo-rollouts).

Never green by accident: a percentile over too few samples is Inconclusive, and a failure the
run's conditions can explain (the load generator or the local emulator at its limit) becomes
Inconclusive with the reason, never Successful.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from infra.config.perf import BaselinePolicy, PerfThresholds
from infra.perf.journeys import Kind
from infra.perf.measure import RunStats


class Verdict(StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    INCONCLUSIVE = "Inconclusive"
    ERROR = "Error"


_SEVERITY = {Verdict.SUCCESSFUL: 0, Verdict.INCONCLUSIVE: 1, Verdict.FAILED: 2, Verdict.ERROR: 3}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=_SEVERITY.__getitem__, default=Verdict.SUCCESSFUL)


@dataclass(frozen=True)
class Check:
    """One judged quantity: its verdict, what was measured, the limit and the config key that
    sets it. `downgraded_from` keeps a failure the conditions explain visible."""

    name: str
    verdict: Verdict
    measured: str
    limit: str
    key: str = ""
    note: str = ""
    downgraded_from: Verdict | None = None


@dataclass(frozen=True)
class Baseline:
    """The last green run of the same environment and load, as far as the gate compares it."""

    run_id: str
    started_at: datetime
    digest: str
    rps: float
    p95_ms: Mapping[Kind, float | None]  # judged p95 per kind
    samples: Mapping[Kind, int]


@dataclass(frozen=True)
class Conditions:
    """What limited the run besides the app: the load generator's CPU (shares of one core:
    running, and waiting for a CPU on a shared machine) and, on the local target, whether the
    emulator was saturated (the reason) and its ceiling."""

    generator_cpu: float | None = None
    generator_wait: float | None = None
    generator_limit: float = 0.9
    generator_warning: str = ""  # locust's own "CPU usage above 90%" warning, if it logged one
    emulator_saturated: str | None = None
    emulator_ceiling: str = ""

    @property
    def generator_limited(self) -> bool:
        demand = (self.generator_cpu or 0.0) + (self.generator_wait or 0.0)
        return demand >= self.generator_limit or bool(self.generator_warning)


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    checks: tuple[Check, ...]
    baseline: Baseline | None
    notes: tuple[str, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.verdict is Verdict.FAILED)


# (kind, check name, threshold attribute)
LATENCY_LIMITS = (
    (Kind.INTERACTIVE, "interactive p95", "p95_ms"),
    (Kind.LONG, "long-operation p95", "long_operation_p95_ms"),
    (Kind.REPORT, "report generation p95", "report_generation_p95_ms"),
)
KEY = "perf.thresholds."
MARGIN_KEY = "perf.baseline.regression_margin"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def judge(
    stats: RunStats,
    thresholds: PerfThresholds,
    min_requests: int,
    min_requests_key: str,
    policy: BaselinePolicy,
    baseline: Baseline | None,
    conditions: Conditions,
) -> GateResult:
    """Every check, then the conditions' downgrades, then the worst verdict."""
    notes: list[str] = []
    checks = [_served(stats, min_requests, min_requests_key)]
    if stats.overall.requests:
        checks.append(_error_rate(stats, thresholds))
        for kind, name, attribute in LATENCY_LIMITS:
            checks.append(_latency(stats, thresholds, kind, name, attribute))
        if baseline is None:
            notes.append(
                "no baseline yet (no green run with this load profile): judged on the absolute "
                "thresholds only"
            )
        else:
            checks += _against_baseline(stats, thresholds, policy, baseline)
    if conditions.generator_limited:
        checks.append(
            Check(
                "load generator",
                Verdict.INCONCLUSIVE,
                generator_use(conditions),
                f"< {conditions.generator_limit:.0%} of one core",
                note="the generator, not the app, may have limited throughput and inflated "
                "latencies"
                + (
                    f" (locust: {conditions.generator_warning})"
                    if conditions.generator_warning
                    else ""
                ),
            )
        )
    if conditions.emulator_saturated:
        checks.append(
            Check(
                "local emulator",
                Verdict.INCONCLUSIVE,
                "saturated",
                conditions.emulator_ceiling or "not saturated",
                note=conditions.emulator_saturated,
            )
        )
    checks = [_downgrade(check, conditions) for check in checks]
    return GateResult(worst(c.verdict for c in checks), tuple(checks), baseline, tuple(notes))


def generator_use(conditions: Conditions) -> str:
    cpu, wait = conditions.generator_cpu, conditions.generator_wait
    if cpu is None:
        return "CPU not measured"
    waiting = "" if wait is None else f" + waiting for CPU {wait:.0%}"
    return f"CPU {cpu:.0%}{waiting} of one core"


def _served(stats: RunStats, min_requests: int, key: str) -> Check:
    served = stats.overall.requests
    verdict = Verdict.FAILED if served < min_requests else Verdict.SUCCESSFUL
    note = "no requests were served" if served == 0 else ""
    return Check("requests served", verdict, f"{served:,}", f">= {min_requests:,}", key, note)


def _error_rate(stats: RunStats, thresholds: PerfThresholds) -> Check:
    rate = stats.overall.error_rate
    failing = rate > thresholds.error_rate
    return Check(
        "error rate",
        Verdict.FAILED if failing else Verdict.SUCCESSFUL,
        f"{rate:.2%} ({stats.overall.failures:,} of {stats.overall.requests:,})",
        f"<= {thresholds.error_rate:.2%}",
        KEY + "error_rate",
    )


def _latency(
    stats: RunStats, thresholds: PerfThresholds, kind: Kind, name: str, attribute: str
) -> Check:
    measured = stats.kind(kind)
    limit: int = getattr(thresholds, attribute)
    key = KEY + attribute
    p95 = measured.judged_p95_ms
    minimum = thresholds.min_samples
    if measured.requests < minimum or p95 is None:
        over = sum(1 for ms_ in measured.top_ms if ms_ > limit)
        if over >= slow_samples_that_decide(minimum):
            return Check(
                name,
                Verdict.FAILED,
                f"{over} of {measured.requests} samples over the limit",
                f"<= {ms(limit)}",
                key,
                f"fewer than {minimum} samples, but at {minimum} samples the p95 would exceed "
                "the limit whatever the other samples were",
            )
        return Check(
            name,
            Verdict.INCONCLUSIVE,
            f"{measured.requests} samples",
            f"<= {ms(limit)}",
            key,
            f"fewer than {minimum} samples (perf.thresholds.min_samples): too few to judge a p95",
        )
    verdict = Verdict.FAILED if p95 > limit else Verdict.SUCCESSFUL
    shown = f"{ms(measured.p95_ms)} all / {ms(measured.success_p95_ms)} successes"
    return Check(name, verdict, shown, f"<= {ms(limit)}", key, "judged on the worse of the two")


def slow_samples_that_decide(minimum: int) -> int:
    """How many samples over a limit make the nearest-rank p95 of `minimum` samples exceed it
    even if every other sample were fast: more than the 5 % above the p95's rank."""
    return minimum - math.ceil(0.95 * minimum) + 1


def _against_baseline(
    stats: RunStats, thresholds: PerfThresholds, policy: BaselinePolicy, baseline: Baseline
) -> list[Check]:
    margin, floor = policy.regression_margin, policy.noise_floor_ms
    checks = []
    for kind, name, _ in LATENCY_LIMITS:
        measured = stats.kind(kind)
        now, before = measured.judged_p95_ms, baseline.p95_ms.get(kind)
        samples = min(measured.requests, baseline.samples.get(kind, 0))
        label = f"{name} vs baseline"
        if now is None or before is None or samples < thresholds.min_samples:
            why = "too few samples in this run or the baseline to compare"
            checks.append(Check(label, Verdict.INCONCLUSIVE, ms(now), "-", MARGIN_KEY, why))
            continue
        ceiling = before * (1 + margin)
        verdict, note = _p95_change(now, measured.judged_p95_low_ms, before, ceiling, floor)
        limit = f"<= {ms(before)} +{margin:.0%}"
        checks.append(Check(label, verdict, ms(now), limit, MARGIN_KEY, note))
    checks.append(_throughput(stats, baseline, margin))
    return checks


def _p95_change(
    now: float, low: float | None, before: float, ceiling: float, floor: int
) -> tuple[Verdict, str]:
    """A regression fails only when it is real: above the margin, above the noise floor, and
    with the p95's 95 % lower confidence bound above the margin too; a rise the samples
    cannot tell from noise is Inconclusive (never a pass, never a regression)."""
    note = f"{now / before - 1:+.0%} ({ms(before)} -> {ms(now)})" if before > 0 else ""
    if now <= ceiling:
        return Verdict.SUCCESSFUL, note
    if now - before <= floor:
        return (
            Verdict.SUCCESSFUL,
            f"{note}; within the {floor} ms noise floor (perf.baseline.noise_floor_ms)",
        )
    if low is None or low <= ceiling:
        bound = "not computable" if low is None else ms(low)
        return Verdict.INCONCLUSIVE, (
            f"{note}; not significant: the p95's 95 % lower bound is {bound}; rerun, or run "
            "longer for more samples"
        )
    return Verdict.FAILED, f"{note}; 95 % lower bound {ms(low)}"


def _throughput(stats: RunStats, baseline: Baseline, margin: float) -> Check:
    """Failed when even the throughput's upper confidence bound dropped below the margin."""
    floor = baseline.rps * (1 - margin)
    change = f"{stats.rps / baseline.rps - 1:+.0%}" if baseline.rps > 0 else ""
    if stats.rps >= floor:
        verdict, note = Verdict.SUCCESSFUL, change
    elif stats.rps_high >= floor:
        verdict = Verdict.INCONCLUSIVE
        note = f"{change}; not significant: the upper bound is {stats.rps_high:.1f} req/s"
    else:
        verdict = Verdict.FAILED
        note = f"{change}; upper bound {stats.rps_high:.1f} req/s"
    return Check(
        "throughput vs baseline",
        verdict,
        f"{stats.rps:.1f} req/s",
        f">= {baseline.rps:.1f} req/s -{margin:.0%}",
        MARGIN_KEY,
        note,
    )


# What a starved generator distorts: the latencies it times and the load it manages to send.
_GENERATOR_SENSITIVE = ("p95", "throughput", "requests served")


def _downgrade(check: Check, conditions: Conditions) -> Check:
    """A failure the conditions explain is Inconclusive (the reason is kept), never a pass."""
    if check.verdict is not Verdict.FAILED:
        return check
    if conditions.emulator_saturated:
        why = f"the local emulator was saturated ({conditions.emulator_saturated})"
    elif conditions.generator_limited and any(w in check.name for w in _GENERATOR_SENSITIVE):
        why = "the load generator was at its CPU limit"
    else:
        return check
    note = f"{check.note}; " if check.note else ""
    return replace(
        check,
        verdict=Verdict.INCONCLUSIVE,
        downgraded_from=Verdict.FAILED,
        note=f"{note}would fail, but {why}",
    )

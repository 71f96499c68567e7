"""Analysis as pure functions: a reading becomes a measurement (judged against its limit), the
measurements of one series (metric x source) become a metric phase, and the worst metric phase
is the run's. Modelled on argo-rollouts' analysis with two deliberate differences: the order is
Error > Failed > Inconclusive > Successful (the team contract), and a series that has no
Successful measurement when its count is reached is Inconclusive, never Successful.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from infra.config.rollout import MetricName
from infra.rollout.plan import Check, Template


class Phase(StrEnum):
    RUNNING = "Running"  # a series or run that still needs measurements
    SUCCESSFUL = "Successful"
    INCONCLUSIVE = "Inconclusive"
    FAILED = "Failed"
    ERROR = "Error"


_ORDER = (Phase.RUNNING, Phase.SUCCESSFUL, Phase.INCONCLUSIVE, Phase.FAILED, Phase.ERROR)
# Metrics judged per request: too few requests in the interval cannot be judged.
SAMPLED = frozenset({MetricName.ERROR_RATE, MetricName.P95_LATENCY_MS})


def worst(phases: Iterable[Phase]) -> Phase:
    """Error > Failed > Inconclusive > Successful > Running; Successful for no phases."""
    return max(phases, key=_ORDER.index, default=Phase.SUCCESSFUL)


@dataclass(frozen=True)
class Reading:
    """What a provider saw over one interval (value None: nothing to compute it from)."""

    metric: MetricName
    value: float | None
    sample_size: int | None = None  # requests or calls behind the value; None: not per-request
    detail: str = ""
    conclusive: bool = False  # judge even below min_requests (e.g. the canary server is down)


@dataclass(frozen=True)
class Measurement:
    """A judged reading of one series at one time, as stored in the rollout record."""

    step: int
    metric: MetricName
    source: str
    phase: Phase
    value: float | None
    limit: float
    sample_size: int | None
    at: datetime
    detail: str = ""

    @property
    def series(self) -> tuple[MetricName, str]:
        return (self.metric, self.source)


def judge(reading: Reading, check: Check, min_requests: int) -> tuple[Phase, str]:
    """One reading against its limit; the reason when it is not Successful."""
    value, sample = reading.value, reading.sample_size
    if value is None:
        return Phase.INCONCLUSIVE, reading.detail or "no data"
    breach = value > check.limit if check.metric.rolls_back_above else value < check.limit
    if check.metric in SAMPLED and (sample or 0) < min_requests and not reading.conclusive:
        if check.metric is MetricName.ERROR_RATE and sample:
            # Even if the missing requests had all succeeded, the rate would breach the limit.
            best_case = value * sample / min_requests
            if best_case > check.limit:
                return Phase.FAILED, (
                    f"{round(value * sample)} errors in {sample} requests exceed the limit even "
                    f"at {min_requests} requests"
                )
        return Phase.INCONCLUSIVE, f"{sample or 0} requests, fewer than {min_requests} to judge"
    if check.metric is MetricName.PROBE_SUCCESS_RATE and not sample:
        return Phase.INCONCLUSIVE, "no probe calls were made"
    if breach:
        side = "above" if check.metric.rolls_back_above else "below"
        return Phase.FAILED, f"{value:g} is {side} the limit {check.limit:g}"
    return Phase.SUCCESSFUL, ""


@dataclass(frozen=True)
class SeriesResult:
    metric: MetricName
    source: str
    phase: Phase
    message: str
    measurements: tuple[Measurement, ...]

    @property
    def cause(self) -> tuple[Measurement, ...]:
        """The measurements that made this series fail, error or stay inconclusive."""
        bad = {
            Phase.FAILED: {Phase.FAILED},
            Phase.ERROR: {Phase.ERROR},
            Phase.INCONCLUSIVE: {Phase.INCONCLUSIVE},
        }.get(self.phase, set())
        return tuple(m for m in self.measurements if m.phase in bad)


def assess_series(
    measurements: Sequence[Measurement], template: Template, count: int
) -> tuple[Phase, str]:
    """The phase of one series after its measurements so far (argo's limits: a limit of N
    tolerates N; N + 1 decides)."""
    failed = sum(m.phase is Phase.FAILED for m in measurements)
    inconclusive = sum(m.phase is Phase.INCONCLUSIVE for m in measurements)
    successful = sum(m.phase is Phase.SUCCESSFUL for m in measurements)
    consecutive_errors = 0
    for m in reversed(measurements):
        if m.phase is not Phase.ERROR:
            break
        consecutive_errors += 1
    if consecutive_errors > template.consecutive_error_limit:
        return Phase.ERROR, (
            f"{consecutive_errors} consecutive errors > consecutive_error_limit "
            f"{template.consecutive_error_limit}"
        )
    if failed > template.failure_limit:
        return Phase.FAILED, f"{failed} failed > failure_limit {template.failure_limit}"
    if inconclusive > template.inconclusive_limit:
        return Phase.INCONCLUSIVE, (
            f"{inconclusive} inconclusive > inconclusive_limit {template.inconclusive_limit}"
        )
    if len(measurements) >= count:
        if successful == 0:
            return Phase.INCONCLUSIVE, f"no successful measurement in {len(measurements)}"
        return Phase.SUCCESSFUL, ""
    return Phase.RUNNING, ""


@dataclass(frozen=True)
class Assessment:
    """The run's phase; the series that decided it when it is not Successful/Running."""

    phase: Phase
    series: tuple[SeriesResult, ...]

    @property
    def deciding(self) -> tuple[SeriesResult, ...]:
        if self.phase in (Phase.RUNNING, Phase.SUCCESSFUL):
            return ()
        return tuple(s for s in self.series if s.phase is self.phase)

    @property
    def message(self) -> str:
        return "; ".join(f"{s.metric.value} ({s.source}): {s.message}" for s in self.deciding)

    @property
    def cause(self) -> tuple[Measurement, ...]:
        return tuple(m for s in self.deciding for m in s.cause)


def assess(
    measurements: Sequence[Measurement],
    series: Sequence[tuple[MetricName, str]],
    template: Template,
    count: int,
) -> Assessment:
    """The run over `series` (every one expected): the worst completed verdict ends the run
    early (Failed, Error or Inconclusive); Successful once every series is."""
    results = []
    for metric, source in series:
        own = tuple(m for m in measurements if m.series == (metric, source))
        phase, message = assess_series(own, template, count)
        results.append(SeriesResult(metric, source, phase, message, own))
    decided = [r.phase for r in results if r.phase not in (Phase.RUNNING, Phase.SUCCESSFUL)]
    if decided:
        return Assessment(worst(decided), tuple(results))
    if any(r.phase is Phase.RUNNING for r in results):
        return Assessment(Phase.RUNNING, tuple(results))
    return Assessment(Phase.SUCCESSFUL, tuple(results))

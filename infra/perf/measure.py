"""Samples -> what the gate, the report and the capacity report read: latency percentiles over
all requests and over successes, failures by status, per operation kind, and per time window."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from infra.perf.journeys import Kind, kind_of
from infra.perf.samples import Sample, latencies, percentile, percentile_lower_bound


@dataclass(frozen=True)
class LatencyStats:
    """Requests, failures and percentiles (ms) of a set of requests; percentiles of all
    requests and of the successful ones are both kept (a fast failure must not hide a slow
    success, nor the reverse)."""

    requests: int
    failures: int
    mean_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    success_p50_ms: float | None
    success_p95_ms: float | None
    success_p99_ms: float | None
    top_ms: tuple[float, ...] = ()  # the slowest requests, slowest first (at most TOP)
    # 95 % lower confidence bounds of the two p95s: a baseline regression must clear them.
    p95_low_ms: float | None = None
    success_p95_low_ms: float | None = None

    @property
    def successes(self) -> int:
        return self.requests - self.failures

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def judged_p95_ms(self) -> float | None:
        """The worse of the two p95s: the value the gate holds against a threshold."""
        values = [v for v in (self.p95_ms, self.success_p95_ms) if v is not None]
        return max(values) if values else None

    @property
    def judged_p95_low_ms(self) -> float | None:
        """The lower confidence bound of the judged p95 (None: too few samples to bound it)."""
        values = [v for v in (self.p95_low_ms, self.success_p95_low_ms) if v is not None]
        return max(values) if values else None


EMPTY = LatencyStats(0, 0, None, None, None, None, None, None, None, None)
# Enough of the slowest latencies to decide a p95 limit on fewer samples than the minimum
# (gate.slow_samples_that_decide), for minimums below 400 samples.
TOP = 20
CONFIDENCE = 0.95  # of the bounds a baseline comparison must clear (one-sided)


def latency_stats(samples: Sequence[Sample]) -> LatencyStats:
    if not samples:
        return EMPTY
    every, good = latencies(samples), latencies(samples, successes_only=True)
    return LatencyStats(
        requests=len(samples),
        failures=sum(1 for s in samples if not s.ok),
        mean_ms=sum(every) / len(every),
        p50_ms=percentile(every, 50),
        p95_ms=percentile(every, 95),
        p99_ms=percentile(every, 99),
        max_ms=max(every),
        success_p50_ms=percentile(good, 50),
        success_p95_ms=percentile(good, 95),
        success_p99_ms=percentile(good, 99),
        top_ms=tuple(sorted(every, reverse=True)[:TOP]),
        p95_low_ms=percentile_lower_bound(every, 95, CONFIDENCE),
        success_p95_low_ms=percentile_lower_bound(good, 95, CONFIDENCE),
    )


@dataclass(frozen=True)
class Window:
    """One time slice of the run (offset from the first request, seconds)."""

    offset_s: float
    requests: int
    failures: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    interactive_p95_ms: float | None
    users: int

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class RunStats:
    """The measured run: its wall duration (generator start to stop), overall and per-kind
    and per-name stats, failures by status ("0" = no response), peak users, time windows."""

    duration_s: float
    overall: LatencyStats
    by_kind: Mapping[Kind, LatencyStats]
    by_name: Mapping[str, LatencyStats]
    failures_by_status: Mapping[str, int]
    peak_users: int
    windows: tuple[Window, ...] = field(default=())
    window_s: float = 5.0

    @property
    def rps(self) -> float:
        return self.overall.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def rps_high(self) -> float:
        """An upper confidence bound of the throughput: the mean rate over the full windows
        (the last is partial) plus z x its standard error; `rps` when there are too few."""
        rates = [w.rps for w in self.windows[:-1]]
        if len(rates) < 3:
            return self.rps
        z = NormalDist().inv_cdf(CONFIDENCE)
        return statistics.fmean(rates) + z * statistics.stdev(rates) / math.sqrt(len(rates))

    def kind(self, kind: Kind) -> LatencyStats:
        return self.by_kind.get(kind, EMPTY)


def window_length(duration_s: float) -> float:
    """About 20 windows per run, each 1-30 s long (whole seconds)."""
    return float(min(30, max(1, round(duration_s / 20))))


def measure(samples: Sequence[Sample], duration_s: float) -> RunStats:
    """Stats of the judged requests (names the journeys know; seeding excluded)."""
    judged: list[Sample] = []
    by_kind: dict[Kind, list[Sample]] = {kind: [] for kind in Kind}
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        kind = kind_of(sample.name)
        if kind is None:
            continue
        judged.append(sample)
        by_kind[kind].append(sample)
        by_name.setdefault(sample.name, []).append(sample)
    failures = Counter(str(s.status) for s in judged if not s.ok)
    window_s = window_length(duration_s)
    return RunStats(
        duration_s=duration_s,
        overall=latency_stats(judged),
        by_kind={kind: latency_stats(group) for kind, group in by_kind.items()},
        by_name={name: latency_stats(group) for name, group in sorted(by_name.items())},
        failures_by_status=dict(sorted(failures.items())),
        peak_users=max((s.users for s in judged), default=0),
        windows=windows(judged, window_s),
        window_s=window_s,
    )


def windows(samples: Sequence[Sample], window_s: float) -> tuple[Window, ...]:
    """Consecutive windows from the first request's start; empty windows are kept (a stall
    is part of the picture)."""
    if not samples:
        return ()
    first = min(s.start for s in samples)
    buckets: dict[int, list[Sample]] = {}
    for sample in samples:
        buckets.setdefault(int((sample.start - first) // window_s), []).append(sample)
    result: list[Window] = []
    for index in range(max(buckets) + 1):
        group = buckets.get(index, [])
        interactive = [s.ms for s in group if kind_of(s.name) is Kind.INTERACTIVE]
        every = latencies(group)
        result.append(
            Window(
                offset_s=index * window_s,
                requests=len(group),
                failures=sum(1 for s in group if not s.ok),
                rps=len(group) / window_s,
                p50_ms=percentile(every, 50),
                p95_ms=percentile(every, 95),
                interactive_p95_ms=percentile(interactive, 95),
                # A window without requests (a stall) still had the users of the one before.
                users=max((s.users for s in group), default=result[-1].users if result else 0),
            )
        )
    return tuple(result)

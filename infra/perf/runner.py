"""Drive one load run: start the generator, report progress (users, rps, p95 so far) while it
runs, stop it if it overruns, and hand back every sample with the generator's CPU use."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from infra.clock import Clock
from infra.perf.errors import GeneratorFailed
from infra.perf.journeys import kind_of
from infra.perf.locust_process import STOP_TIMEOUT_S, CpuUse, GeneratorRun, LoadGenerator
from infra.perf.samples import Sample, SampleTail

Emit = Callable[[str], None]
START_GRACE_S = 30.0  # locust's own start-up, and the users' last requests


@dataclass(frozen=True)
class Driven:
    """The raw result: every sample, the measured duration, the generator's CPU shares of one
    core (running, waiting for CPU), its CPU warning, and whether we had to stop it."""

    samples: tuple[Sample, ...]
    duration_s: float
    generator_cpu: float | None
    generator_wait: float | None
    generator_warning: str
    overran: bool


class CpuWindow:
    """The generator's CPU shares (of one core) while it was loading, its start-up excluded:
    running, and waiting on a run queue (a starved generator times its own wait)."""

    def __init__(self) -> None:
        self.first: tuple[float, CpuUse] | None = None
        self.last: tuple[float, CpuUse] | None = None

    def add(self, elapsed_s: float, use: CpuUse | None) -> None:
        if use is None:
            return
        if self.first is None:
            self.first = (elapsed_s, use)
        self.last = (elapsed_s, use)

    def shares(self) -> tuple[float | None, float | None]:
        """(running, waiting) shares; None where not measured."""
        if self.first is None or self.last is None or self.last[0] <= self.first[0]:
            return None, None
        (t0, a), (t1, b) = self.first, self.last
        span = t1 - t0
        wait = None
        if a.wait_s is not None and b.wait_s is not None:
            wait = (b.wait_s - a.wait_s) / span
        return (b.run_s - a.run_s) / span, wait


class Progress:
    """Running totals for the progress line (percentile over everything seen so far)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failures = 0
        self.users = 0
        self.first: float | None = None
        self.last: float | None = None

    def add(self, samples: list[Sample]) -> None:
        for sample in samples:
            if kind_of(sample.name) is None:
                continue
            bisect.insort(self.latencies, sample.ms)
            self.failures += 0 if sample.ok else 1
            self.users = sample.users
            self.first = sample.start if self.first is None else min(self.first, sample.start)
            self.last = sample.start if self.last is None else max(self.last, sample.start)

    def line(self, label: str, elapsed_s: float, planned_s: int, users: int) -> str:
        count = len(self.latencies)
        if not count:
            return f"{label}: {elapsed_s:4.0f}/{planned_s} s, waiting for the first requests"
        span = (self.last or 0) - (self.first or 0)
        rps = count / span if span > 0 else 0.0
        p95 = self.latencies[max(0, -(-95 * count // 100) - 1)]
        return (
            f"{label}: {elapsed_s:4.0f}/{planned_s} s  users {self.users}/{users}  "
            f"{rps:6.1f} req/s  p95 so far {p95:,.0f} ms  failures {self.failures} "
            f"({self.failures / count:.1%}) of {count}"
        )


def drive(
    generator: LoadGenerator,
    run: GeneratorRun,
    clock: Clock,
    emit: Emit,
    interval_s: float,
    label: str,
) -> Driven:
    """Run the load to its end (or stop it past its time plus grace); progress every interval."""
    planned = run.profile.duration_s
    tail = SampleTail(run.samples_file)
    progress = Progress()
    samples: list[Sample] = []
    started = clock.now()
    running = generator.start(run)
    overran = False
    cpu = CpuWindow()
    while running.poll() is None:
        clock.sleep(interval_s)
        fresh = tail.read_new()
        samples += fresh
        progress.add(fresh)
        elapsed = (clock.now() - started).total_seconds()
        if samples:  # the load is on: its CPU share is measured from here
            cpu.add(elapsed, running.cpu_use())
        emit(progress.line(label, elapsed, planned, run.profile.users))
        if elapsed > planned + STOP_TIMEOUT_S + START_GRACE_S:
            overran = True
            emit(f"{label}: still running {elapsed:.0f} s into a {planned} s run; stopping it")
            running.stop()
            break
    ended = running.wait()
    run_share, wait_share = cpu.shares()
    wall = (clock.now() - started).total_seconds()
    samples += tail.read_new()
    if ended.code != 0 and not overran:
        raise GeneratorFailed(
            f"locust exited with code {ended.code} before judging anything: see {run.log_file}"
        )
    return Driven(
        samples=tuple(samples),
        duration_s=measured_duration(samples, wall),
        generator_cpu=run_share or (ended.cpu_s / wall if wall > 0 else None),
        generator_wait=wait_share,
        generator_warning=ended.warning,
        overran=overran,
    )


def measured_duration(samples: list[Sample], wall_s: float) -> float:
    """First request's start to last request's end; the wall time when there is no span."""
    judged = [s for s in samples if kind_of(s.name) is not None]
    if len(judged) < 2:
        return wall_s
    span = max(s.start + s.ms / 1000 for s in judged) - min(s.start for s in judged)
    return span if span > 0 else wall_s

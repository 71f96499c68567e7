"""Builders shared by the perf tests: samples, stats, thresholds, a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.config.perf import BaselinePolicy, LoadProfile, PerfThresholds
from infra.perf import journeys as j
from infra.perf.gate import Baseline
from infra.perf.journeys import Kind
from infra.perf.locust_process import CpuUse, GeneratorExit, GeneratorRun
from infra.perf.samples import Sample, format_sample, header_line

T0 = 1_800_000_000.0
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
NAME_OF = {
    Kind.INTERACTIVE: j.GET_SITE,
    Kind.LONG: j.SUMMARY,
    Kind.REPORT: j.CREATE_REPORT,
    Kind.AUTH: j.ANONYMOUS,
}

THRESHOLDS = PerfThresholds(
    p95_ms=5000,
    long_operation_p95_ms=30000,
    report_generation_p95_ms=60000,
    error_rate=0.01,
    min_samples=20,
)
POLICY = BaselinePolicy(regression_margin=0.2, noise_floor_ms=50)
PROFILE = LoadProfile(
    users=4, spawn_rate_per_s=4, duration_s=10, wait_min_s=0, wait_max_s=0, sites=2, min_requests=10
)


def sample(
    kind: Kind = Kind.INTERACTIVE,
    ms: float = 100.0,
    ok: bool = True,
    status: int | None = None,
    at: float = 0.0,
    users: int = 4,
) -> Sample:
    code = status if status is not None else (200 if ok else 503)
    return Sample(T0 + at, NAME_OF[kind], code, ok, ms, users)


def many(
    kind: Kind,
    count: int,
    ms: float = 100.0,
    ok: bool = True,
    spread_s: float = 10.0,
    status: int | None = None,
) -> list[Sample]:
    """`count` samples spread evenly over `spread_s` seconds."""
    return [sample(kind, ms, ok, status, at=i * spread_s / max(count, 1)) for i in range(count)]


def baseline(
    rps: float = 10.0,
    interactive: float = 100.0,
    long: float = 100.0,
    report: float = 100.0,
    samples: int = 100,
) -> Baseline:
    return Baseline(
        run_id="base1",
        started_at=NOW - timedelta(days=1),
        digest="b" * 64,
        rps=rps,
        p95_ms={Kind.INTERACTIVE: interactive, Kind.LONG: long, Kind.REPORT: report},
        samples={Kind.INTERACTIVE: samples, Kind.LONG: samples, Kind.REPORT: samples},
    )


class FakeClock:
    """Time that passes only when slept on."""

    def __init__(self, start: datetime = NOW) -> None:
        self.moment = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)


class FakeLoad:
    """A generator run that writes one chunk of samples per poll, then exits with `code`."""

    def __init__(
        self,
        path: Path,
        chunks: list[list[Sample]],
        code: int,
        cpu_s: float,
        warning: str,
        never_ends: bool,
        cpu_per_poll: tuple[float, float] | None = None,
    ) -> None:
        self.path = path
        self.chunks = list(chunks)
        self.code = code
        self.cpu_s = cpu_s
        self.warning = warning
        self.never_ends = never_ends
        self.stopped = False
        self.cpu_per_poll = cpu_per_poll
        self.cpu_reads = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header_line())

    def poll(self) -> int | None:
        if self.chunks:
            with self.path.open("a") as handle:
                handle.writelines(format_sample(s) for s in self.chunks.pop(0))
            return None
        if self.never_ends and not self.stopped:
            return None
        return self.code

    def stop(self) -> None:
        self.stopped = True

    def cpu_use(self) -> CpuUse | None:
        """Each read: `cpu_per_poll` more (run, wait) seconds."""
        if self.cpu_per_poll is None:
            return None
        self.cpu_reads += 1
        run, wait = self.cpu_per_poll
        return CpuUse(run * self.cpu_reads, wait * self.cpu_reads)

    def wait(self) -> GeneratorExit:
        return GeneratorExit(self.code, self.cpu_s, self.warning)


class FakeGenerator:
    """LoadGenerator that replays samples; remembers the runs it was asked for."""

    def __init__(
        self,
        chunks: list[list[Sample]],
        code: int = 0,
        cpu_s: float = 1.0,
        warning: str = "",
        never_ends: bool = False,
        cpu_per_poll: tuple[float, float] | None = None,
    ) -> None:
        self.cpu_per_poll = cpu_per_poll
        self.chunks = chunks
        self.code = code
        self.cpu_s = cpu_s
        self.warning = warning
        self.never_ends = never_ends
        self.runs: list[GeneratorRun] = []
        self.load: FakeLoad | None = None

    def start(self, run: GeneratorRun) -> FakeLoad:
        self.runs.append(run)
        self.load = FakeLoad(
            run.samples_file,
            self.chunks,
            self.code,
            self.cpu_s,
            self.warning,
            self.never_ends,
            self.cpu_per_poll,
        )
        return self.load

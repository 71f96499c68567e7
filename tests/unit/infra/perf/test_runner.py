"""Driving the load: progress lines while it runs, the measured duration, the generator's CPU,
an overrunning generator stopped, a crashed one reported (with a fake generator and clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.perf.errors import GeneratorFailed
from infra.perf.journeys import Kind
from infra.perf.locust_process import GeneratorRun
from infra.perf.runner import Progress, drive, measured_duration
from tests.unit.infra.perf.support import PROFILE, FakeClock, FakeGenerator, many, sample


def run_in(tmp_path: Path) -> GeneratorRun:
    return GeneratorRun("http://api.test", PROFILE, ("s1",), "tok", tmp_path)


def test_progress_is_reported_every_interval_with_users_rps_p95_and_failures(
    tmp_path: Path,
) -> None:
    chunks = [
        [],
        [sample(at=0.0, ms=100, users=2), sample(at=1.0, ms=300, users=4)],
        [sample(at=2.0, ok=False, users=4)],
    ]
    clock, lines = FakeClock(), []
    driven = drive(
        FakeGenerator(chunks, cpu_s=3.0), run_in(tmp_path), clock, lines.append, 5.0, "perf staging"
    )
    assert clock.slept == [5.0, 5.0, 5.0]
    assert lines[0] == "perf staging:    5/10 s, waiting for the first requests"
    assert lines[1] == (
        "perf staging:   10/10 s  users 4/4     2.0 req/s  p95 so far 300 ms  failures 0 "
        "(0.0%) of 2"
    )
    assert "failures 1 (33.3%) of 3" in lines[2]
    assert len(driven.samples) == 3
    assert driven.generator_cpu == pytest.approx(3.0 / 15.0)
    assert not driven.overran


def test_an_overrunning_generator_is_stopped_and_judged_on_what_it_did(tmp_path: Path) -> None:
    generator = FakeGenerator([many(Kind.INTERACTIVE, 3)], never_ends=True)
    lines: list[str] = []
    driven = drive(generator, run_in(tmp_path), FakeClock(), lines.append, 10.0, "perf dev")
    assert generator.load is not None
    assert generator.load.stopped
    assert driven.overran
    assert "still running 50 s into a 10 s run; stopping it" in lines[-1]
    assert len(driven.samples) == 3


def test_a_crashed_generator_is_an_error_pointing_at_its_log(tmp_path: Path) -> None:
    with pytest.raises(GeneratorFailed, match=r"locust exited with code 2 .*locust\.log"):
        drive(FakeGenerator([[]], code=2), run_in(tmp_path), FakeClock(), print, 1.0, "perf")


def test_duration_is_the_span_of_the_requests_else_the_wall_time() -> None:
    samples = [sample(at=0.0, ms=500), sample(at=9.0, ms=1000)]
    assert measured_duration(samples, 42.0) == pytest.approx(10.0)
    assert measured_duration([sample()], 42.0) == 42.0


def test_progress_ignores_set_up_requests() -> None:
    progress = Progress()
    progress.add([sample(Kind.INTERACTIVE)])
    assert len(progress.latencies) == 1


def test_generator_cpu_is_measured_while_it_loads_not_during_its_start_up(
    tmp_path: Path,
) -> None:
    # Polls every 2 s; each read reports 0.5 s more running and 1 s more waiting for CPU.
    chunks = [[], [], many(Kind.INTERACTIVE, 2), many(Kind.INTERACTIVE, 2), []]
    generator = FakeGenerator(chunks, cpu_s=100.0, cpu_per_poll=(0.5, 1.0))
    driven = drive(generator, run_in(tmp_path), FakeClock(), print, 2.0, "perf")
    assert driven.generator_cpu == pytest.approx(0.25)
    assert driven.generator_wait == pytest.approx(0.5)


def test_without_readable_cpu_the_share_falls_back_to_the_whole_run(tmp_path: Path) -> None:
    generator = FakeGenerator([many(Kind.INTERACTIVE, 2), []], cpu_s=3.0)
    driven = drive(generator, run_in(tmp_path), FakeClock(), print, 2.0, "perf")
    assert driven.generator_cpu == pytest.approx(3.0 / 4.0)  # two polls of 2 s
    assert driven.generator_wait is None

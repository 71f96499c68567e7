"""Measurements: all-request and success-only percentiles side by side, failures by status,
kinds, windows; seeding requests and unknown names are not judged."""

from __future__ import annotations

from infra.perf import journeys as j
from infra.perf.journeys import Kind
from infra.perf.measure import EMPTY, measure, window_length
from infra.perf.samples import Sample
from tests.unit.infra.perf.support import T0, many, sample


def test_no_samples_measure_as_empty_without_dividing_by_zero() -> None:
    stats = measure([], 10.0)
    assert stats.overall == EMPTY
    assert stats.overall.error_rate == 0.0
    assert stats.rps == 0.0
    assert stats.windows == ()
    assert measure([], 0.0).rps == 0.0


def test_fast_failures_cannot_hide_slow_successes() -> None:
    slow_ok = many(Kind.INTERACTIVE, 50, ms=900)
    fast_fail = many(Kind.INTERACTIVE, 50, ms=5, ok=False)
    stats = measure(slow_ok + fast_fail, 10.0).kind(Kind.INTERACTIVE)
    assert (stats.requests, stats.failures, stats.successes) == (100, 50, 50)
    assert stats.p95_ms == 900
    assert stats.p50_ms == 5  # half the requests were fast failures
    assert stats.success_p50_ms == 900
    assert stats.judged_p95_ms == 900
    assert stats.error_rate == 0.5


def test_slow_failures_count_in_the_all_requests_percentiles() -> None:
    ok = many(Kind.LONG, 95, ms=100)
    timeouts = many(Kind.LONG, 5, ms=30_000, ok=False, status=0)
    stats = measure(ok + timeouts, 10.0)
    assert stats.kind(Kind.LONG).p99_ms == 30_000
    assert stats.kind(Kind.LONG).success_p99_ms == 100
    assert stats.kind(Kind.LONG).judged_p95_ms == 100
    assert stats.failures_by_status == {"0": 5}


def test_kinds_names_rates_and_peak_users() -> None:
    samples = [
        *many(Kind.INTERACTIVE, 10),
        *many(Kind.REPORT, 4, ms=2000),
        sample(Kind.AUTH, status=401),
        Sample(T0, j.SEED, 200, True, 1.0, 0),  # set-up: not judged
        Sample(T0, "GET /somewhere/else", 500, False, 1.0, 9),  # unknown: not judged
        sample(Kind.INTERACTIVE, ok=False, status=503, users=7),
    ]
    stats = measure(samples, 8.0)
    assert stats.overall.requests == 16
    assert stats.rps == 2.0
    assert stats.kind(Kind.REPORT).p95_ms == 2000
    assert stats.kind(Kind.AUTH).requests == 1
    assert set(stats.by_name) == {j.GET_SITE, j.CREATE_REPORT, j.ANONYMOUS}
    assert stats.failures_by_status == {"503": 1}
    assert stats.peak_users == 7


def test_windows_keep_empty_stretches_and_count_per_window() -> None:
    samples = [sample(at=0.1), sample(at=0.2, ok=False), sample(at=4.5, ms=300)]
    stats = measure(samples, 5.0)
    assert stats.window_s == 1.0
    assert [w.requests for w in stats.windows] == [2, 0, 0, 0, 1]
    assert stats.windows[0].failures == 1
    assert stats.windows[0].error_rate == 0.5
    assert stats.windows[1].p95_ms is None
    assert stats.windows[4].interactive_p95_ms == 300
    assert stats.windows[4].offset_s == 4.0
    assert [w.users for w in stats.windows] == [4, 4, 4, 4, 4]  # a stall keeps its users


def test_window_length_is_about_a_twentieth_of_the_run() -> None:
    assert [window_length(d) for d in (5, 45, 60, 300, 3600)] == [1, 2, 3, 15, 30]

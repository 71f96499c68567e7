"""The capacity report: load sustained within the SLO, concurrency by Little's law, DynamoDB
units from the request mix, and each setting flagged ok / tight / exceeded at its edges."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import load_environment
from infra.config.capacity import AutoScaling, TableCapacity
from infra.config.model import ApiConfig, EnvironmentConfig, FunctionConfig
from infra.perf import journeys as j
from infra.perf.capacity import (
    Status,
    capacity_report,
    render,
    sustained_at_slo,
    units_per_request,
    within_slo,
)
from infra.perf.journeys import Kind
from infra.perf.measure import RunStats, Window, measure
from infra.perf.samples import Sample
from tests.unit.infra.perf.support import T0, THRESHOLDS, many


def window(rps: float, p95: float | None = 100.0, failures: int = 0, requests: int = 10) -> Window:
    return Window(0.0, requests, failures, rps, 100.0, p95, p95, 4)


def stats_with(windows: list[Window], window_s: float = 5.0, duration_s: float = 60.0) -> RunStats:
    base = measure(many(Kind.INTERACTIVE, 10), duration_s)
    return RunStats(
        base.duration_s,
        base.overall,
        base.by_kind,
        base.by_name,
        base.failures_by_status,
        4,
        tuple(windows),
        window_s,
    )


@pytest.mark.parametrize(
    ("w", "ok"),
    [
        (window(10, p95=5000), True),
        (window(10, p95=5001), False),
        (window(10, p95=None), True),  # no interactive request in it: judged on errors only
        (window(10, failures=0, requests=100), True),
        (window(10, failures=1, requests=100), True),  # exactly 1 %
        (window(10, failures=2, requests=100), False),
        (window(0, requests=0), False),  # a stall never counts as sustained
    ],
)
def test_a_window_holds_the_slo(w: Window, ok: bool) -> None:
    assert within_slo(w, THRESHOLDS) is ok


def test_sustained_is_the_best_span_that_held_the_slo_throughout() -> None:
    # 60 s run, 5 s windows: spans of 30 s = 6 windows; the last (partial) window is ignored.
    rates = [10, 12, 12, 12, 12, 12, 12, 5, 99]
    rps, seconds, how = sustained_at_slo(stats_with([window(r) for r in rates]), THRESHOLDS)
    assert (rps, seconds) == (12.0, 30.0)
    assert "every 5 s window held the SLO" in how


def test_one_slow_window_breaks_a_span() -> None:
    slow = window(20, p95=9000)
    windows = [window(20), slow, window(20), slow, window(20), window(1)]
    rps, seconds, how = sustained_at_slo(
        stats_with(windows, window_s=10.0, duration_s=40.0), THRESHOLDS
    )
    assert (rps, seconds) == (0.0, 20.0)
    assert how == "the SLO did not hold for 20 s at any point of the run"


def test_no_requests_sustain_nothing() -> None:
    assert sustained_at_slo(measure([], 10.0), THRESHOLDS)[0] == 0.0


def test_units_per_request_follow_the_mix() -> None:
    samples = [
        Sample(T0, j.INGEST_BATCH, 200, True, 10, 1),
        Sample(T0, j.GET_SITE, 200, True, 10, 1),
    ]
    reads, writes = units_per_request(measure(samples, 1.0))
    assert (reads, writes) == (1.0, j.BATCH_SIZE / 2)
    assert units_per_request(measure([], 1.0)) == (0.0, 0.0)


def steady(rps: float, latency_ms: float) -> RunStats:
    """A 60 s run at `rps`, every request taking `latency_ms`."""
    count = int(rps * 60)
    return measure(many(Kind.INTERACTIVE, count, ms=latency_ms, spread_s=60.0), 60.0)


def settings(**changes: Any) -> EnvironmentConfig:
    return load_environment("staging").model_copy(update=changes)


@pytest.mark.parametrize(
    ("reserved", "status"),
    [(10, Status.OK), (9, Status.TIGHT), (7, Status.EXCEEDED)],
)
def test_reserved_concurrency_against_littles_law(reserved: int, status: Status) -> None:
    # 20 rps x 0.4 s = 8 concurrent executions (the p95 is the same here: 8).
    report = capacity_report(
        steady(20, 400),
        "staging",
        settings(function=FunctionConfig(reserved_concurrency=reserved)),
        THRESHOLDS,
    )
    assert report.concurrency_mean == pytest.approx(8.0, rel=0.1)
    finding = report.findings[0]
    assert finding.setting == "function.reserved_concurrency"
    expected = Status.OK if report.concurrency_p95 <= reserved else status
    assert finding.status is expected


def test_provisioned_concurrency_below_the_load_means_cold_starts() -> None:
    config = settings(function=FunctionConfig(reserved_concurrency=100, provisioned_concurrency=2))
    report = capacity_report(steady(20, 400), "staging", config, THRESHOLDS)
    (provisioned,) = [f for f in report.findings if f.setting == "function.provisioned_concurrency"]
    assert provisioned.status is Status.EXCEEDED
    assert "cold" in provisioned.note


def test_api_throttle_and_table_caps_are_flagged() -> None:
    config = settings(
        api=ApiConfig(throttle_rate_per_s=5, throttle_burst=10),
        data_table=TableCapacity(max_read_request_units=3),
    )
    report = capacity_report(steady(20, 50), "staging", config, THRESHOLDS)
    status = {f.setting: f.status for f in report.findings}
    assert status["api.throttle_rate_per_s"] is Status.EXCEEDED
    assert status["data_table.max_read_request_units"] is Status.EXCEEDED  # 20 GetItem/s
    assert status["data_table (write)"] is Status.OK
    assert {f.setting for f in report.exceeded} == {
        "api.throttle_rate_per_s",
        "data_table.max_read_request_units",
    }
    text = render(report)
    assert "**Exceeded:** `api.throttle_rate_per_s`, `data_table.max_read_request_units`" in text


@pytest.mark.parametrize(
    ("max_units", "status"), [(30, Status.OK), (25, Status.TIGHT), (19, Status.EXCEEDED)]
)
def test_provisioned_table_against_its_autoscaling_ceiling(max_units: int, status: Status) -> None:
    scaling = AutoScaling(min_units=1, max_units=max_units, target_utilization_percent=70)
    config = settings(
        data_table=TableCapacity(billing_mode="provisioned", read=scaling, write=scaling)
    )
    report = capacity_report(steady(20, 50), "staging", config, THRESHOLDS)  # ~20 RCU/s
    (read,) = [f for f in report.findings if f.setting == "data_table.read.max_units"]
    assert read.status is status


def test_the_report_states_requests_per_minute_within_the_slo() -> None:
    report = capacity_report(steady(20, 50), "staging", load_environment("prod"), THRESHOLDS)
    text = render(report)
    assert text.startswith("### Capacity: prod settings vs the perf run of staging")
    assert "= 1,200 requests/min**" in text
    assert "| `function.reserved_concurrency` | 100 |" in text
    assert not report.exceeded

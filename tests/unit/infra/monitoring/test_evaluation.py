"""CloudWatch's alarm semantics, table-tested: M of N, missing-data treatments, periods,
metric math, statistics and composite rules."""

from __future__ import annotations

import pytest

from infra.monitoring.evaluation import (
    decide,
    evaluate_alarm,
    evaluate_composite,
    query_value,
    rule_holds,
    windows,
)
from infra.monitoring.model import (
    AlarmIs,
    AlarmStateValue,
    AllOf,
    AnyOf,
    Comparison,
    CompositeAlarm,
    Metric,
    MetricAlarm,
    MissingData,
    Not,
    Ratio,
    Runbook,
    Single,
    Total,
    render_rule,
)
from infra.monitoring.samples import MetricKey, MetricStore, Sample, percentile, statistic
from infra.monitoring.severity import Severity

OK, ALARM, INSUFFICIENT = (
    AlarmStateValue.OK,
    AlarmStateValue.ALARM,
    AlarmStateValue.INSUFFICIENT_DATA,
)
X, O, _ = True, False, None  # breaching, not breaching, missing  # noqa: E741
M = MissingData


@pytest.mark.parametrize(
    ("points", "to_alarm", "missing", "previous", "expected"),
    [
        # all present: M of N
        ((O, O, O), 3, M.MISSING, OK, OK),
        ((X, X, O), 3, M.MISSING, OK, OK),
        ((X, X, X), 3, M.MISSING, OK, ALARM),
        ((X, O, X, O, X), 3, M.MISSING, OK, ALARM),  # exactly M of N
        ((X, O, X, O, O), 3, M.MISSING, OK, OK),  # one below M
        # nothing present
        ((_, _, _), 3, M.MISSING, ALARM, INSUFFICIENT),
        ((_, _, _), 3, M.IGNORE, ALARM, ALARM),
        ((_, _, _), 3, M.IGNORE, OK, OK),
        ((_, _, _), 3, M.BREACHING, OK, ALARM),
        ((_, _, _), 3, M.NOT_BREACHING, ALARM, OK),
        # some missing, fewer present than M: judged on what is present
        ((_, _, X), 3, M.MISSING, OK, ALARM),
        ((_, O, X), 3, M.MISSING, OK, OK),
        ((_, _, X), 3, M.IGNORE, OK, ALARM),
        ((_, _, X), 3, M.NOT_BREACHING, OK, OK),
        ((_, X, X), 3, M.BREACHING, OK, ALARM),
        ((_, O, X), 3, M.BREACHING, OK, OK),  # 2 breaching (one filled) < 3
        # some missing, at least M present
        ((_, X, X, X, O), 3, M.MISSING, OK, ALARM),
        ((_, X, X, O, O), 3, M.MISSING, OK, OK),
        ((_, _, X, X, O), 2, M.NOT_BREACHING, OK, ALARM),
    ],
)
def test_decide(
    points: tuple[bool | None, ...],
    to_alarm: int,
    missing: MissingData,
    previous: AlarmStateValue,
    expected: AlarmStateValue,
) -> None:
    assert decide(points, to_alarm, missing, previous) is expected


def test_windows_end_at_now_oldest_first() -> None:
    assert windows(1000.0, 60, 3) == [(820.0, 880.0), (880.0, 940.0), (940.0, 1000.0)]


@pytest.mark.parametrize(
    ("stat", "values", "expected"),
    [
        ("Sum", [1, 2, 3], 6),
        ("Average", [1, 2, 3], 2),
        ("Minimum", [4, 2, 3], 2),
        ("Maximum", [4, 2, 3], 4),
        ("SampleCount", [4, 2, 3], 3),
        ("p50", [1, 2, 3, 4], 2),
        ("p95", list(range(1, 101)), 95),
        ("p100", [5, 1], 5),
        ("Sum", [], None),
        ("p95", [], None),
    ],
)
def test_statistics(stat: str, values: list[float], expected: float | None) -> None:
    assert statistic(stat, values) == expected


@pytest.mark.parametrize("bad", ["Median", "p0", "p101"])
def test_unknown_statistics_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"statistic|percentile"):
        statistic(bad, [1.0])


def test_percentile_nearest_rank_edges() -> None:
    assert percentile(1, [3, 1, 2]) == 1
    assert percentile(99.9, [3, 1, 2]) == 3


ERRORS = Metric("NS", "errors", (("service", "s"),), "Sum")
REQUESTS = Metric("NS", "requests", (("service", "s"),), "Sum")


def store_of(*samples: tuple[Metric, float, float]) -> MetricStore:
    store = MetricStore()
    store.add(Sample(MetricKey.of(m), at, v) for m, at, v in samples)
    return store


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([(ERRORS, 10, 1), (REQUESTS, 10, 4)], 25.0),
        ([(ERRORS, 10, 0), (REQUESTS, 10, 4)], 0.0),
        ([(ERRORS, 10, 0), (REQUESTS, 10, 0)], None),  # division by zero: no datapoint
        ([(REQUESTS, 10, 4)], None),  # numerator absent: no datapoint (metric math)
        ([(ERRORS, 99, 1), (REQUESTS, 99, 4)], None),  # outside [0, 60)
    ],
)
def test_ratio(samples: list[tuple[Metric, float, float]], expected: float | None) -> None:
    query = Ratio(ERRORS, REQUESTS, 100.0, "%")
    assert query_value(query, store_of(*samples), 0, 60) == expected


def test_total_counts_present_members_only() -> None:
    query = Total((ERRORS, REQUESTS), "both")
    assert query_value(query, store_of((ERRORS, 1, 2)), 0, 60) == 2
    assert query_value(query, store_of(), 0, 60) is None


def alarm(missing: MissingData = M.NOT_BREACHING, threshold: float = 5.0) -> MetricAlarm:
    return MetricAlarm(
        key="k",
        name="k",
        severity=Severity.P0,
        summary="s",
        query=Ratio(ERRORS, REQUESTS, 100.0, "%"),
        period_s=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        threshold=threshold,
        comparison=Comparison.GT,
        missing_data=missing,
        runbook=Runbook("api", "k"),
    )


def test_error_rate_alarm_fires_when_three_of_five_minutes_breach() -> None:
    now = 300.0
    samples = []
    for minute, (errors, requests) in enumerate([(0, 10), (1, 10), (1, 10), (0, 10), (2, 10)]):
        samples += [(ERRORS, minute * 60 + 1, errors), (REQUESTS, minute * 60 + 1, requests)]
    result = evaluate_alarm(alarm(), store_of(*samples), now)
    assert result.datapoints == (0.0, 10.0, 10.0, 0.0, 20.0)
    assert result.state is ALARM
    assert "3 of last 5 x 60s" in result.reason


def test_exactly_at_the_threshold_does_not_breach_greater_than() -> None:
    samples = [(ERRORS, m * 60 + 1, 1) for m in range(5)] + [
        (REQUESTS, m * 60 + 1, 20) for m in range(5)
    ]
    assert evaluate_alarm(alarm(threshold=5.0), store_of(*samples), 300.0).state is OK
    assert evaluate_alarm(alarm(threshold=4.99), store_of(*samples), 300.0).state is ALARM


@pytest.mark.parametrize(
    ("missing", "previous", "expected"),
    [
        (M.MISSING, OK, INSUFFICIENT),
        (M.NOT_BREACHING, ALARM, OK),
        (M.BREACHING, OK, ALARM),
        (M.IGNORE, ALARM, ALARM),
    ],
)
def test_no_metrics_at_all_follow_the_missing_data_setting(
    missing: MissingData, previous: AlarmStateValue, expected: AlarmStateValue
) -> None:
    result = evaluate_alarm(alarm(missing), MetricStore(), 300.0, previous)
    assert result.state is expected
    assert "no datapoint of NS errors, NS requests received" in result.reason


def test_placeholders_resolve_dimensions() -> None:
    metric = Metric("NS", "n", (("ApiId", "${HttpApi}"),), "Sum")
    single = MetricAlarm(
        "k", "k", Severity.P1, "s", Single(metric), 60, 1, 1, 0, Comparison.GT,
        M.MISSING, Runbook("p", "k"),
    )  # fmt: skip
    store = store_of((Metric("NS", "n", (("ApiId", "local"),), "Sum"), 250, 3))
    assert evaluate_alarm(single, store, 300.0, placeholders={"HttpApi": "local"}).state is ALARM
    assert evaluate_alarm(single, store, 300.0).state is INSUFFICIENT


STATES = {"a": ALARM, "b": OK, "c": INSUFFICIENT}


@pytest.mark.parametrize(
    ("rule", "holds"),
    [
        (AlarmIs("a"), True),
        (AlarmIs("b"), False),
        (AlarmIs("unknown"), False),
        (AlarmIs("c", INSUFFICIENT), True),
        (AlarmIs("b", OK), True),
        (AnyOf((AlarmIs("a"), AlarmIs("b"))), True),
        (AnyOf((AlarmIs("b"), AlarmIs("c"))), False),
        (AllOf((AlarmIs("a"), AlarmIs("b"))), False),
        (AllOf((AlarmIs("a"), Not(AlarmIs("b")))), True),
        (Not(AnyOf((AlarmIs("a"),))), False),
    ],
)
def test_composite_rules(rule: AllOf | AnyOf | AlarmIs | Not, holds: bool) -> None:
    assert rule_holds(rule, STATES) is holds


def test_rules_render_as_cloudwatch_alarm_rules() -> None:
    rule = AllOf((AlarmIs("a"), Not(AnyOf((AlarmIs("b", OK), AlarmIs("c"))))))
    assert render_rule(rule) == '(ALARM("a") AND NOT ((OK("b") OR ALARM("c"))))'


def test_composite_names_its_firing_children() -> None:
    composite = CompositeAlarm(
        "h", "h", Severity.P0, "s", AnyOf((AlarmIs("a"), AlarmIs("b"))), Runbook("p", "h")
    )
    fired = evaluate_composite(composite, STATES)
    assert (fired.state, fired.reason) == (ALARM, "rule holds; children in ALARM: a")
    calm = evaluate_composite(composite, {"a": OK, "b": OK})
    assert (calm.state, calm.reason) == (OK, "rule does not hold; no child in ALARM")


def test_store_keeps_out_of_order_samples_sorted() -> None:
    store = store_of((ERRORS, 30, 3), (ERRORS, 10, 1), (ERRORS, 20, 2))
    assert store.values(MetricKey.of(ERRORS), 0, 25) == [1, 2]


def test_old_samples_are_dropped() -> None:
    store = store_of((ERRORS, 10, 1), (ERRORS, 20, 2), (ERRORS, 30, 3))
    store.drop_before(20)
    assert store.values(MetricKey.of(ERRORS), 0, 100) == [2, 3]

"""Analysis tables: each limit, and the edge on each side of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout.analysis import Measurement, Phase, Reading, assess, assess_series, judge, worst
from infra.rollout.plan import Check, Template
from tests.unit.infra.rollout.conftest import TEMPLATE
from tests.unit.infra.rollout.fakes import T0

ERR = Check(MetricName.ERROR_RATE, 0.05)
P95 = Check(MetricName.P95_LATENCY_MS, 10_000.0)
PROBE = Check(MetricName.PROBE_SUCCESS_RATE, 0.8)
ALARMS = Check(MetricName.P0_ALARMS, 0.0)


@pytest.mark.parametrize(
    ("check", "value", "sample", "conclusive", "phase"),
    [
        # error rate > 5 % fails; exactly 5 % passes
        (ERR, 0.0, 100, False, Phase.SUCCESSFUL),
        (ERR, 0.05, 100, False, Phase.SUCCESSFUL),
        (ERR, 0.0501, 100, False, Phase.FAILED),
        # too little traffic: inconclusive, never successful (min_requests 10)
        (ERR, 0.0, 9, False, Phase.INCONCLUSIVE),
        (ERR, 0.0, 10, False, Phase.SUCCESSFUL),
        (ERR, 0.0, 0, False, Phase.INCONCLUSIVE),
        (ERR, None, 0, False, Phase.INCONCLUSIVE),
        # ...unless the errors already breach at min_requests: 1 of 9 = 1/10 > 5 %
        (ERR, 1 / 9, 9, False, Phase.FAILED),
        (ERR, 1 / 9, 9, True, Phase.FAILED),
        # a canary server down counts however few requests it had
        (ERR, 1.0, 0, True, Phase.FAILED),
        # p95 > 10 s fails; exactly 10 s passes
        (P95, 9_999.0, 50, False, Phase.SUCCESSFUL),
        (P95, 10_000.0, 50, False, Phase.SUCCESSFUL),
        (P95, 10_000.1, 50, False, Phase.FAILED),
        (P95, 60_000.0, 9, False, Phase.INCONCLUSIVE),
        (P95, None, 0, False, Phase.INCONCLUSIVE),
        # probe success < 80 % fails; exactly 80 % passes; no sample size rule but calls needed
        (PROBE, 0.8, 5, False, Phase.SUCCESSFUL),
        (PROBE, 0.7999, 5, False, Phase.FAILED),
        (PROBE, 1.0, 3, False, Phase.SUCCESSFUL),
        (PROBE, 2 / 3, 3, False, Phase.FAILED),
        (PROBE, 0.0, 3, False, Phase.FAILED),
        (PROBE, 1.0, 0, False, Phase.INCONCLUSIVE),
        # any P0 alarm fails
        (ALARMS, 0.0, None, True, Phase.SUCCESSFUL),
        (ALARMS, 1.0, None, True, Phase.FAILED),
    ],
)
def test_judge(
    check: Check, value: float | None, sample: int | None, conclusive: bool, phase: Phase
) -> None:
    reading = Reading(check.metric, value, sample, "", conclusive)
    assert judge(reading, check, min_requests=10)[0] is phase


def test_judge_says_why() -> None:
    assert judge(Reading(MetricName.ERROR_RATE, 0.0, 3), ERR, 10)[1] == (
        "3 requests, fewer than 10 to judge"
    )
    assert judge(Reading(MetricName.ERROR_RATE, 0.2, 100), ERR, 10)[1] == (
        "0.2 is above the limit 0.05"
    )
    assert (
        "below the limit 0.8" in judge(Reading(MetricName.PROBE_SUCCESS_RATE, 0.5, 2), PROBE, 10)[1]
    )


def series(*phases: Phase) -> list[Measurement]:
    return [
        Measurement(1, MetricName.ERROR_RATE, "emf", p, 0.0, 0.05, 100, T0 + timedelta(minutes=i))
        for i, p in enumerate(phases)
    ]


S, F, N, E = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR
LIMITS = replace(TEMPLATE, failure_limit=1, inconclusive_limit=1, consecutive_error_limit=1)


@pytest.mark.parametrize(
    ("phases", "count", "expected"),
    [
        ((), 3, Phase.RUNNING),
        ((S,), 3, Phase.RUNNING),
        ((S, S, S), 3, Phase.SUCCESSFUL),
        ((S, S, S, S), 3, Phase.SUCCESSFUL),
        # failure_limit 1: one failure tolerated, the second decides
        ((F,), 3, Phase.RUNNING),
        ((F, S, S), 3, Phase.SUCCESSFUL),
        ((F, F), 3, Phase.FAILED),
        # inconclusive_limit 1
        ((N, S, S), 3, Phase.SUCCESSFUL),
        ((N, N), 3, Phase.INCONCLUSIVE),
        # consecutive_error_limit 1: errors must be consecutive
        ((E,), 3, Phase.RUNNING),
        ((E, E), 3, Phase.ERROR),
        ((E, S, E), 3, Phase.SUCCESSFUL),
        ((E, S, E, E), 5, Phase.ERROR),
        # count reached without one successful measurement: inconclusive, never successful
        ((N, E, F), 3, Phase.INCONCLUSIVE),
        ((E, N), 2, Phase.INCONCLUSIVE),
        # worst wins within a series: Error > Failed > Inconclusive
        ((F, F, N, N, E, E), 9, Phase.ERROR),
        ((F, N, N, F), 9, Phase.FAILED),
    ],
)
def test_assess_series(phases: tuple[Phase, ...], count: int, expected: Phase) -> None:
    assert assess_series(series(*phases), LIMITS, count)[0] is expected


@pytest.mark.parametrize(
    ("failure_limit", "failures", "expected"),
    [(0, 0, Phase.RUNNING), (0, 1, Phase.FAILED), (2, 2, Phase.RUNNING), (2, 3, Phase.FAILED)],
)
def test_failure_limit_edges(failure_limit: int, failures: int, expected: Phase) -> None:
    template = replace(TEMPLATE, failure_limit=failure_limit)
    assert assess_series(series(*[F] * failures), template, 10)[0] is expected


@pytest.mark.parametrize(
    ("limit", "errors", "expected"),
    [(0, 1, Phase.ERROR), (2, 2, Phase.RUNNING), (2, 3, Phase.ERROR)],
)
def test_consecutive_error_limit_edges(limit: int, errors: int, expected: Phase) -> None:
    template = replace(TEMPLATE, consecutive_error_limit=limit)
    assert assess_series(series(*[E] * errors), template, 10)[0] is expected


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ((), Phase.SUCCESSFUL),
        ((Phase.RUNNING, Phase.SUCCESSFUL), Phase.SUCCESSFUL),  # completed beats running
        ((Phase.SUCCESSFUL, Phase.INCONCLUSIVE), Phase.INCONCLUSIVE),
        ((Phase.INCONCLUSIVE, Phase.FAILED), Phase.FAILED),
        ((Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE), Phase.ERROR),
    ],
)
def test_worst_wins(phases: tuple[Phase, ...], expected: Phase) -> None:
    assert worst(phases) is expected


def test_a_run_ends_early_with_the_worst_decided_series() -> None:
    emf = series(S, F)
    probe = [replace(m, metric=MetricName.PROBE_SUCCESS_RATE, source="probe") for m in series(S, S)]
    alarms = [
        replace(m, metric=MetricName.P0_ALARMS, source="alarms", phase=E) for m in series(E, E, E)
    ]
    expected = [
        (MetricName.ERROR_RATE, "emf"),
        (MetricName.PROBE_SUCCESS_RATE, "probe"),
        (MetricName.P0_ALARMS, "alarms"),
    ]
    result = assess([*emf, *probe, *alarms], expected, TEMPLATE, count=10)
    assert result.phase is Phase.ERROR  # Error beats Failed
    assert result.message == "p0_alarms (alarms): 3 consecutive errors > consecutive_error_limit 2"
    assert len(result.cause) == 3


def test_a_run_is_running_until_every_expected_series_has_its_count() -> None:
    expected = [(MetricName.ERROR_RATE, "emf"), (MetricName.ERROR_RATE, "router")]
    only_emf = series(S, S, S)
    assert assess(only_emf, expected, TEMPLATE, 3).phase is Phase.RUNNING
    router = [replace(m, source="router") for m in series(S, S, S)]
    assert assess([*only_emf, *router], expected, TEMPLATE, 3).phase is Phase.SUCCESSFUL


def test_an_inconclusive_series_pauses_the_run_even_when_others_succeed() -> None:
    template: Template = replace(TEMPLATE, inconclusive_limit=0)
    expected = [(MetricName.ERROR_RATE, "emf")]
    result = assess(series(S, N), expected, template, 5)
    assert result.phase is Phase.INCONCLUSIVE
    assert "1 inconclusive > inconclusive_limit 0" in result.message

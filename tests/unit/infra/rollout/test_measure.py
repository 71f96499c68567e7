"""A measurement round: every provider read once, each reading judged; a provider that raises
yields Error for each of its metrics; a template metric nobody measures is a plan error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout.analysis import Phase, Reading
from infra.rollout.errors import PlanInvalid
from infra.rollout.measure import expected_series, measure
from infra.rollout.providers.base import Window
from tests.unit.infra.rollout.conftest import TEMPLATE, every_metric
from tests.unit.infra.rollout.fakes import T0, FakeProvider

WINDOW = Window(T0, T0 + timedelta(minutes=1), "2", "1")


def test_every_template_metric_from_every_provider_that_has_it() -> None:
    providers = [*every_metric(), FakeProvider("router", frozenset({MetricName.ERROR_RATE}))]
    assert expected_series(TEMPLATE, providers) == (
        (MetricName.ERROR_RATE, "emf"),
        (MetricName.ERROR_RATE, "router"),
        (MetricName.P95_LATENCY_MS, "emf"),
        (MetricName.PROBE_SUCCESS_RATE, "probe"),
        (MetricName.P0_ALARMS, "alarms"),
    )


def test_a_metric_without_a_provider_is_a_plan_error() -> None:
    with pytest.raises(PlanInvalid, match=r"checks p0_alarms but no metrics provider .* measures"):
        expected_series(TEMPLATE, every_metric()[:2])


def test_readings_are_judged_and_stamped() -> None:
    taken = measure(3, TEMPLATE, every_metric(), WINDOW, WINDOW.end)
    assert {(m.metric, m.source, m.phase) for m in taken} == {
        (MetricName.ERROR_RATE, "emf", Phase.SUCCESSFUL),
        (MetricName.P95_LATENCY_MS, "emf", Phase.SUCCESSFUL),
        (MetricName.PROBE_SUCCESS_RATE, "probe", Phase.SUCCESSFUL),
        (MetricName.P0_ALARMS, "alarms", Phase.SUCCESSFUL),
    }
    assert {m.step for m in taken} == {3} and {m.at for m in taken} == {WINDOW.end}


def test_a_provider_that_raises_is_an_error_for_each_of_its_metrics() -> None:
    providers = every_metric()
    providers[0].down = True
    taken = measure(1, TEMPLATE, providers, WINDOW, WINDOW.end)
    errors = [m for m in taken if m.phase is Phase.ERROR]
    assert [(m.metric, m.source) for m in errors] == [
        (MetricName.ERROR_RATE, "emf"),
        (MetricName.P95_LATENCY_MS, "emf"),
    ]
    assert errors[0].detail == (
        "emf unavailable: ConnectionError: metrics endpoint refused the connection"
    )
    assert sum(m.phase is Phase.SUCCESSFUL for m in taken) == 2


def test_a_metric_the_provider_left_out_is_inconclusive() -> None:
    only_errors = FakeProvider(script=lambda w: [Reading(MetricName.ERROR_RATE, 0.0, 50)])
    taken = measure(1, TEMPLATE, [only_errors], WINDOW, WINDOW.end)
    p95 = next(m for m in taken if m.metric is MetricName.P95_LATENCY_MS)
    assert (p95.phase, p95.detail) == (Phase.INCONCLUSIVE, "provider returned no value")


def test_the_window_is_what_the_provider_sees() -> None:
    provider = FakeProvider()
    measure(1, TEMPLATE, [provider], WINDOW, WINDOW.end)
    assert provider.windows == [WINDOW]

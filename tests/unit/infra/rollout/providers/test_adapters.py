"""The port-backed providers: EMF by version, Lambda metrics, alarm states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout.providers.alarms import AlarmsProvider
from infra.rollout.providers.base import Window
from infra.rollout.providers.lambda_metrics import LambdaMetricsProvider, LambdaTraffic
from infra.rollout.providers.version_metrics import EmfProvider, VersionTraffic
from tests.unit.infra.rollout.fakes import T0

WINDOW = Window(T0, T0 + timedelta(minutes=1), "7", "6")


class Versions:
    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime, datetime]] = []

    def traffic(self, version: str, start: datetime, end: datetime) -> VersionTraffic:
        self.asked.append((version, start, end))
        return VersionTraffic(200, 4, 850.0)


def test_emf_reads_the_app_version_not_the_lambda_version() -> None:
    port = Versions()
    readings = EmfProvider(port, "1.4.0+abc").read(WINDOW)
    assert port.asked == [("1.4.0+abc", WINDOW.start, WINDOW.end)]
    by_metric = {r.metric: r for r in readings}
    assert by_metric[MetricName.ERROR_RATE].value == pytest.approx(0.02)
    assert by_metric[MetricName.P95_LATENCY_MS].value == 850.0
    assert by_metric[MetricName.P95_LATENCY_MS].sample_size == 200


class Lambdas:
    def traffic(self, function: str, version: str, start: datetime, end: datetime) -> LambdaTraffic:
        assert (function, version) == ("energy-insights-prod-api", "7")
        return LambdaTraffic(0, 0, None)


def test_lambda_metrics_without_invocations_have_no_values() -> None:
    readings = LambdaMetricsProvider(Lambdas(), "energy-insights-prod-api", "7").read(WINDOW)
    assert [(r.metric, r.value, r.sample_size) for r in readings] == [
        (MetricName.ERROR_RATE, None, 0),
        (MetricName.P95_LATENCY_MS, None, 0),
    ]


@dataclass(frozen=True)
class Alarm:
    name: str
    severity: str
    state: str
    reason: str = ""


class Alarms:
    def __init__(self, *states: Alarm) -> None:
        self._states = states

    def states(self, env: str) -> tuple[Alarm, ...]:
        assert env == "prod"
        return self._states


@pytest.mark.parametrize(
    ("states", "firing"),
    [
        ((), 0.0),
        ((Alarm("5xx", "P0", "OK"), Alarm("latency", "P1", "ALARM")), 0.0),
        ((Alarm("5xx", "P0", "INSUFFICIENT_DATA"),), 0.0),
        ((Alarm("5xx", "P0", "ALARM", "3 of 3 datapoints"), Alarm("burn", "P0", "ALARM")), 2.0),
    ],
)
def test_p0_alarms_in_alarm_are_counted(states: tuple[Alarm, ...], firing: float) -> None:
    (reading,) = AlarmsProvider(Alarms(*states), "prod").read(WINDOW)
    assert (reading.metric, reading.value, reading.conclusive) == (
        MetricName.P0_ALARMS,
        firing,
        True,
    )
    if firing:
        assert "5xx: 3 of 3 datapoints" in reading.detail

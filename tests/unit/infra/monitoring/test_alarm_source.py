"""`alarms` rows and the rollout's P0 criterion over alarm states."""

from __future__ import annotations

from infra.monitoring.alarm_source import AlarmState, alarm_rows, any_p0_in_alarm, render_rows
from infra.monitoring.model import AlarmStateValue as S
from infra.monitoring.severity import Severity as P


def state(name: str, severity: P, value: S) -> AlarmState:
    return AlarmState(name, severity, value, f"{name} reason", None)


def test_rows_put_the_most_urgent_first() -> None:
    states = [
        state("c", P.P2, S.ALARM),
        state("b", P.P0, S.OK),
        state("a", P.P0, S.ALARM),
        state("d", P.P0, S.INSUFFICIENT_DATA),
    ]
    assert [row[2] for row in alarm_rows(states)] == ["a", "d", "b", "c"]
    assert render_rows(states)[0] == "P0  ALARM              a  a reason"
    assert render_rows([]) == ["no alarms"]


def test_only_a_p0_in_alarm_fails_a_rollout() -> None:
    assert not any_p0_in_alarm([state("x", P.P1, S.ALARM), state("y", P.P0, S.OK)])
    assert not any_p0_in_alarm([state("y", P.P0, S.INSUFFICIENT_DATA)])
    assert any_p0_in_alarm([state("y", P.P0, S.ALARM)])

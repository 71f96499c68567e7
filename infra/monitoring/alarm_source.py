"""Alarm states through one interface on both targets: `AlarmSource.states(env)`. On AWS they
come from CloudWatch (DescribeAlarms); locally from our evaluator (`local_source`). The
`alarms` command prints `alarm_rows`; the rollout's analysis asks `any_p0_in_alarm`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from infra.aws.clients import AwsClients
from infra.aws.cloudwatch import AlarmDescription, CloudWatchAlarms
from infra.monitoring.model import AlarmStateValue, Catalog
from infra.monitoring.severity import ALARM_SEVERITIES, Severity

_SEVERITY_TAG = re.compile(r"^\[(P[0-3])\b")
_STATE_ORDER = {
    AlarmStateValue.ALARM: 0,
    AlarmStateValue.INSUFFICIENT_DATA: 1,
    AlarmStateValue.OK: 2,
}


@dataclass(frozen=True)
class AlarmState:
    name: str
    severity: Severity
    state: AlarmStateValue
    reason: str
    updated_at: datetime | None


class AlarmSource(Protocol):
    def states(self, env: str) -> tuple[AlarmState, ...]: ...


def any_p0_in_alarm(states: Sequence[AlarmState]) -> bool:
    """The rollout's rollback criterion: some P0 alarm is in ALARM."""
    return any(s.severity is Severity.P0 and s.state is AlarmStateValue.ALARM for s in states)


def alarm_rows(states: Sequence[AlarmState]) -> list[tuple[str, str, str, str]]:
    """(severity, state, name, reason) rows, most urgent first: by severity, then ALARM first."""
    rank = {s: i for i, s in enumerate((*ALARM_SEVERITIES, Severity.INFO))}
    ordered = sorted(states, key=lambda s: (rank[s.severity], _STATE_ORDER[s.state], s.name))
    return [(s.severity.value, s.state.value, s.name, s.reason) for s in ordered]


def render_rows(states: Sequence[AlarmState]) -> list[str]:
    """Aligned text lines for `./pipeline alarms --env E`."""
    rows = alarm_rows(states)
    if not rows:
        return ["no alarms"]
    width = max(len(name) for _, _, name, _ in rows)
    return [f"{sev}  {state:<17}  {name:<{width}}  {reason}" for sev, state, name, reason in rows]


class AwsAlarmSource:
    """States from CloudWatch for the catalog's alarms; one that does not exist is reported
    as INSUFFICIENT_DATA saying so (never silently dropped)."""

    def __init__(self, clients: AwsClients, catalog_for: Callable[[str], Catalog]) -> None:
        self._alarms = CloudWatchAlarms(clients)
        self._catalog_for = catalog_for

    def states(self, env: str) -> tuple[AlarmState, ...]:
        catalog = self._catalog_for(env)
        found = {d.name: d for d in self._alarms.describe(catalog.names)}
        return tuple(_state(catalog, name, found.get(name)) for name in catalog.names)


def _state(catalog: Catalog, name: str, found: AlarmDescription | None) -> AlarmState:
    severity = catalog.severity_of(name) or Severity.INFO
    if found is None:
        return AlarmState(
            name,
            severity,
            AlarmStateValue.INSUFFICIENT_DATA,
            "does not exist in CloudWatch: deploy the stack (or create it) first",
            None,
        )
    tag = _SEVERITY_TAG.match(found.description)
    if tag and severity is Severity.INFO:
        severity = Severity(tag.group(1))
    return AlarmState(name, severity, AlarmStateValue(found.state), found.reason, found.updated_at)

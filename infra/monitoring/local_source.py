"""Alarm states on the local target: the catalog evaluated by our own code over what the
local apps emit (the emulator stores alarms but never evaluates them, and has no composite
alarms). State changes of alarms with actions go to the environment's Notifier (a sink file).

Its feeds (what the apps printed, the router's counters) are in `local_feeds`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from infra.clock import Clock
from infra.monitoring.alarm_source import AlarmState
from infra.monitoring.evaluation import Evaluation, evaluate_catalog
from infra.monitoring.local_feeds import (
    AppLogSource,
    LinesSource,
    LocalFeeds,
    LogReader,
    MetricSource,
    RouterStatsSource,
    ServedAppFeeds,
)
from infra.monitoring.local_metrics import (
    API_NAMESPACE,
    PLACEHOLDERS,
    LocalInputs,
    LocalMetrics,
    has_local_source,
)
from infra.monitoring.model import AlarmStateValue, Catalog, query_metrics
from infra.monitoring.notify import Notification, Notifier
from infra.targets.local_state import LOCAL_DIR

__all__ = [  # with the feeds, importable from here too
    "MONITORING_DIR",
    "AppLogSource",
    "LinesSource",
    "LocalAlarmSource",
    "LocalFeeds",
    "LogReader",
    "MetricSource",
    "RouterStatsSource",
    "ServedAppFeeds",
    "local_alarm_source",
]

STATE_CHANGED = "alarm.state_changed"
# Under a repository: the local evaluator's states, its sink and dead letters, per environment.
MONITORING_DIR = LOCAL_DIR / "monitoring"


@dataclass(frozen=True)
class StoredState:
    state: AlarmStateValue
    updated_at: datetime


class StateFile:
    """The last computed states per environment, so changes (and only changes) notify."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def load(self, env: str) -> dict[str, StoredState]:
        path = self._directory / f"{env}-alarm-states.json"
        if not path.is_file():
            return {}
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: StoredState(AlarmStateValue(v["state"]), datetime.fromisoformat(v["updated_at"]))
            for name, v in raw.items()
        }

    def save(self, env: str, states: Mapping[str, StoredState]) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        data = {
            n: {"state": s.state.value, "updated_at": s.updated_at.isoformat()}
            for n, s in sorted(states.items())
        }
        path = self._directory / f"{env}-alarm-states.json"
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


class LocalAlarmSource:
    """`AlarmSource` of the local target: evaluate, notify changes, remember states."""

    def __init__(
        self,
        catalog_for: Callable[[str], Catalog],
        feeds_for: Callable[[str], LocalFeeds],
        notifier_for: Callable[[str], Notifier],
        state_file: StateFile,
        clock: Clock,
    ) -> None:
        self._catalog_for = catalog_for
        self._feeds_for = feeds_for
        self._notifier_for = notifier_for
        self._state_file = state_file
        self._clock = clock
        self._feeds: dict[str, LocalFeeds] = {}
        self._metrics: dict[str, LocalMetrics] = {}

    def states(self, env: str) -> tuple[AlarmState, ...]:
        catalog = self._catalog_for(env)
        feeds = self._feeds.setdefault(env, self._feeds_for(env))
        metrics = self._metrics.setdefault(env, LocalMetrics(env))
        router = feeds.router.samples() if feeds.router is not None else ()
        metrics.ingest(feeds.metrics.documents(), router)
        inputs = metrics.inputs
        now = self._clock.now()
        metrics.store.drop_before(now.timestamp() - _reach(catalog))
        before = self._state_file.load(env)
        results = evaluate_catalog(
            catalog,
            metrics.store,
            now.timestamp(),
            {name: s.state for name, s in before.items()},
            PLACEHOLDERS,
        )
        after: dict[str, StoredState] = {}
        states = []
        notifier = self._notifier_for(env)
        for result in results:
            previous = before.get(result.name)
            if previous is not None and previous.state is result.state:
                stored, changed = previous, False
            else:
                stored, changed = StoredState(result.state, now), True
            after[result.name] = stored
            reason = _local_reason(result, inputs, catalog)
            states.append(
                AlarmState(result.name, result.severity, result.state, reason, stored.updated_at)
            )
            was = previous.state if previous else AlarmStateValue.INSUFFICIENT_DATA
            if changed and _notifies(catalog, result.name) and _worth_telling(was, result.state):
                notifier.notify(_notification(env, catalog, result, was, reason))
        self._state_file.save(env, after)
        return tuple(states)


def _reach(catalog: Catalog) -> float:
    """How far back the longest alarm window looks (plus a period of slack)."""
    return max(a.period_s * (a.evaluation_periods + 1) for a in catalog.alarms)


def _notifies(catalog: Catalog, name: str) -> bool:
    return any(a.name == name and a.notify for a in catalog.every)


def _worth_telling(was: AlarmStateValue, now: AlarmStateValue) -> bool:
    """Entering ALARM, or recovering from it (CloudWatch's alarm and OK actions)."""
    return now is AlarmStateValue.ALARM or (
        was is AlarmStateValue.ALARM and now is AlarmStateValue.OK
    )


def _local_reason(result: Evaluation, inputs: LocalInputs, catalog: Catalog) -> str:
    """The evaluation's reason, plus where its metrics come from on the local target."""
    if any(c.name == result.name for c in catalog.composites):
        return f"{result.reason} (composite evaluated locally: the emulator has none)"
    alarm = next(a for a in catalog.alarms if a.name == result.name)
    namespaces = sorted({m.namespace for m in query_metrics(alarm.query)})
    sourceless = [n for n in namespaces if not has_local_source(n)]
    if sourceless:
        return f"{result.reason} (the local target has no {', '.join(sourceless)} metrics)"
    if API_NAMESPACE in namespaces:
        return f"{result.reason} (API metrics from {inputs.api_source})"
    return result.reason


def _notification(
    env: str, catalog: Catalog, result: Evaluation, was: AlarmStateValue, reason: str
) -> Notification:
    alarm = next(a for a in catalog.every if a.name == result.name)
    return Notification(
        event=STATE_CHANGED,
        severity=result.severity,
        title=f"{result.name} is {result.state.value}",
        body=reason,
        env=env,
        fields={
            "alarm": result.name,
            "previous": was.value,
            "state": result.state.value,
            "runbook": alarm.runbook.link,
        },
    )


def notifications_file(directory: Path, env: str) -> Path:
    """The local sink of one environment's alarm notifications (JSON lines)."""
    return directory / f"{env}-notifications.jsonl"


def dead_letters_file(directory: Path, env: str) -> Path:
    """Where notifications no configured endpoint took are kept (JSON lines)."""
    return directory / f"{env}-dead-letters.jsonl"


def local_alarm_source(
    directory: Path,
    feeds_for: Callable[[str], LocalFeeds],
    clock: Clock,
    endpoints: Mapping[str, str] | None = None,
) -> LocalAlarmSource:
    """The local target's AlarmSource: the catalog with its local periods
    (`monitoring.local_time_scale`), states in `<directory>/<env>-alarm-states.json`,
    notifications in `<directory>/<env>-notifications.jsonl` (the local sink) and, when
    `endpoints` are given (`notify.endpoints_from_environment()`), through them too (retried,
    then kept in `<env>-dead-letters.jsonl`)."""
    from infra.config.loader import load_environment
    from infra.monitoring.local_periods import local_catalog
    from infra.monitoring.notify import SinkAndRouting, build_notifier, local_notifier

    def notifier_for(env: str) -> Notifier:
        config = load_environment(env)
        sink = local_notifier(config, notifications_file(directory, env), clock)
        if not endpoints:
            return sink
        routing = build_notifier(config, endpoints, dead_letters_file(directory, env), clock)
        return SinkAndRouting(sink, routing)

    return LocalAlarmSource(
        catalog_for=lambda env: local_catalog(load_environment(env)),
        feeds_for=feeds_for,
        notifier_for=notifier_for,
        state_file=StateFile(directory),
        clock=clock,
    )

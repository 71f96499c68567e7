"""Alarm states on the local target: the catalog evaluated by our own code over what the
local apps emit (the emulator stores alarms but never evaluates them, and has no composite
alarms). State changes of alarms with actions go to the environment's Notifier (a sink file).

The lead wires the feeds: `MetricSource` yields the JSON documents of an app's stdout (EMF and
log records: a container's logs or a process's log file), `RouterStatsSource` the router's
counters when a local router runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from infra.clock import Clock
from infra.monitoring.alarm_source import AlarmState
from infra.monitoring.emf import json_documents
from infra.monitoring.evaluation import Evaluation, evaluate_catalog
from infra.monitoring.local_metrics import PLACEHOLDERS, LocalInputs, LocalMetrics, RouterSample
from infra.monitoring.model import AlarmStateValue, Catalog
from infra.monitoring.notify import Notification, Notifier

STATE_CHANGED = "alarm.state_changed"


class MetricSource(Protocol):
    """The JSON documents an app printed since the previous call (EMF and log records)."""

    def documents(self) -> Iterable[Mapping[str, Any]]: ...


class RouterStatsSource(Protocol):
    """The router's readings taken since the previous call."""

    def samples(self) -> Sequence[RouterSample]: ...


class LinesSource:
    """A MetricSource over a growing list of lines (tests) and log files (a host process's
    stdout): each call yields what was added since the last one."""

    def __init__(self, lines: Sequence[str] = (), files: Sequence[Path] = ()) -> None:
        self._lines = lines
        self._files = tuple(files)
        self._next_line = 0
        self._offsets: dict[Path, int] = {}

    def documents(self) -> Iterator[Mapping[str, Any]]:
        new, self._next_line = self._lines[self._next_line :], len(self._lines)
        yield from json_documents(new)
        for path in self._files:
            if not path.is_file():
                continue
            with path.open("rb") as handle:
                offset = self._offsets.get(path, 0)
                if offset > path.stat().st_size:  # truncated or replaced: start over
                    offset = 0
                handle.seek(offset)
                data = handle.read()
            complete = data.rfind(b"\n") + 1  # a half-written last line waits for next time
            self._offsets[path] = offset + complete
            yield from json_documents(data[:complete].decode("utf-8", "replace").splitlines())


@dataclass(frozen=True)
class LocalFeeds:
    metrics: MetricSource
    router: RouterStatsSource | None = None


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
    if any(c.name == result.name for c in catalog.composites):
        return f"{result.reason} (composite evaluated locally: the emulator has none)"
    return f"{result.reason} (local evaluator; API metrics from {inputs.api_source})"


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


def local_alarm_source(
    directory: Path, feeds_for: Callable[[str], LocalFeeds], clock: Clock
) -> LocalAlarmSource:
    """The local target's AlarmSource: states in `<directory>/<env>-alarm-states.json`,
    notifications in `<directory>/<env>-notifications.jsonl` (the local sink)."""
    from infra.config.loader import load_environment
    from infra.monitoring.catalog import catalog_of
    from infra.monitoring.notify import local_notifier

    return LocalAlarmSource(
        catalog_for=catalog_of,
        feeds_for=feeds_for,
        notifier_for=lambda env: local_notifier(
            load_environment(env), directory / f"{env}-notifications.jsonl", clock
        ),
        state_file=StateFile(directory),
        clock=clock,
    )

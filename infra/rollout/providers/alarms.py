"""Both targets: alarm states (AWS: describe_alarms; local: our evaluator over the apps'
metrics). Any P0 alarm in ALARM fails the analysis."""

from __future__ import annotations

from collections.abc import Sequence

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.ports import AlarmSource
from infra.rollout.providers.base import Window


class AlarmsProvider:
    name = "alarms"
    metrics = frozenset({MetricName.P0_ALARMS})

    def __init__(self, source: AlarmSource, env: str) -> None:
        self._source = source
        self._env = env

    def read(self, window: Window) -> Sequence[Reading]:
        firing = [
            s
            for s in self._source.states(self._env)
            if str(s.severity) == "P0" and str(s.state) == "ALARM"
        ]
        detail = "; ".join(f"{s.name}: {s.reason}" for s in firing) or "no P0 alarm in ALARM"
        return [Reading(MetricName.P0_ALARMS, float(len(firing)), None, detail, conclusive=True)]

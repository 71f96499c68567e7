"""The provider protocol and the interval it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading


@dataclass(frozen=True)
class Window:
    """One measurement interval of the canary."""

    start: datetime
    end: datetime
    canary_version: str
    stable_version: str


class MetricsProvider(Protocol):
    """Reads its metrics over a window; raising means Error for each of them this interval."""

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> frozenset[MetricName]: ...

    def read(self, window: Window) -> Sequence[Reading]: ...

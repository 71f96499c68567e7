"""The periods the local evaluator uses: the catalog's, multiplied by the environment's
`monitoring.local_time_scale` (1 keeps CloudWatch's own). Same evaluation counts, thresholds
and missing-data settings; only time shrinks, and every output says by how much."""

from __future__ import annotations

import dataclasses

from infra.config.model import EnvironmentConfig
from infra.monitoring.catalog import build_catalog
from infra.monitoring.model import Catalog

SCALE_KEY = "monitoring.local_time_scale"


def scaled_period(period_s: int, scale: float) -> int:
    """A period times `scale`, in whole seconds, never below one second."""
    return max(1, round(period_s * scale))


def scale_catalog(catalog: Catalog, scale: float) -> Catalog:
    """The same alarms with every period scaled (composites have no period)."""
    if scale == 1:
        return catalog
    alarms = tuple(
        dataclasses.replace(a, period_s=scaled_period(a.period_s, scale)) for a in catalog.alarms
    )
    return dataclasses.replace(catalog, alarms=alarms)


def local_catalog(config: EnvironmentConfig) -> Catalog:
    """The catalog the local target evaluates: `config`'s, with its local time scale."""
    return scale_catalog(build_catalog(config), config.monitoring.local_time_scale)


def describe_periods(config: EnvironmentConfig) -> str:
    """Which periods the local evaluator uses, e.g. `periods: CloudWatch's x 0.05
    (monitoring.local_time_scale): 60 s -> 3 s, 300 s -> 15 s, ...`."""
    scale = config.monitoring.local_time_scale
    if scale == 1:
        return f"periods: CloudWatch's own ({SCALE_KEY} 1)"
    periods = sorted({a.period_s for a in build_catalog(config).alarms})
    shown = ", ".join(f"{p} s -> {scaled_period(p, scale)} s" for p in periods)
    return f"periods: CloudWatch's x {scale:g} ({SCALE_KEY}): {shown}"

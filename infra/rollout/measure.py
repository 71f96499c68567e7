"""One measurement round: ask every provider for the template's metrics over the window and
judge each reading. A provider that raises (down, timing out, refusing) yields an Error
measurement for each metric it provides, so the consecutive-error limit can act on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from infra.config.rollout import MetricName
from infra.rollout.analysis import Measurement, Phase, Reading, judge
from infra.rollout.errors import PlanInvalid
from infra.rollout.plan import Template
from infra.rollout.providers.base import MetricsProvider, Window


def expected_series(
    template: Template, providers: Sequence[MetricsProvider]
) -> tuple[tuple[MetricName, str], ...]:
    """Every (metric, provider) pair the template needs; PlanInvalid when a metric has none."""
    series: list[tuple[MetricName, str]] = []
    for check in template.checks:
        sources = [p.name for p in providers if check.metric in p.metrics]
        if not sources:
            have = ", ".join(sorted({m.value for p in providers for m in p.metrics})) or "none"
            raise PlanInvalid(
                f"analysis template {template.name!r} checks {check.metric.value} but no metrics "
                f"provider on this target measures it (measured: {have}); remove it from "
                f"rollout.templates.{template.name}.metrics or bind a provider"
            )
        series.extend((check.metric, source) for source in sources)
    return tuple(series)


def measure(
    step: int,
    template: Template,
    providers: Sequence[MetricsProvider],
    window: Window,
    at: datetime,
) -> tuple[Measurement, ...]:
    """Read every provider once and judge what it saw against the template's limits."""
    wanted = {check.metric: check for check in template.checks}
    measurements: list[Measurement] = []
    for provider in providers:
        mine = [m for m in provider.metrics if m in wanted]
        if not mine:
            continue
        try:
            readings: Sequence[Reading] = provider.read(window)
        except Exception as exc:  # an adapter failure of any kind is this interval's Error
            reason = f"{provider.name} unavailable: {type(exc).__name__}: {exc}"[:300]
            measurements.extend(
                Measurement(
                    step,
                    metric,
                    provider.name,
                    Phase.ERROR,
                    None,
                    wanted[metric].limit,
                    None,
                    at,
                    reason,
                )
                for metric in sorted(mine)
            )
            continue
        seen = {reading.metric: reading for reading in readings if reading.metric in wanted}
        for metric in sorted(mine):
            check = wanted[metric]
            reading = seen.get(metric, Reading(metric, None, None, "provider returned no value"))
            phase, why = judge(reading, check, template.min_requests)
            parts = [reading.detail] + ([why] if why and why != reading.detail else [])
            detail = "; ".join(part for part in parts if part)
            measurements.append(
                Measurement(
                    step,
                    metric,
                    provider.name,
                    phase,
                    reading.value,
                    check.limit,
                    reading.sample_size,
                    at,
                    detail,
                )
            )
    return tuple(measurements)

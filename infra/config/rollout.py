"""The `rollout` config section: the canary plan (steps as a tagged union), its analysis
templates (which metrics, which limits) and the post-promotion watch. `infra.rollout.plan`
compiles it into the plan the controller runs.

Durations are in seconds of real time; on the local target they are multiplied by
`local_time_scale`, so a rehearsal runs the same steps, weights, measurement counts and limits
in seconds instead of minutes (a second, shorter plan per target could drift from prod's).

`pipeline rehearse` (the local rehearsal under steady client load) keeps the steps, weights,
templates and limits too, but judges each analysis over `rehearsal.measurements` intervals of
`rehearsal.interval_s`: the emulator's ceiling caps the client load, and a 10 % canary needs an
interval long enough to see `min_requests` requests (`rehearsal_rollout`; docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from infra.config.base import ConfigModel

DEFAULT_TEMPLATE = "canary"
TemplateName = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]
Seconds = Annotated[StrictInt, Field(ge=1, le=86_400)]
Count = Annotated[StrictInt, Field(ge=0, le=1000)]


class MetricName(StrEnum):
    """What an analysis can judge; each has a fixed direction (see `rolls_back_above`)."""

    ERROR_RATE = "error_rate"  # 5xx share of the canary's requests
    P95_LATENCY_MS = "p95_latency_ms"  # the canary's 95th percentile latency
    PROBE_SUCCESS_RATE = "probe_success_rate"  # synthetic calls to the canary that succeeded
    P0_ALARMS = "p0_alarms"  # P0 alarms in ALARM

    @property
    def rolls_back_above(self) -> bool:
        """True: a value above the limit fails; False: a value below it fails."""
        return self is not MetricName.PROBE_SUCCESS_RATE


# Limits a template may leave out; error_rate and p95 come from `alarms.rollback_*` instead.
BUILT_IN_LIMITS: Mapping[MetricName, float] = {
    MetricName.PROBE_SUCCESS_RATE: 0.8,
    MetricName.P0_ALARMS: 0.0,
}


class SetWeightStep(ConfigModel):
    """Send `weight` percent of the live traffic to the new version."""

    kind: Literal["set_weight"]
    weight: Annotated[StrictInt, Field(ge=1, le=100)]


class PauseStep(ConfigModel):
    """Wait `seconds`, or until a human promotes when `seconds` is null."""

    kind: Literal["pause"]
    seconds: Seconds | None = None


class AnalysisStep(ConfigModel):
    """Measure the new version every `interval_s` for `duration_s` against a template."""

    kind: Literal["analysis"]
    duration_s: Annotated[StrictInt, Field(ge=10, le=3_600)] = 300
    interval_s: Annotated[StrictInt, Field(ge=5, le=600)] = 60
    template: TemplateName = DEFAULT_TEMPLATE

    @model_validator(mode="after")
    def _whole_intervals(self) -> AnalysisStep:
        if self.duration_s % self.interval_s:
            raise ValueError(
                f"duration_s ({self.duration_s}) must be a whole number of interval_s "
                f"({self.interval_s}): the analysis takes duration_s / interval_s measurements"
            )
        return self


RolloutStep = Annotated[SetWeightStep | PauseStep | AnalysisStep, Field(discriminator="kind")]


class MetricCheck(ConfigModel):
    """One metric and the limit past which the canary is rolled back."""

    metric: MetricName
    limit: Annotated[float, Field(strict=False, ge=0)] | None = None

    @model_validator(mode="after")
    def _limit_fits_the_metric(self) -> MetricCheck:
        rate = self.metric in (MetricName.ERROR_RATE, MetricName.PROBE_SUCCESS_RATE)
        if self.limit is not None and rate and self.limit > 1:
            raise ValueError(f"limit of {self.metric.value} is a fraction in [0, 1]")
        return self


class AnalysisTemplate(ConfigModel):
    """Which metrics an analysis judges and how many bad measurements it tolerates."""

    metrics: tuple[MetricCheck, ...] = Field(min_length=1)
    min_requests: Annotated[StrictInt, Field(ge=1, le=100_000)] = 10
    failure_limit: Count = 0
    inconclusive_limit: Count = 2
    consecutive_error_limit: Count = 2

    @field_validator("metrics")
    @classmethod
    def _each_metric_once(cls, metrics: tuple[MetricCheck, ...]) -> tuple[MetricCheck, ...]:
        names = [check.metric.value for check in metrics]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"metric {twice[0]} is listed twice")
        return metrics


class WatchConfig(ConfigModel):
    """Analysis that keeps running after 100 %: a failure still rolls back."""

    duration_s: Annotated[StrictInt, Field(ge=10, le=86_400)] = 1_800
    interval_s: Annotated[StrictInt, Field(ge=5, le=600)] = 60
    template: TemplateName = DEFAULT_TEMPLATE

    @model_validator(mode="after")
    def _whole_intervals(self) -> WatchConfig:
        if self.duration_s % self.interval_s:
            raise ValueError(
                f"duration_s ({self.duration_s}) must be a whole number of interval_s "
                f"({self.interval_s})"
            )
        return self


def _default_templates() -> dict[str, AnalysisTemplate]:
    return {
        DEFAULT_TEMPLATE: AnalysisTemplate(
            metrics=tuple(MetricCheck(metric=name) for name in MetricName)
        )
    }


class RehearsalConfig(ConfigModel):
    """`pipeline rehearse` on the local target: prod's plan, its analyses cut to a few
    measurements long enough for a 10 % canary to see `min_requests` under the steady client."""

    interval_s: Annotated[StrictInt, Field(ge=5, le=120)] = 10
    measurements: Annotated[StrictInt, Field(ge=1, le=10)] = 2  # per analysis step, at most
    watch_measurements: Annotated[StrictInt, Field(ge=1, le=10)] = 1
    hold_s: Annotated[StrictInt, Field(ge=0, le=120)] = 8  # serving on after the rollout ends
    fault_error_rate: Annotated[float, Field(strict=False, gt=0, le=1)] = 1.0
    load_headroom: Annotated[float, Field(strict=False, gt=0, le=1)] = 0.5  # of the ceiling


class RolloutConfig(ConfigModel):
    """How a release reaches 100 % in this environment."""

    steps: tuple[RolloutStep, ...] = (SetWeightStep(kind="set_weight", weight=100),)
    templates: Mapping[TemplateName, AnalysisTemplate] = Field(default_factory=_default_templates)
    post_promotion_watch: WatchConfig | None = None
    local_time_scale: Annotated[float, Field(strict=False, gt=0, le=1)] = 0.02
    rehearsal: RehearsalConfig = Field(default_factory=RehearsalConfig)

    @field_validator("steps")
    @classmethod
    def _a_valid_canary(cls, steps: tuple[RolloutStep, ...]) -> tuple[RolloutStep, ...]:
        problem = plan_problem(steps)
        if problem:
            raise ValueError(problem)
        return steps

    @model_validator(mode="after")
    def _templates_exist(self) -> RolloutConfig:
        named = [s.template for s in self.steps if isinstance(s, AnalysisStep)]
        if self.post_promotion_watch is not None:
            named.append(self.post_promotion_watch.template)
        missing = sorted(set(named) - set(self.templates))
        if missing:
            known = ", ".join(sorted(self.templates)) or "(none)"
            raise ValueError(f"analysis template {missing[0]!r} is not defined; defined: {known}")
        return self


def plan_problem(steps: tuple[RolloutStep, ...]) -> str:
    """What is wrong with a step list ('' when nothing): weights strictly increasing, ending
    at 100, and an analysis between every partial weight and the next weight."""
    weights = [step.weight for step in steps if isinstance(step, SetWeightStep)]
    if not weights or weights[-1] != 100:
        return f"the last set_weight step must have weight 100 (weights: {weights})"
    if any(later <= earlier for earlier, later in pairwise(weights)):
        return f"set_weight weights must strictly increase (got {weights})"
    current: int | None = None
    analysed = True
    for index, step in enumerate(steps):
        if isinstance(step, SetWeightStep):
            if not analysed:
                return (
                    f"steps[{index}]: set_weight {step.weight} follows weight {current} with no "
                    "analysis step in between: add one after every partial weight"
                )
            current, analysed = step.weight, step.weight == 100
        elif isinstance(step, AnalysisStep):
            if current is None:
                return f"steps[{index}]: analysis before the first set_weight measures nothing"
            analysed = True
    return ""


def rehearsal_rollout(rollout: RolloutConfig) -> RolloutConfig:
    """The rollout `pipeline rehearse` runs: the same steps, weights and templates; each
    analysis `min(its count, rehearsal.measurements)` intervals of `rehearsal.interval_s` real
    seconds (the watch: `watch_measurements`), pauses scaled by `local_time_scale`; time scale 1."""
    rehearsal = rollout.rehearsal
    interval = rehearsal.interval_s
    steps: list[RolloutStep] = []
    for step in rollout.steps:
        if isinstance(step, AnalysisStep):
            count = min(step.duration_s // step.interval_s, rehearsal.measurements)
            step = step.model_copy(update={"duration_s": count * interval, "interval_s": interval})
        elif isinstance(step, PauseStep) and step.seconds is not None:
            scaled = max(1, round(step.seconds * rollout.local_time_scale))
            step = step.model_copy(update={"seconds": scaled})
        steps.append(step)
    watch = rollout.post_promotion_watch
    if watch is not None:
        count = min(watch.duration_s // watch.interval_s, rehearsal.watch_measurements)
        watch = watch.model_copy(update={"duration_s": count * interval, "interval_s": interval})
    return rollout.model_copy(
        update={"steps": tuple(steps), "post_promotion_watch": watch, "local_time_scale": 1.0}
    )

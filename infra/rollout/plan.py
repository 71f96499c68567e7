"""The plan the controller runs: config steps compiled into frozen data with limits resolved
and durations scaled (`time_scale` < 1 only for the local rehearsal)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from infra.config.model import AlarmThresholds, EnvironmentConfig
from infra.config.rollout import (
    BUILT_IN_LIMITS,
    AnalysisStep,
    AnalysisTemplate,
    MetricName,
    PauseStep,
    RolloutConfig,
    SetWeightStep,
    WatchConfig,
)
from infra.rollout.errors import PlanInvalid

# Below this, a scaled interval leaves too little time to probe and read stats reliably.
MIN_SCALED_INTERVAL_S = 0.5


@dataclass(frozen=True)
class Check:
    """A metric and its rollback limit (direction from the metric)."""

    metric: MetricName
    limit: float


@dataclass(frozen=True)
class Template:
    name: str
    checks: tuple[Check, ...]
    min_requests: int
    failure_limit: int
    inconclusive_limit: int
    consecutive_error_limit: int


@dataclass(frozen=True)
class SetWeight:
    weight: int


@dataclass(frozen=True)
class Pause:
    seconds: float | None  # None: until a human promotes


@dataclass(frozen=True)
class Analysis:
    count: int  # measurements, one per interval
    interval_s: float
    template: Template
    watch: bool = False  # the post-promotion watch at 100 %

    @property
    def duration_s(self) -> float:
        return self.count * self.interval_s


Step = SetWeight | Pause | Analysis


@dataclass(frozen=True)
class RolloutPlan:
    steps: tuple[Step, ...]
    time_scale: float = 1.0

    def describe(self) -> list[str]:
        """One line per step, for dry runs and status."""
        return [f"{index + 1}. {describe_step(step)}" for index, step in enumerate(self.steps)]


def describe_step(step: Step) -> str:
    if isinstance(step, SetWeight):
        return f"set weight {step.weight}%"
    if isinstance(step, Pause):
        return "pause until promoted" if step.seconds is None else f"pause {step.seconds:g}s"
    what = "post-promotion watch" if step.watch else "analysis"
    return (
        f"{what} {step.duration_s:g}s ({step.count} x {step.interval_s:g}s, "
        f"template {step.template.name})"
    )


def compile_plan(config: EnvironmentConfig, time_scale: float = 1.0) -> RolloutPlan:
    """The environment's plan; PlanInvalid (exit 2) names the key when scaling breaks it."""
    rollout = config.rollout
    if not 0 < time_scale <= 1:
        raise PlanInvalid(f"time scale {time_scale!r} must be in (0, 1]")
    steps: list[Step] = []
    for index, step in enumerate(rollout.steps):
        if isinstance(step, SetWeightStep):
            steps.append(SetWeight(step.weight))
        elif isinstance(step, PauseStep):
            steps.append(Pause(None if step.seconds is None else step.seconds * time_scale))
        else:
            steps.append(_analysis(config, f"rollout.steps[{index}]", step, time_scale))
    watch = rollout.post_promotion_watch
    if watch is not None:
        steps.append(_analysis(config, "rollout.post_promotion_watch", watch, time_scale))
    return RolloutPlan(tuple(steps), time_scale)


def all_at_once() -> RolloutPlan:
    """Straight to 100 %: undo's fast revert (the version was green before)."""
    return RolloutPlan((SetWeight(100),))


def time_scale_for(config: EnvironmentConfig, local_target: bool) -> float:
    """1 on AWS; `rollout.local_time_scale` on the local target."""
    return config.rollout.local_time_scale if local_target else 1.0


def resolve_template(name: str, template: AnalysisTemplate, alarms: AlarmThresholds) -> Template:
    """Limits left out of the config: error rate and p95 from `alarms.rollback_*`."""
    from_alarms = {
        MetricName.ERROR_RATE: alarms.rollback_error_rate,
        MetricName.P95_LATENCY_MS: float(alarms.rollback_p95_latency_ms),
    }
    checks = tuple(
        Check(
            c.metric,
            c.limit if c.limit is not None else {**BUILT_IN_LIMITS, **from_alarms}[c.metric],
        )
        for c in template.metrics
    )
    return Template(
        name,
        checks,
        template.min_requests,
        template.failure_limit,
        template.inconclusive_limit,
        template.consecutive_error_limit,
    )


def _analysis(
    config: EnvironmentConfig, key: str, step: AnalysisStep | WatchConfig, time_scale: float
) -> Analysis:
    interval = step.interval_s * time_scale
    if interval < MIN_SCALED_INTERVAL_S:
        raise PlanInvalid(
            f"environment {config.name}: {key}.interval_s {step.interval_s} x "
            f"rollout.local_time_scale {time_scale:g} = {interval:g}s, below "
            f"{MIN_SCALED_INTERVAL_S}s: raise local_time_scale or the interval"
        )
    rollout: RolloutConfig = config.rollout
    template = resolve_template(step.template, rollout.templates[step.template], config.alarms)
    count = step.duration_s // step.interval_s
    return Analysis(count, interval, template, watch=isinstance(step, WatchConfig))


# -- serialisation: the plan is stored in the rollout record, so a resumed run keeps it --------


def plan_to_json(plan: RolloutPlan) -> str:
    return json.dumps(
        {"time_scale": plan.time_scale, "steps": [_step_dict(s) for s in plan.steps]},
        sort_keys=True,
    )


def plan_from_json(text: str) -> RolloutPlan:
    data = json.loads(text)
    return RolloutPlan(
        tuple(_step_from(s) for s in data["steps"]), float(data.get("time_scale", 1.0))
    )


def _step_dict(step: Step) -> dict[str, Any]:
    if isinstance(step, SetWeight):
        return {"kind": "set_weight", "weight": step.weight}
    if isinstance(step, Pause):
        return {"kind": "pause", "seconds": step.seconds}
    t = step.template
    return {
        "kind": "analysis",
        "count": step.count,
        "interval_s": step.interval_s,
        "watch": step.watch,
        "template": {
            "name": t.name,
            "checks": [[c.metric.value, c.limit] for c in t.checks],
            "min_requests": t.min_requests,
            "failure_limit": t.failure_limit,
            "inconclusive_limit": t.inconclusive_limit,
            "consecutive_error_limit": t.consecutive_error_limit,
        },
    }


def _step_from(data: dict[str, Any]) -> Step:
    if data["kind"] == "set_weight":
        return SetWeight(int(data["weight"]))
    if data["kind"] == "pause":
        seconds = data["seconds"]
        return Pause(None if seconds is None else float(seconds))
    t = data["template"]
    template = Template(
        str(t["name"]),
        tuple(Check(MetricName(m), float(limit)) for m, limit in t["checks"]),
        int(t["min_requests"]),
        int(t["failure_limit"]),
        int(t["inconclusive_limit"]),
        int(t["consecutive_error_limit"]),
    )
    return Analysis(int(data["count"]), float(data["interval_s"]), template, bool(data["watch"]))

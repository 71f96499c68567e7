"""The rollout config section: plans that cannot run are refused, naming file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_environment
from infra.config.rollout import AnalysisStep, MetricName, SetWeightStep
from tests.unit.infra.config.conftest import Mutate, rewrite


def rollout(**values: Any) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        data["rollout"].update(values)

    return mutate


def weight(w: int) -> dict[str, Any]:
    return {"kind": "set_weight", "weight": w}


def analysis(duration: int = 60, interval: int = 30, template: str = "canary") -> dict[str, Any]:
    return {
        "kind": "analysis",
        "duration_s": duration,
        "interval_s": interval,
        "template": template,
    }


def test_prod_is_a_three_step_canary_with_a_30_minute_watch() -> None:
    r = load_environment("prod").rollout
    assert [type(s).__name__ for s in r.steps] == [
        "SetWeightStep", "AnalysisStep", "SetWeightStep", "AnalysisStep", "SetWeightStep",
    ]  # fmt: skip
    assert [s.weight for s in r.steps if isinstance(s, SetWeightStep)] == [10, 50, 100]
    assert [s.duration_s for s in r.steps if isinstance(s, AnalysisStep)] == [600, 600]
    assert r.post_promotion_watch is not None and r.post_promotion_watch.duration_s == 1800
    assert {c.metric for c in r.templates["canary"].metrics} == set(MetricName)


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_dev_and_staging_go_all_at_once(env: str) -> None:
    r = load_environment(env).rollout
    assert r.steps == (SetWeightStep(kind="set_weight", weight=100),)
    assert r.post_promotion_watch is None


@pytest.mark.parametrize(
    ("mutate", "key", "says"),
    [
        (rollout(steps=[weight(50), analysis(), weight(40), analysis(), weight(100)]),
         "rollout.steps", "must strictly increase (got [50, 40, 100])"),
        (rollout(steps=[weight(50), analysis(), weight(50), analysis(), weight(100)]),
         "rollout.steps", "must strictly increase"),
        (rollout(steps=[weight(10), analysis()]), "rollout.steps",
         "last set_weight step must have weight 100"),
        (rollout(steps=[weight(10), weight(100)]), "rollout.steps",
         "steps[1]: set_weight 100 follows weight 10 with no analysis step in between"),
        (rollout(steps=[analysis(), weight(100)]), "rollout.steps",
         "steps[0]: analysis before the first set_weight measures nothing"),
        (rollout(steps=[weight(0), analysis(), weight(100)]), "rollout.steps[0].weight",
         "greater than or equal to 1"),
        (rollout(steps=[weight(10), analysis(duration=100, interval=30), weight(100)]),
         "rollout.steps[1]", "must be a whole number of interval_s"),
        (rollout(steps=[weight(10), analysis(template="slow"), weight(100)]), "rollout",
         "analysis template 'slow' is not defined; defined: canary"),
        (rollout(post_promotion_watch={"duration_s": 600, "interval_s": 60, "template": "x"}),
         "rollout", "analysis template 'x' is not defined"),
        (rollout(post_promotion_watch={"duration_s": 100, "interval_s": 60}),
         "rollout.post_promotion_watch", "whole number of interval_s"),
        (rollout(local_time_scale=0), "rollout.local_time_scale", "greater than 0"),
        (rollout(local_time_scale=2), "rollout.local_time_scale", "less than or equal to 1"),
        (rollout(templates={"canary": {"metrics": []}}), "rollout.templates.canary.metrics",
         "at least 1 item"),
        (rollout(templates={"canary": {"metrics": [{"metric": "cpu"}]}}),
         "rollout.templates.canary.metrics[0].metric", "'error_rate'"),
        (rollout(templates={"canary": {"metrics": [{"metric": "error_rate", "limit": 5}]}}),
         "rollout.templates.canary.metrics[0]", "is a fraction in [0, 1]"),
        (rollout(templates={"canary": {"metrics": [{"metric": "p0_alarms"}] * 2}}),
         "rollout.templates.canary.metrics", "metric p0_alarms is listed twice"),
        (rollout(templates={"canary": {"metrics": [{"metric": "p0_alarms"}], "min_requests": 0}}),
         "rollout.templates.canary.min_requests", "greater than or equal to 1"),
        (rollout(templates={"canary": {"metrics": [{"metric": "p0_alarms"}], "failure_limit": -1}}),
         "rollout.templates.canary.failure_limit", "greater than or equal to 0"),
        (rollout(strategy="bluegreen"), "rollout.strategy", "allowed keys: steps, templates"),
    ],
)  # fmt: skip
def test_plans_that_cannot_run_are_refused(
    config_dir: Path, mutate: Mutate, key: str, says: str
) -> None:
    path = rewrite(config_dir, "prod", mutate)
    with pytest.raises(ConfigError) as caught:
        load_environment("prod", config_dir)
    problems = {p.key: p for p in caught.value.problems}
    assert key in problems, f"no problem for {key}: {caught.value}"
    assert problems[key].file.endswith(f"{path.parent.name}/{path.name}")
    assert says in problems[key].problem


@pytest.mark.parametrize(
    "steps",
    [
        [weight(100)],
        [weight(1), analysis(), weight(100)],
        [weight(99), analysis(), {"kind": "pause", "seconds": None}, weight(100)],
        [weight(10), analysis(), weight(100), analysis()],
        [{"kind": "pause", "seconds": 60}, weight(100)],
    ],
)
def test_valid_plans_load(config_dir: Path, steps: list[dict[str, Any]]) -> None:
    rewrite(config_dir, "prod", rollout(steps=steps))
    assert len(load_environment("prod", config_dir).rollout.steps) == len(steps)


def test_the_rehearsal_keeps_the_steps_and_limits_with_few_long_measurements() -> None:
    from infra.config.rollout import WatchConfig, rehearsal_rollout
    from infra.rollout.plan import Analysis, SetWeight, compile_plan

    prod = load_environment("prod")
    rehearsal = prod.rollout.rehearsal
    rehearsed = rehearsal_rollout(prod.rollout)
    assert rehearsed.local_time_scale == 1.0
    plan = compile_plan(prod.model_copy(update={"rollout": rehearsed}))
    real = compile_plan(prod)
    assert [s.weight for s in plan.steps if isinstance(s, SetWeight)] == [10, 50, 100]
    assert [type(s) for s in plan.steps] == [type(s) for s in real.steps]
    analyses = [s for s in plan.steps if isinstance(s, Analysis)]
    assert [a.count for a in analyses] == [rehearsal.measurements] * 2 + [
        rehearsal.watch_measurements
    ]
    assert {a.interval_s for a in analyses} == {float(rehearsal.interval_s)}
    real_templates = [s.template for s in real.steps if isinstance(s, Analysis)]
    assert [a.template for a in analyses] == real_templates  # same metrics, same limits
    short = prod.rollout.model_copy(
        update={"post_promotion_watch": WatchConfig(duration_s=10, interval_s=10)}
    )
    watch = rehearsal_rollout(short).post_promotion_watch
    assert watch is not None and watch.duration_s == rehearsal.interval_s  # never more than prod


def test_a_bad_rehearsal_section_is_refused(config_dir: Path) -> None:
    rewrite(config_dir, "prod", rollout(rehearsal={"interval_s": 2}))
    with pytest.raises(ConfigError) as caught:
        load_environment("prod", config_dir)
    assert "rollout.rehearsal.interval_s" in {p.key for p in caught.value.problems}

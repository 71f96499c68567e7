"""Compiling the config into the plan: limits resolved, durations scaled, stored as JSON."""

from __future__ import annotations

import pytest

from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName
from infra.rollout.errors import PlanInvalid
from infra.rollout.plan import (
    Analysis,
    Check,
    Pause,
    RolloutPlan,
    SetWeight,
    all_at_once,
    compile_plan,
    plan_from_json,
    plan_to_json,
    time_scale_for,
)
from tests.unit.infra.rollout.conftest import TEMPLATE


def test_prod_compiles_to_the_release_plan(prod_config: EnvironmentConfig) -> None:
    plan = compile_plan(prod_config)
    assert plan.describe() == [
        "1. set weight 10%",
        "2. analysis 600s (10 x 60s, template canary)",
        "3. set weight 50%",
        "4. analysis 600s (10 x 60s, template canary)",
        "5. set weight 100%",
        "6. post-promotion watch 1800s (30 x 60s, template canary)",
    ]
    analysis = plan.steps[1]
    assert isinstance(analysis, Analysis)
    assert analysis.template.checks == (
        Check(MetricName.ERROR_RATE, 0.05),  # from alarms.rollback_error_rate
        Check(MetricName.P95_LATENCY_MS, 10_000.0),  # from alarms.rollback_p95_latency_ms
        Check(MetricName.PROBE_SUCCESS_RATE, 0.8),
        Check(MetricName.P0_ALARMS, 0.0),
    )


def test_the_local_rehearsal_keeps_counts_and_limits_and_scales_time(
    prod_config: EnvironmentConfig,
) -> None:
    real = compile_plan(prod_config)
    scale = time_scale_for(prod_config, local_target=True)
    rehearsal = compile_plan(prod_config, scale)
    assert scale == 0.02
    assert time_scale_for(prod_config, local_target=False) == 1.0
    for long, short in zip(real.steps, rehearsal.steps, strict=True):
        if isinstance(long, Analysis):
            assert isinstance(short, Analysis)
            assert (short.count, short.template) == (long.count, long.template)
            assert short.interval_s == pytest.approx(long.interval_s * 0.02)
        else:
            assert short == long
    total = sum(s.duration_s for s in rehearsal.steps if isinstance(s, Analysis))
    assert total == pytest.approx(60.0)  # 50 minutes of analysis in one minute


@pytest.mark.parametrize(("scale", "ok"), [(0.5 / 60, True), (0.49 / 60, False)])
def test_a_scaled_interval_has_a_floor(
    prod_config: EnvironmentConfig, scale: float, ok: bool
) -> None:
    if ok:
        compile_plan(prod_config, scale)
    else:
        with pytest.raises(PlanInvalid, match=r"rollout.steps\[1\].interval_s 60 x"):
            compile_plan(prod_config, scale)


@pytest.mark.parametrize("scale", [0, -1, 1.5])
def test_time_scale_outside_0_1_is_refused(prod_config: EnvironmentConfig, scale: float) -> None:
    with pytest.raises(PlanInvalid, match="must be in"):
        compile_plan(prod_config, scale)


@pytest.mark.parametrize(
    "plan",
    [
        all_at_once(),
        RolloutPlan(
            (SetWeight(10), Pause(None), Pause(12.5), Analysis(3, 0.6, TEMPLATE, True)), 0.01
        ),
    ],
)
def test_plan_json_round_trip(plan: RolloutPlan) -> None:
    assert plan_from_json(plan_to_json(plan)) == plan


def test_the_stored_plan_survives_config_changes(prod_config: EnvironmentConfig) -> None:
    plan = compile_plan(prod_config)
    assert plan_from_json(plan_to_json(plan)) == plan

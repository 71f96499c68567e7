"""Builders shared by the rollout tests: plans, records, providers for every metric."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.plan import Analysis, Check, RolloutPlan, SetWeight, Template, compile_plan
from infra.rollout.providers.base import Window
from infra.rollout.record import Kind, RolloutRecord
from tests.unit.infra.rollout.fakes import DIGEST, T0, FakeProvider, Script, healthy

TEMPLATE = Template(
    "canary",
    (
        Check(MetricName.ERROR_RATE, 0.05),
        Check(MetricName.P95_LATENCY_MS, 10_000.0),
        Check(MetricName.PROBE_SUCCESS_RATE, 0.8),
        Check(MetricName.P0_ALARMS, 0.0),
    ),
    min_requests=10,
    failure_limit=0,
    inconclusive_limit=2,
    consecutive_error_limit=2,
)


def small_plan(count: int = 3, watch: int = 0) -> RolloutPlan:
    steps: list[SetWeight | Analysis] = [
        SetWeight(10),
        Analysis(count, 60.0, TEMPLATE),
        SetWeight(50),
        Analysis(count, 60.0, TEMPLATE),
        SetWeight(100),
    ]
    if watch:
        steps.append(Analysis(watch, 60.0, TEMPLATE, watch=True))
    return RolloutPlan(tuple(steps))


def record_for(plan: RolloutPlan, rollout_id: str = "r1") -> RolloutRecord:
    return RolloutRecord(
        rollout_id=rollout_id,
        env="prod",
        target="aws",
        kind=Kind.PROMOTE,
        digest=DIGEST,
        stable_version="1",
        canary_version="2",
        requested_by="rita",
        started_at=T0,
        plan=plan,
        app_version="app-aaaaaa",
    )


def probe_ok(window: Window) -> Sequence[Reading]:
    return [Reading(MetricName.PROBE_SUCCESS_RATE, 1.0, 3, "3/3 probe calls ok")]


def no_alarms(window: Window) -> Sequence[Reading]:
    return [Reading(MetricName.P0_ALARMS, 0.0, None, "no P0 alarm in ALARM", conclusive=True)]


def every_metric(traffic: Script = healthy) -> list[FakeProvider]:
    """Providers for the four metrics of the canary template; `traffic` drives error/p95."""
    return [
        FakeProvider("emf", script=traffic),
        FakeProvider("probe", frozenset({MetricName.PROBE_SUCCESS_RATE}), probe_ok),
        FakeProvider("alarms", frozenset({MetricName.P0_ALARMS}), no_alarms),
    ]


@pytest.fixture(scope="session")
def prod_config() -> EnvironmentConfig:
    return load_environment("prod")


@pytest.fixture
def prod_plan(prod_config: EnvironmentConfig) -> RolloutPlan:
    return compile_plan(prod_config)

"""The plan: which load for which target (and where it came from), refusals with exit 2."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import load_environment
from infra.config.perf import LoadProfile
from infra.errors import exit_code_for
from infra.perf.errors import PerfConfigError
from infra.perf.measure import RunStats
from infra.perf.plan import plan_perf
from tests.unit.infra.perf.support import PROFILE


class Capacity:
    """An emulator-capacity port that derives a smaller load."""

    def __init__(self, derived: LoadProfile | None) -> None:
        self.derived = derived

    def local_load(self, configured: LoadProfile) -> LoadProfile | None:
        return self.derived

    def ceiling(self) -> str:
        return "Query 16/s"

    def saturated(self, stats: RunStats) -> str | None:
        return None

    def comparable_key(self) -> str:
        return "table~1578"


def refused(config: Any, target: str, **kwargs: Any) -> str:
    with pytest.raises(PerfConfigError) as caught:
        plan_perf(config, target, **kwargs)
    assert exit_code_for(caught.value) == 2
    return str(caught.value)


def test_aws_runs_the_configured_load_and_local_the_sized_one() -> None:
    staging = load_environment("staging")
    aws = plan_perf(staging, "aws")
    assert aws.profile.users == 100
    assert aws.min_requests_key == "perf.load.min_requests"
    assert len(aws.sites) == 20
    local = plan_perf(staging, "local")
    assert local.profile == staging.perf.local_load  # type: ignore[union-attr]
    assert local.profile_source == (
        "perf.local_load in infra/environments/staging.yaml (a cap sized for 2 shared cores); "
        "not checked against the emulator's ceiling (no capacity data)"
    )
    assert local.min_requests_key == "perf.local_load.min_requests"
    assert local.profile_key.startswith("local users=8 ")
    assert aws.profile_key != local.profile_key
    measured = plan_perf(staging, "local", emulator=Capacity(None))
    assert measured.profile_key.endswith(" table~1578")  # the emulator's table size band
    assert not aws.profile_key.endswith("1578")


def test_the_emulator_capacity_port_may_derive_the_local_load() -> None:
    staging = load_environment("staging")
    plan = plan_perf(staging, "local", emulator=Capacity(PROFILE))
    assert plan.profile == PROFILE
    assert plan.profile_source.endswith(
        f"; users 8 -> {PROFILE.users} and min_requests 150 -> {PROFILE.min_requests} by the "
        "emulator's ceiling"
    )
    kept = plan_perf(staging, "local", emulator=Capacity(None))
    assert kept.profile.users == 8
    assert kept.profile_source.endswith("; within the emulator's ceiling with headroom")
    assert plan_perf(staging, "aws", emulator=Capacity(PROFILE)).profile.users == 100


def test_overrides_are_validated_and_said() -> None:
    plan = plan_perf(load_environment("dev"), "local", {"duration_s": 20, "min_requests": 5})
    assert (plan.profile.duration_s, plan.profile.min_requests) == (20, 5)
    assert "overridden: duration_s=20, min_requests=5" in plan.profile_source
    assert "duration=20s" in plan.profile_key  # never compared with the configured load
    message = refused(load_environment("dev"), "local", overrides={"duration_s": 2})
    assert message.startswith("load override refused: duration_s: Input should be greater")


def test_prod_is_refused_unless_explicitly_allowed() -> None:
    prod = load_environment("prod")
    assert "perf.allow_prod is false: a load test against production is refused" in refused(
        prod, "aws"
    )
    allowed = prod.model_copy(
        update={"perf": prod.perf.model_copy(update={"allow_prod": True})}  # type: ignore[union-attr]
    )
    assert plan_perf(allowed, "aws").env == "prod"


def test_no_perf_section_names_the_missing_key() -> None:
    config = load_environment("dev").model_copy(update={"perf": None})
    assert refused(config, "aws").startswith("infra/environments/dev.yaml: perf: missing")


def test_an_unknown_target_is_refused() -> None:
    assert "target 'moon' is not one of local, aws" in refused(load_environment("dev"), "moon")


def test_the_plan_describes_itself() -> None:
    lines = plan_perf(load_environment("staging"), "aws").describe()
    assert lines[0].startswith("perf staging (aws target): 100 users, spawn 10/s, 300 s")
    assert "interactive p95 <= 5000 ms" in lines[1]
    assert "margin 20%" in lines[2]

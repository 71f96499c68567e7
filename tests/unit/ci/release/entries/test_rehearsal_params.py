"""The promotion entry's rehearsal parameters (set by `pipeline rehearse` on the local target):
the router's ports chosen by the host, and the config's rehearsal plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.rollout.plan import Analysis, compile_plan, time_scale_for
from pipeline.catalog import PARAM_REHEARSAL, PARAM_TARGET
from pipeline.release.entries.context import EntryContext
from pipeline.release.entries.promotion import rehearsal_context, router_ports
from pipeline.release.errors import ReleaseUsageError


@pytest.mark.parametrize(("value", "ports"), [("", (0, 0)), ("18080,18081", (18080, 18081))])
def test_router_ports_from_the_host(value: str, ports: tuple[int, int]) -> None:
    assert router_ports(value) == ports


@pytest.mark.parametrize("value", ["18080", "a,b", "0,1", "1,2,3", "70000,1"])
def test_bad_router_ports_are_a_usage_error_naming_the_parameter(value: str) -> None:
    with pytest.raises(ReleaseUsageError, match="PIPELINE_LOCAL_PROD_PORTS"):
        router_ports(value)


def test_the_rehearsal_runs_its_plan_only_on_the_local_target() -> None:
    ctx = EntryContext.load("prod", Path("."), {PARAM_TARGET: "local", PARAM_REHEARSAL: "1"})
    rehearsed = rehearsal_context(ctx)
    scale = time_scale_for(rehearsed.config, local_target=True)
    assert scale == 1.0  # the rehearsal's intervals are real seconds
    analyses = [s for s in compile_plan(rehearsed.config, scale).steps if isinstance(s, Analysis)]
    interval = ctx.config.rollout.rehearsal.interval_s
    assert {a.interval_s for a in analyses} == {float(interval)}
    plain = EntryContext.load("prod", Path("."), {PARAM_TARGET: "local"})
    assert rehearsal_context(plain) is plain
    on_aws = EntryContext.load("prod", Path("."), {PARAM_TARGET: "aws", PARAM_REHEARSAL: "1"})
    with pytest.raises(ReleaseUsageError, match="only on the local target"):
        rehearsal_context(on_aws)

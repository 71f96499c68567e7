from __future__ import annotations

from collections.abc import Mapping

import anyio
import pytest

from pipeline.catalog import CatalogError, Stage, Step
from pipeline.dag import run_in_dependency_order


def stage(name: str, *needs: str) -> Stage:
    return Stage(name, name, "python", (Step(name, ("true",)),), (), needs=needs)


def test_scheduler_refuses_a_need_outside_the_run() -> None:
    async def run(s: Stage, done: Mapping[str, str]) -> str:
        return "passed"

    with pytest.raises(CatalogError, match="needs synth, which is not in this run"):
        anyio.run(
            run_in_dependency_order,
            [stage("scan", "synth")],
            run,
            lambda r: r == "passed",
            lambda s, blocked: "skipped",
        )


def test_scheduler_skips_everything_downstream_of_a_failure() -> None:
    order: list[str] = []

    async def run(s: Stage, done: Mapping[str, str]) -> str:
        order.append(s.name)
        assert all(need in done for need in s.needs)
        return "failed" if s.name == "a" else "passed"

    results = anyio.run(
        run_in_dependency_order,
        [stage("c", "b"), stage("b", "a"), stage("a"), stage("d")],
        run,
        lambda r: r == "passed",
        lambda s, blocked: f"skipped:{','.join(blocked)}",
    )
    assert results == {"c": "skipped:b", "b": "skipped:a", "a": "failed", "d": "passed"}
    assert sorted(order) == ["a", "d"]

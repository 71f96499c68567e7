"""Walk a set of stages in dependency order: the one scheduling rule every engine shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

import anyio

from pipeline.catalog import CatalogError, Stage

T = TypeVar("T")


async def run_in_dependency_order(
    stages: Sequence[Stage],
    run: Callable[[Stage, Mapping[str, T]], Awaitable[T]],
    passed: Callable[[T], bool],
    skip: Callable[[Stage, tuple[str, ...]], T],
) -> dict[str, T]:
    """Run every stage as soon as the stages it needs are done, independent ones concurrently.

    A stage whose needs did not all pass is not run: `skip` gives its result. `run` receives
    the results of the stages finished so far. Results come back in the order of `stages`.
    """
    names = {stage.name for stage in stages}
    for stage in stages:
        missing = [need for need in stage.needs if need not in names]
        if missing:
            raise CatalogError(
                f"stage {stage.name!r} needs {', '.join(missing)}, which is not in this run: "
                "select stages with Catalog.closure"
            )
    finished = {stage.name: anyio.Event() for stage in stages}
    results: dict[str, T] = {}

    async def one(stage: Stage) -> None:
        for need in stage.needs:
            await finished[need].wait()
        blocked = tuple(need for need in stage.needs if not passed(results[need]))
        results[stage.name] = skip(stage, blocked) if blocked else await run(stage, results)
        finished[stage.name].set()

    async with anyio.create_task_group() as group:
        for stage in stages:
            group.start_soon(one, stage)
    return {stage.name: results[stage.name] for stage in stages}

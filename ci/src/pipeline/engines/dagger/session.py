"""Run catalog stages through the Dagger SDK in an existing session (`dagger run ./pipeline ci`):
the same chains and verdict as `dagger call <stage>`, with the repository read from the host."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import dagger
from dagger import dag

from pipeline.catalog import CATALOG, EXCLUDES
from pipeline.engines.dagger.checks import run_report
from pipeline.engines.dagger.stages import RunInputs
from pipeline.results import RunReport


async def run_in_session(
    repo: Path, names: Sequence[str], strict: bool, rerun: bool = False
) -> RunReport:
    """The run report of `names` (and what they need); `rerun` (`--no-cache`) makes Dagger
    run every stage again instead of answering from its cache."""
    async with await dagger.connect():
        source = dag.host().directory(str(repo), exclude=list(EXCLUDES))
        inputs = RunInputs(run_id=str(time.time_ns()), rerun=True) if rerun else None
        report, _ = await run_report(dag, CATALOG, names, source, strict=strict, inputs=inputs)
        return report

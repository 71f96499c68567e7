"""Run catalog stages through the Dagger SDK in an existing session (`dagger run ./pipeline ci`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dagger
from dagger import dag

from pipeline.catalog import EXCLUDES
from pipeline.main import check


async def run_check(repo: Path, names: Sequence[str], strict: bool) -> str:
    """The same chains and verdict as `dagger call <stage>`, with the repo read from the host.

    Returns the report; raises pipeline.main.StagesFailed (carrying it) when a stage failed.
    """
    async with await dagger.connect():
        source = dag.host().directory(str(repo), exclude=list(EXCLUDES))
        return await check(dag, names, source, strict=strict)

"""Turn what a stage container left behind (exit code, exported result.json, output) into a
StageResult, through the engines' shared reader so every engine reports alike."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.engines.outcome import not_run, read_result
from pipeline.masking import Masker
from pipeline.results import StageResult, Status, tail

ENGINE_NAME = "docker"
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class ContainerOutcome:
    """What the engine observed: exit code, output, and the repo the exports came back to."""

    stage: Stage
    image: str
    exit_code: int
    output: str
    duration_s: float
    repo: Path
    masker: Masker = field(default_factory=lambda: Masker(()), repr=False)


def error_result(
    stage: Stage, image: str, message: str, duration_s: float, output: str = ""
) -> StageResult:
    """The stage could not run at all (container trouble): ERROR with the reason."""
    return not_run(
        stage,
        Status.ERROR,
        message,
        engine=ENGINE_NAME,
        image=image,
        containerized=True,
        duration_s=duration_s,
        output=output,
    )


def stage_result(outcome: ContainerOutcome) -> StageResult:
    """The runner's result.json as a StageResult; streamed output stands in for a missing log.

    Secret values are masked in the exported reports and in the result, as in the live output
    (the runner masks them already; this guards a runner that died before it could).
    """
    masker = outcome.masker
    masker.scrub_tree(outcome.repo / outcome.stage.report_dir)
    result = read_result(
        outcome.stage,
        outcome.repo,
        outcome.exit_code,
        round(outcome.duration_s, 3),
        engine=ENGINE_NAME,
        image=outcome.image,
        containerized=True,
    )
    if result.status is Status.ERROR and outcome.output:
        # The runner crashed before writing its log (bad image, import error): show what it said.
        result = dataclasses.replace(result, log_tail=tail(outcome.output, LOG_TAIL_LINES))
    return dataclasses.replace(
        result, log_tail=masker(result.log_tail), message=masker(result.message)
    )

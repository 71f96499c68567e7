"""Turn what a stage container left behind (exit code, exported result.json, output) into a
StageResult, through the engines' shared reader so every engine reports alike."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.engines.docker.container_spec import mask
from pipeline.engines.outcome import not_run, read_result
from pipeline.results import LOG_FILE, StageResult, Status, tail

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
    secret_values: tuple[str, ...] = field(default=(), repr=False)


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

    Secret values are masked in the exported log file and in the result, as in the live output.
    """
    _mask_file(outcome.repo / outcome.stage.report_dir / LOG_FILE, outcome.secret_values)
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
        result,
        log_tail=mask(result.log_tail, outcome.secret_values),
        message=mask(result.message, outcome.secret_values),
    )


def _mask_file(path: Path, secret_values: tuple[str, ...]) -> None:
    if not secret_values or not path.is_file():
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    masked = mask(text, secret_values)
    if masked != text:
        path.write_text(masked, encoding="utf-8")

"""Read what the in-container stage runner left behind into the engines' common StageResult."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.results import LOG_FILE, RESULT_FILE, StageResult, Status, StepResult, tail


def not_run(
    stage: Stage,
    status: Status,
    message: str,
    *,
    engine: str,
    image: str,
    containerized: bool,
    duration_s: float = 0.0,
    output: str = "",
) -> StageResult:
    """A stage the engine skipped (SKIPPED) or could not run at all (ERROR), with why."""
    return StageResult(
        name=stage.name,
        status=status,
        duration_s=round(duration_s, 3),
        engine=engine,
        image=image,
        containerized=containerized,
        log_tail=tail(output),
        message=message,
    )


def parse_result(
    stage: Stage,
    exit_code: int,
    result_text: str | None,
    log_text: str,
    duration_s: float,
    *,
    engine: str,
    image: str,
    containerized: bool,
    reports: Sequence[str] = (),
) -> StageResult:
    """The runner's result.json text (None when it wrote none) and log as a StageResult.

    A runner that exited non-zero while its result says ok, or left no readable result, is an
    ERROR: the engine, not the stage's tools, went wrong. The stage's notes (what it leaves out
    on purpose) end the message.
    """
    message = ""
    notes: tuple[str, ...] = ()
    try:
        if result_text is None:
            raise ValueError(f"no {RESULT_FILE}")
        data = json.loads(result_text)
        steps = tuple(
            StepResult(
                name=s["name"],
                argv=tuple(s["argv"]),
                exit_code=int(s["exit_code"]),
                status=Status(s["status"]),
                duration_s=float(s["duration_s"]),
                detail=s.get("detail", ""),
            )
            for s in data["steps"]
        )
        status = Status(data["status"])
        notes = tuple(str(n) for n in data.get("notes", ()))
    except (ValueError, KeyError, TypeError) as exc:
        steps = ()
        status = Status.ERROR
        message = f"the stage runner exited {exit_code} without a readable {RESULT_FILE}: {exc}"
    if status.ok and exit_code != 0:
        message = f"{RESULT_FILE} says {status.value} but the stage runner exited {exit_code}"
        status = Status.ERROR
    if status is Status.DEGRADED:
        message = "degraded: " + "; ".join(
            _degraded_note(s) for s in steps if s.status is Status.DEGRADED
        )
    message = "; ".join(part for part in (message, *notes) if part)
    return StageResult(
        name=stage.name,
        status=status,
        duration_s=round(duration_s, 3),
        engine=engine,
        image=image,
        containerized=containerized,
        steps=steps,
        log_tail=tail(log_text),
        message=message,
        reports=tuple(reports),
    )


def _degraded_note(step: StepResult) -> str:
    last = step.detail.splitlines()[-1] if step.detail else "partial check"
    return last if last.startswith(f"{step.name}:") else f"{step.name}: {last}"


def read_result(
    stage: Stage,
    repo: Path,
    exit_code: int,
    duration_s: float,
    *,
    engine: str,
    image: str,
    containerized: bool,
) -> StageResult:
    """The same, from the runner's files as exported into `repo`."""
    report_dir = repo / stage.report_dir
    log = report_dir / LOG_FILE
    result = report_dir / RESULT_FILE
    files = sorted(p for p in report_dir.rglob("*") if p.is_file()) if report_dir.is_dir() else []
    return parse_result(
        stage,
        exit_code,
        result.read_text(encoding="utf-8") if result.is_file() else None,
        log.read_text(encoding="utf-8", errors="replace") if log.is_file() else "",
        duration_s,
        engine=engine,
        image=image,
        containerized=containerized,
        reports=[path.relative_to(repo).as_posix() for path in files],
    )

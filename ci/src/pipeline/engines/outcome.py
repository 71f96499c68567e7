"""Read what the in-container stage runner left behind into the engines' common StageResult."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.results import LOG_FILE, RESULT_FILE, StageResult, Status, StepResult, tail


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
    """Turn the stage runner's result.json (exported into `repo`) into a StageResult."""
    report_dir = repo / stage.report_dir
    log = report_dir / LOG_FILE
    log_text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    try:
        data = json.loads((report_dir / RESULT_FILE).read_text(encoding="utf-8"))
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
        message = ""
    except (OSError, ValueError, KeyError, TypeError) as exc:
        steps = ()
        status = Status.ERROR
        message = f"the stage runner exited {exit_code} without a readable {RESULT_FILE}: {exc}"
    if status.ok and exit_code != 0:
        message = f"result says {status} but the runner exited {exit_code}"
        status = Status.ERROR
    degraded = [s.name for s in steps if s.status is Status.DEGRADED]
    if degraded and not message:
        message = "degraded: " + "; ".join(
            f"{s.name}: {s.detail.splitlines()[-1] if s.detail else 'partial check'}"
            for s in steps
            if s.status is Status.DEGRADED
        )
    reports = (
        tuple(p.relative_to(repo).as_posix() for p in sorted(report_dir.rglob("*")) if p.is_file())
        if report_dir.is_dir()
        else ()
    )
    return StageResult(
        name=stage.name,
        status=status,
        duration_s=duration_s,
        engine=engine,
        image=image,
        containerized=containerized,
        steps=steps,
        log_tail=tail(log_text),
        message=message,
        reports=reports,
    )

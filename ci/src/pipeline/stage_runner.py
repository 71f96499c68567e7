"""The in-container side of every engine: `python -m pipeline.stage_runner STAGE`.

Runs each step of the stage (all of them, so one run reports every problem), streams their output,
and writes `build/reports/<stage>/result.json`, `log.txt` and a JUnit file with one test case per
step. Exit status: 0 when the stage passed or is degraded, 1 when it failed, 2 on bad usage.
Standard library only: it runs inside every toolchain image and on the host.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - running the catalog's own tool commands is the point
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree as ET

from pipeline.catalog import CATALOG, Catalog, CatalogError, Stage, Step
from pipeline.results import LOG_FILE, RESULT_FILE, Status, StepResult, tail, worst


def step_status(step: Step, exit_code: int) -> Status:
    if exit_code == 0:
        return Status.PASSED
    if step.degraded_exit is not None and exit_code == step.degraded_exit:
        return Status.DEGRADED
    return Status.FAILED


def run_step(step: Step, cwd: Path, log: TextIO, out: TextIO) -> StepResult:
    header = f"==> [{step.name}] {' '.join(step.argv)}\n"
    for stream in (log, out):
        stream.write(header)
        stream.flush()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # nosec B603 - argv comes from the catalog, no shell
            list(step.argv),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        message = f"cannot start {step.argv[0]!r}: {exc}\n"
        log.write(message)
        out.write(message)
        return StepResult(step.name, step.argv, 127, Status.FAILED, 0.0, message.strip())
    captured: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        captured.append(line)
        log.write(line)
        out.write(line)
        out.flush()
    exit_code = proc.wait()
    duration = round(time.monotonic() - started, 3)
    status = step_status(step, exit_code)
    detail = "" if status is Status.PASSED else tail("".join(captured), 5)
    return StepResult(step.name, step.argv, exit_code, status, duration, detail)


def junit_xml(stage: Stage, steps: Sequence[StepResult]) -> str:
    failures = sum(1 for s in steps if s.status is Status.FAILED)
    suite = ET.Element(
        "testsuite",
        name=f"pipeline.{stage.name}",
        tests=str(len(steps)),
        failures=str(failures),
        time=f"{sum(s.duration_s for s in steps):.3f}",
    )
    for step in steps:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"pipeline.{stage.name}",
            name=step.name,
            time=f"{step.duration_s:.3f}",
        )
        if step.status is Status.FAILED:
            failure = ET.SubElement(case, "failure", message=f"exit code {step.exit_code}")
            failure.text = step.detail
        elif step.status is Status.DEGRADED:
            ET.SubElement(case, "system-out").text = f"DEGRADED: {step.detail}"
    return ET.tostring(suite, encoding="unicode")


def run_stage(stage: Stage, cwd: Path, out: TextIO) -> Status:
    report_dir = cwd / stage.report_dir
    report_dir.mkdir(parents=True, exist_ok=True)
    with (report_dir / LOG_FILE).open("w", encoding="utf-8") as log:
        steps = [run_step(step, cwd, log, out) for step in stage.steps]
    status = worst([s.status for s in steps])
    result = {"stage": stage.name, "status": status.value, "steps": [_step_dict(s) for s in steps]}
    (report_dir / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (report_dir / "junit.steps.xml").write_text(junit_xml(stage, steps), encoding="utf-8")
    return status


def _step_dict(step: StepResult) -> dict[str, object]:
    return {
        "name": step.name,
        "argv": list(step.argv),
        "exit_code": step.exit_code,
        "status": step.status.value,
        "duration_s": step.duration_s,
        "detail": step.detail,
    }


def main(argv: Sequence[str] | None = None, catalog: Catalog = CATALOG) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m pipeline.stage_runner STAGE", file=sys.stderr)
        return 2
    try:
        stage = catalog.stage(args[0])
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    status = run_stage(stage, Path.cwd(), sys.stdout)
    return 0 if status.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The in-container side of every engine: `python -m pipeline.stage_runner STAGE`.

Runs each step of the stage (all of them, so one run reports every problem), streams their output
with the values of the stage's secrets masked, and writes `build/reports/<stage>/result.json`,
`log.txt` and a JUnit file with one test case per step (a degraded step is a skipped case with
its reason, never a pass). Secrets arrive in the environment (host, Dagger) or, when
PIPELINE_SECRETS_FROM=stdin, as one JSON object on stdin (docker: never in the container's
config). Exit status: 0 when the stage passed or is degraded, 1 when it failed, 2 on bad usage.
Standard library only: it runs inside every toolchain image and on the host.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - running the catalog's own tool commands is the point
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree as ET

from pipeline.catalog import CATALOG, Catalog, CatalogError, Stage, Step, stage_from_dict
from pipeline.engines.base import SECRETS_FROM_ENV, SECRETS_FROM_STDIN
from pipeline.masking import Masker
from pipeline.results import LOG_FILE, RESULT_FILE, Status, StepResult, tail, worst


def step_status(step: Step, exit_code: int) -> Status:
    if exit_code == 0:
        return Status.PASSED
    if step.degraded_exit is not None and exit_code == step.degraded_exit:
        return Status.DEGRADED
    return Status.FAILED


class SecretsError(ValueError):
    """The engine handed over secrets the runner cannot read (never shows their values)."""


def read_secrets(stage: Stage, environ: Mapping[str, str], stdin: TextIO) -> dict[str, str]:
    """The values of the stage's declared secrets: from stdin when the engine says so, else
    from the environment. Undeclared names are dropped."""
    if environ.get(SECRETS_FROM_ENV) != SECRETS_FROM_STDIN:
        return {name: environ[name] for name in stage.secrets if environ.get(name)}
    try:
        given = json.loads(stdin.read() or "{}")
    except ValueError:
        raise SecretsError("the secrets on stdin are not a JSON object") from None
    if not isinstance(given, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in given.items()
    ):
        raise SecretsError("the secrets on stdin must be a JSON object of names to strings")
    return {name: given[name] for name in stage.secrets if given.get(name)}


def run_step(
    step: Step,
    cwd: Path,
    log: TextIO,
    out: TextIO,
    masker: Masker | None = None,
    env: Mapping[str, str] | None = None,
) -> StepResult:
    masker = masker or Masker(())
    shown = tuple(masker(arg) for arg in step.argv)
    header = f"==> [{step.name}] {' '.join(shown)}\n"
    for stream in (log, out):
        stream.write(header)
        stream.flush()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # nosec B603 - argv comes from the catalog, no shell
            list(step.argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        message = f"cannot start {step.argv[0]!r}: {exc}\n"
        log.write(message)
        out.write(message)
        return StepResult(step.name, shown, 127, Status.FAILED, 0.0, masker(message.strip()))
    captured: list[str] = []
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = masker(raw)
        captured.append(line)
        log.write(line)
        out.write(line)
        out.flush()
    exit_code = proc.wait()
    duration = round(time.monotonic() - started, 3)
    status = step_status(step, exit_code)
    detail = "" if status is Status.PASSED else tail("".join(captured), 5)
    return StepResult(step.name, shown, exit_code, status, duration, detail)


def junit_xml(stage: Stage, steps: Sequence[StepResult]) -> str:
    """One test case per step; a degraded step is *skipped* with its reason (never a pass)."""
    failures = sum(1 for s in steps if s.status is Status.FAILED)
    skipped = sum(1 for s in steps if s.status is Status.DEGRADED)
    suite = ET.Element(
        "testsuite",
        name=f"pipeline.{stage.name}",
        tests=str(len(steps)),
        failures=str(failures),
        skipped=str(skipped),
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
            reason = degraded_reason(step)
            ET.SubElement(case, "skipped", message=f"degraded: {reason}").text = step.detail
    return ET.tostring(suite, encoding="unicode")


def degraded_reason(step: StepResult) -> str:
    """The last line a degraded step printed (the gates end with their summary line)."""
    lines = step.detail.strip().splitlines()
    return lines[-1] if lines else f"{step.name} could not check everything"


def run_stage(
    stage: Stage,
    cwd: Path,
    out: TextIO,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> Status:
    """Run every step, write result.json, log.txt and the JUnit file; return the stage status."""
    environ = os.environ if environ is None else environ
    secrets = read_secrets(stage, environ, stdin or sys.stdin)
    masker = Masker(secrets.values())
    env = {**environ, **secrets} if environ.get(SECRETS_FROM_ENV) else None
    if env is not None:
        env.pop(SECRETS_FROM_ENV)
    report_dir = cwd / stage.report_dir
    report_dir.mkdir(parents=True, exist_ok=True)
    with (report_dir / LOG_FILE).open("w", encoding="utf-8") as log:
        for note in stage.notes:
            for stream in (log, out):
                stream.write(f"note: {note}\n")
        steps = [run_step(step, cwd, log, out, masker, env) for step in stage.steps]
    status = worst([s.status for s in steps])
    result = {
        "stage": stage.name,
        "status": status.value,
        "steps": [_step_dict(s) for s in steps],
        "notes": list(stage.notes),
    }
    (report_dir / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (report_dir / "junit.steps.xml").write_text(junit_xml(stage, steps), encoding="utf-8")
    # A tool may have written a secret into a report of its own (JUnit, SARIF): mask them all.
    masker.scrub_tree(report_dir)
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
    if len(args) not in (1, 2) or (len(args) == 2 and args[0] != "--stage-json"):
        print("usage: python -m pipeline.stage_runner STAGE | --stage-json JSON", file=sys.stderr)
        return 2
    try:
        by_json = len(args) == 2
        stage = stage_from_dict(json.loads(args[1])) if by_json else catalog.stage(args[0])
    except (CatalogError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        status = run_stage(stage, Path.cwd(), sys.stdout)
    except SecretsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if status.ok else 1


if __name__ == "__main__":
    sys.exit(main())

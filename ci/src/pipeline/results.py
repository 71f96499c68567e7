"""Stage and run results: the one report format every engine produces (standard library only)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

RESULT_FILE = "result.json"
LOG_FILE = "log.txt"
# A stage's own Markdown block (e.g. the perf verdict), written to its report dir: the run's step
# summary ($GITHUB_STEP_SUMMARY, the Dagger function's answer) appends it after the stage table.
STEP_SUMMARY_FILE = "step-summary.md"
REPORT_SCHEMA = 1


class Status(StrEnum):
    """Outcome of a step, a stage or a run. Order matters: later is worse (see `worst`)."""

    PASSED = "passed"
    DEGRADED = "degraded"  # ran, but could not check everything it should (e.g. pip-audit offline)
    SKIPPED = "skipped"  # not run because a stage it needs did not pass
    FAILED = "failed"
    ERROR = "error"  # the engine could not run the stage at all

    @property
    def ok(self) -> bool:
        """True when the outcome does not fail the pipeline."""
        return self in (Status.PASSED, Status.DEGRADED)


_ORDER = list(Status)


def worst(statuses: list[Status] | tuple[Status, ...]) -> Status:
    """The worst of several outcomes ("worst wins"); PASSED for none."""
    return max(statuses, key=_ORDER.index, default=Status.PASSED)


def run_status(results: Sequence[StageResult], *, strict: bool) -> Status:
    """A run's verdict: the worst stage outcome; with `strict`, degraded counts as failed."""
    overall = worst(tuple(r.status for r in results))
    return Status.FAILED if strict and overall is Status.DEGRADED else overall


@dataclass(frozen=True)
class StepResult:
    name: str
    argv: tuple[str, ...]
    exit_code: int
    status: Status
    duration_s: float
    detail: str = ""


@dataclass(frozen=True)
class StageResult:
    """What happened to one stage, on whichever engine ran it."""

    name: str
    status: Status
    duration_s: float
    engine: str
    image: str
    containerized: bool
    cached: bool = False
    steps: tuple[StepResult, ...] = ()
    log_tail: str = ""
    message: str = ""
    reports: tuple[str, ...] = ()
    input_digest: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageResult:
        steps = tuple(
            StepResult(**{**s, "argv": tuple(s["argv"]), "status": Status(s["status"])})
            for s in data.get("steps", ())
        )
        return cls(
            **{
                **data,
                "status": Status(data["status"]),
                "steps": steps,
                "reports": tuple(data.get("reports", ())),
            }
        )


@dataclass(frozen=True)
class RunReport:
    engine: str
    status: Status
    duration_s: float
    stages: tuple[StageResult, ...]
    started_at: str
    notes: tuple[str, ...] = field(default=())
    schema: int = REPORT_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of a log: enough to see why a stage failed."""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])

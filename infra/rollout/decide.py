"""The controller's one decision, pure: given the record, the time and the series each
analysis expects, what happens next. Requests (abort, promote) come first; then the current
step says whether it is complete (argo-rollouts' `completedCurrentCanaryStep`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from infra.config.rollout import MetricName
from infra.rollout.analysis import Measurement, Phase, assess
from infra.rollout.plan import Analysis, Pause, SetWeight, Template
from infra.rollout.record import RequestKind, RolloutRecord, Status

SeriesFor = Callable[[Template], Sequence[tuple[MetricName, str]]]


@dataclass(frozen=True)
class ApplyWeight:
    weight: int


@dataclass(frozen=True)
class BeginStep:
    """Stamp the step's start (pause and analysis steps are timed from it)."""


@dataclass(frozen=True)
class WaitUntil:
    at: datetime


@dataclass(frozen=True)
class Measure:
    window_start: datetime


@dataclass(frozen=True)
class CompleteStep:
    outcome: str
    handles_request: bool = False


@dataclass(frozen=True)
class SkipToFull:
    by: str


@dataclass(frozen=True)
class Rollback:
    verdict: str
    message: str
    cause: tuple[Measurement, ...] = ()
    handles_request: bool = False


@dataclass(frozen=True)
class PauseForHuman:
    reason: str
    verdict: str = ""


@dataclass(frozen=True)
class IgnoreRequest:
    why: str


@dataclass(frozen=True)
class Finalize:
    """Every step done: the canary becomes the live version."""


@dataclass(frozen=True)
class Finished:
    pass


Action = (
    ApplyWeight
    | BeginStep
    | WaitUntil
    | Measure
    | CompleteStep
    | SkipToFull
    | Rollback
    | PauseForHuman
    | IgnoreRequest
    | Finalize
    | Finished
)


def next_action(record: RolloutRecord, now: datetime, series_for: SeriesFor) -> Action:
    if record.status.terminal:
        return Finished()
    if record.status is Status.ROLLING_BACK:
        return Rollback(record.verdict, record.verdict_message, record.cause)
    steps = record.plan.steps
    request = record.pending_request
    if request is not None:
        if request.kind is RequestKind.ABORT:
            return Rollback("aborted", f"aborted by {request.by}", (), handles_request=True)
        if request.kind is RequestKind.PROMOTE_FULL:
            return SkipToFull(request.by)
        current = steps[record.step_index] if record.step_index < len(steps) else None
        if isinstance(current, Pause | Analysis):
            return CompleteStep(f"promoted by {request.by}", handles_request=True)
        return IgnoreRequest(f"promote by {request.by}: no pause or analysis step to end")
    if record.step_index >= len(steps):
        return Finalize()
    if record.status is Status.PAUSED:
        return PauseForHuman(record.pause_reason, record.verdict)
    step = steps[record.step_index]
    if isinstance(step, SetWeight):
        return ApplyWeight(step.weight)
    if record.step_started_at is None:
        return BeginStep()
    if isinstance(step, Pause):
        if step.seconds is None:
            return PauseForHuman("pause step: waiting for `rollout promote`")
        until = record.step_started_at + timedelta(seconds=step.seconds)
        return CompleteStep("elapsed") if now >= until else WaitUntil(until)
    return _analysis(record, step, now, series_for)


def _analysis(
    record: RolloutRecord, step: Analysis, now: datetime, series_for: SeriesFor
) -> Action:
    own = [m for m in record.measurements if m.step == record.step_index]
    result = assess(own, series_for(step.template), step.template, step.count)
    if result.phase is Phase.SUCCESSFUL:
        return CompleteStep(Phase.SUCCESSFUL.value)
    if result.phase in (Phase.FAILED, Phase.ERROR):
        return Rollback(result.phase.value, result.message, result.cause)
    if result.phase is Phase.INCONCLUSIVE:
        return PauseForHuman(f"analysis inconclusive: {result.message}", Phase.INCONCLUSIVE.value)
    last = max((m.at for m in own), default=record.step_started_at or now)
    due = last + timedelta(seconds=step.interval_s)
    return Measure(last) if now >= due else WaitUntil(due)


def watch_index(record: RolloutRecord) -> int:
    """Where `promote --full` jumps: the post-promotion watch, else past the last step."""
    for index, step in enumerate(record.plan.steps):
        if isinstance(step, Analysis) and step.watch and index >= record.step_index:
            return index
    return len(record.plan.steps)

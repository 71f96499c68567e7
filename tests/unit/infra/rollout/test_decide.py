"""The controller's decision table: requests first, then the current step."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout import decide
from infra.rollout.analysis import Measurement, Phase
from infra.rollout.plan import Analysis, Pause, RolloutPlan, SetWeight
from infra.rollout.record import Request, RequestKind, RolloutRecord, Status
from tests.unit.infra.rollout.conftest import TEMPLATE, record_for
from tests.unit.infra.rollout.fakes import T0

PLAN = RolloutPlan(
    (SetWeight(10), Analysis(2, 60.0, TEMPLATE), Pause(30.0), Pause(None), SetWeight(100),
     Analysis(2, 60.0, TEMPLATE, watch=True))
)  # fmt: skip
SERIES = ((MetricName.ERROR_RATE, "emf"),)
BASE = record_for(PLAN)
STARTED = T0 + timedelta(minutes=1)


def series_for(_: object) -> tuple[tuple[MetricName, str], ...]:
    return SERIES


def at(step: int, **changes: object) -> RolloutRecord:
    return replace(BASE, step_index=step, **changes)  # type: ignore[arg-type]


def measured(step: int, *phases: Phase) -> tuple[Measurement, ...]:
    return tuple(
        Measurement(step, MetricName.ERROR_RATE, "emf", p, 0.0, 0.05, 50,
                    STARTED + timedelta(seconds=60 * (i + 1)))
        for i, p in enumerate(phases)
    )  # fmt: skip


def asking(kind: RequestKind) -> tuple[Request, ...]:
    return (Request(kind, "rita", T0),)


S, F, N = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE


@pytest.mark.parametrize(
    ("record", "now", "expected"),
    [
        (at(0), T0, decide.ApplyWeight(10)),
        (at(1), T0, decide.BeginStep()),
        (at(1, step_started_at=STARTED), STARTED + timedelta(seconds=59),
         decide.WaitUntil(STARTED + timedelta(seconds=60))),
        (at(1, step_started_at=STARTED), STARTED + timedelta(seconds=60), decide.Measure(STARTED)),
        (at(1, step_started_at=STARTED, measurements=measured(1, S)),
         STARTED + timedelta(seconds=120), decide.Measure(STARTED + timedelta(seconds=60))),
        (at(1, step_started_at=STARTED, measurements=measured(1, S, S)), STARTED,
         decide.CompleteStep("Successful")),
        (at(2), T0, decide.BeginStep()),
        (at(2, step_started_at=STARTED), STARTED + timedelta(seconds=29.9),
         decide.WaitUntil(STARTED + timedelta(seconds=30))),
        (at(2, step_started_at=STARTED), STARTED + timedelta(seconds=30),
         decide.CompleteStep("elapsed")),
        (at(3, step_started_at=STARTED), STARTED,
         decide.PauseForHuman("pause step: waiting for `rollout promote`")),
        (at(4), T0, decide.ApplyWeight(100)),
        (at(6), T0, decide.Finalize()),
        (at(6, status=Status.SUCCEEDED), T0, decide.Finished()),
        (at(6, status=Status.ROLLED_BACK), T0, decide.Finished()),
        (at(1, status=Status.ROLLING_BACK, verdict="Failed", verdict_message="m"), T0,
         decide.Rollback("Failed", "m")),
        (at(1, status=Status.PAUSED, pause_reason="why", verdict="Inconclusive"), T0,
         decide.PauseForHuman("why", "Inconclusive")),
        # requests come first
        (at(1, status=Status.PAUSED, requests=asking(RequestKind.ABORT)), T0,
         decide.Rollback("aborted", "aborted by rita", (), handles_request=True)),
        (at(1, status=Status.PAUSED, requests=asking(RequestKind.PROMOTE)), T0,
         decide.CompleteStep("promoted by rita", handles_request=True)),
        (at(3, step_started_at=STARTED, requests=asking(RequestKind.PROMOTE)), T0,
         decide.CompleteStep("promoted by rita", handles_request=True)),
        (at(0, requests=asking(RequestKind.PROMOTE)), T0,
         decide.IgnoreRequest("promote by rita: no pause or analysis step to end")),
        (at(1, requests=asking(RequestKind.PROMOTE_FULL)), T0, decide.SkipToFull("rita")),
        (at(1, requests=asking(RequestKind.ABORT), handled_requests=1), T0, decide.BeginStep()),
    ],
)  # fmt: skip
def test_next_action(record: RolloutRecord, now: object, expected: decide.Action) -> None:
    assert decide.next_action(record, now, series_for) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("phases", "kind"),
    [((F,), decide.Rollback), ((N, N, N), decide.PauseForHuman), ((S,), decide.WaitUntil)],
)
def test_analysis_verdicts_map_to_one_action_each(phases: tuple[Phase, ...], kind: type) -> None:
    record = at(1, step_started_at=STARTED, measurements=measured(1, *phases))
    action = decide.next_action(record, STARTED + timedelta(seconds=61), series_for)
    assert isinstance(action, kind)


def test_promote_full_jumps_to_the_watch_or_past_the_end() -> None:
    assert decide.watch_index(at(1)) == 5
    no_watch = replace(BASE, plan=RolloutPlan(PLAN.steps[:5]), step_index=1)
    assert decide.watch_index(no_watch) == 5

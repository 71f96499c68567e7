"""`rollout status`: the view model and its rendering."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from infra.config.rollout import MetricName
from infra.rollout.analysis import Measurement, Phase
from infra.rollout.ports import Candidate
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.shifters.base import Weights
from infra.rollout.status import read_status, render_status, status_view
from tests.unit.infra.rollout.conftest import record_for, small_plan
from tests.unit.infra.rollout.fakes import T0, FakeShifter, MemoryStore

AT = T0 + timedelta(minutes=2)
RUNNING = replace(
    record_for(small_plan(count=10)),
    step_index=1,
    weight=10,
    step_started_at=T0,
    measurements=(
        Measurement(1, MetricName.ERROR_RATE, "router", Phase.SUCCESSFUL, 0.0, 0.05, 40, T0),
        Measurement(1, MetricName.ERROR_RATE, "router", Phase.SUCCESSFUL, 0.012, 0.05, 38, AT),
        Measurement(1, MetricName.P95_LATENCY_MS, "emf", Phase.INCONCLUSIVE, None, 1e4, 3, AT,
                    "3 requests, fewer than 10 to judge"),
        Measurement(1, MetricName.PROBE_SUCCESS_RATE, "probe", Phase.SUCCESSFUL, 1.0, 0.8, 3, AT),
    ),
)  # fmt: skip


def test_a_running_rollout_shows_step_weights_and_each_limit() -> None:
    lines = render_status(status_view(RUNNING, Weights("1", "2", 10)))
    assert lines[0] == "rollout r1 [prod, aws] promote aaaaaaaaaaaa: RUNNING"
    assert "  versions: stable 1 -> canary 2" in lines
    assert "  step 2/5 analysis 600s (10 x 60s, template canary): 2/10 measurements" in lines
    assert "  weight recorded: canary 10%; live: canary 10%" in lines
    assert "    error_rate/router  1.2% vs > 5.0% fails  Successful" in lines
    assert (
        "    p95_latency_ms/emf  - vs > 10000 fails  Inconclusive  "
        "(3 requests, fewer than 10 to judge)"
    ) in lines
    assert "    probe_success_rate/probe  100.0% vs < 80.0% fails  Successful" in lines


def test_a_live_weight_that_differs_is_flagged() -> None:
    lines = render_status(status_view(RUNNING, Weights("1", "2", 50)))
    assert any("the live weight differs from the record" in line for line in lines)


def test_a_rollback_shows_its_verdict_and_cause() -> None:
    cause = replace(RUNNING.measurements[1], phase=Phase.FAILED, value=0.3, detail="12/40 5xx")
    rolled: RolloutRecord = replace(
        RUNNING, status=Status.ROLLED_BACK, weight=0, verdict="Failed",
        verdict_message="error_rate (router): 1 failed > failure_limit 0", cause=(cause,),
    )  # fmt: skip
    lines = render_status(status_view(rolled, None, "rollout ended"))
    assert lines[0].endswith(": ROLLED_BACK")
    assert "  verdict: Failed: error_rate (router): 1 failed > failure_limit 0" in lines
    assert "    error_rate/router  30.0% vs > 5.0% fails  Failed  (12/40 5xx)" in lines
    assert "  weight recorded: canary 0%; live: unknown (rollout ended)" in lines


def test_no_rollout_yet() -> None:
    assert render_status(status_view(None, None)) == ["no rollout recorded"]


def test_read_status_reads_live_weights_of_an_active_rollout() -> None:
    store = MemoryStore()
    store.create(RUNNING)
    shifter = FakeShifter()
    shifter.percent = 10
    seen: list[Candidate] = []

    def shifter_for(record: RolloutRecord, candidate: Candidate) -> FakeShifter:
        seen.append(candidate)
        return shifter

    view = read_status(store, shifter_for)
    assert view.live == Weights("1", "2", 10)
    assert seen == [Candidate("2", RUNNING.digest, "app-aaaaaa", "")]
    shifter.down = True
    down = read_status(store, shifter_for)
    assert down.live is None and "does not answer" in down.live_error

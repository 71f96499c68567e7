"""The controller over the fake clock: verdicts drive weights, rollbacks and pauses; every step
is persisted; notifications never stop a promotion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from infra.config.rollout import MetricName
from infra.rollout.analysis import Phase, Reading
from infra.rollout.controller import Controller
from infra.rollout.errors import RollbackFailed, TakenOver
from infra.rollout.plan import RolloutPlan
from infra.rollout.ports import Severity
from infra.rollout.providers.base import Window
from infra.rollout.record import Request, RequestKind, RolloutRecord, Status
from infra.rollout.shifters.base import Weights
from tests.unit.infra.rollout.conftest import every_metric, record_for, small_plan
from tests.unit.infra.rollout.fakes import (
    FakeClock,
    FakeProvider,
    FakeShifter,
    MemoryStore,
    RecordingNotifier,
)


def run(
    plan: RolloutPlan,
    providers: Sequence[FakeProvider] | None = None,
    shifter: FakeShifter | None = None,
    notifier: RecordingNotifier | None = None,
    store: MemoryStore | None = None,
    clock: FakeClock | None = None,
    record: RolloutRecord | None = None,
    poll_s: float = 60.0,
) -> tuple[RolloutRecord, FakeShifter, RecordingNotifier, MemoryStore, FakeClock]:
    store = store or MemoryStore()
    record = record or store.create(record_for(plan))
    shifter = shifter or FakeShifter()
    notifier = notifier or RecordingNotifier()
    clock = clock or FakeClock()
    controller = Controller(
        store,
        shifter,
        providers or every_metric(),
        notifier,
        clock,
        emit=lambda _: None,
        poll_s=poll_s,
    )
    return controller.run(record), shifter, notifier, store, clock


def rounds(record: RolloutRecord, step: int) -> int:
    return len({m.at for m in record.measurements if m.step == step})


def errors_at(rate: float, requests: int = 100) -> object:
    def script(window: Window) -> Sequence[Reading]:
        return [
            Reading(MetricName.ERROR_RATE, rate, requests, f"{rate:.0%} 5xx"),
            Reading(MetricName.P95_LATENCY_MS, 150.0, requests),
        ]

    return script


def test_the_prod_plan_reaches_100_and_takes_exactly_its_durations(prod_plan: RolloutPlan) -> None:
    record, shifter, notifier, store, clock = run(prod_plan)
    assert record.status is Status.SUCCEEDED
    assert shifter.log == ["set 10", "set 50", "set 100", "promote"]
    assert [rounds(record, i) for i in (1, 3, 5)] == [10, 10, 30]
    assert sum(clock.sleeps) == (10 + 10 + 30) * 60
    assert [s.index for s in record.steps_done] == list(range(len(prod_plan.steps)))
    assert store.latest() == record
    assert {n.severity for n in notifier.sent} == {Severity.INFO}
    assert notifier.events.count("rollout.verdict") == 3
    assert notifier.events[-1] == "rollout.completed"


def test_a_failing_canary_is_rolled_back_after_one_interval() -> None:
    record, shifter, notifier, _, clock = run(small_plan(), every_metric(errors_at(0.3)))  # type: ignore[arg-type]
    assert record.status is Status.ROLLED_BACK
    assert shifter.log == ["set 10", "reset"]
    assert shifter.percent == 0
    assert sum(clock.sleeps) == 60
    assert record.verdict == Phase.FAILED.value
    assert "error_rate (emf): 1 failed > failure_limit 0" in record.verdict_message
    assert [(m.metric, m.value) for m in record.cause] == [(MetricName.ERROR_RATE, 0.3)]
    rollback = notifier.sent[-1]
    assert (rollback.event, rollback.severity) == ("rollout.rolled_back", Severity.P0)
    assert "error_rate/emf=0.3" in rollback.fields["cause"]


def test_metrics_provider_down_errors_then_rolls_back_past_the_consecutive_limit() -> None:
    providers = every_metric()
    providers[0].down = True
    record, shifter, _, _, clock = run(small_plan(count=5), providers)
    assert record.status is Status.ROLLED_BACK
    assert record.verdict == Phase.ERROR.value
    assert "3 consecutive errors > consecutive_error_limit 2" in record.verdict_message
    assert sum(clock.sleeps) == 3 * 60
    assert all("emf unavailable: ConnectionError" in m.detail for m in record.cause)
    assert shifter.log == ["set 10", "reset"]


def test_a_provider_that_recovers_within_the_limit_does_not_roll_back() -> None:
    providers = every_metric()
    calls = {"n": 0}
    real = providers[0].script

    def flaky(window: Window) -> Sequence[Reading]:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise TimeoutError("CloudWatch did not answer")
        return real(window)

    providers[0].script = flaky
    record, *_ = run(small_plan(count=4), providers)
    assert record.status is Status.SUCCEEDED


def test_too_little_traffic_pauses_for_a_human_never_succeeds() -> None:
    record, shifter, notifier, store, clock = run(
        small_plan(count=10),
        every_metric(errors_at(0.0, requests=3)),  # type: ignore[arg-type]
    )
    assert record.status is Status.PAUSED
    assert record.verdict == Phase.INCONCLUSIVE.value
    assert "3 inconclusive > inconclusive_limit 2" in record.pause_reason
    assert shifter.log == ["set 10"]
    assert (notifier.sent[-1].event, notifier.sent[-1].severity) == ("rollout.paused", Severity.P2)
    # a human accepts: the analysis step ends and the rollout goes on
    store.add_request(record, Request(RequestKind.PROMOTE, "rita", clock.now()))
    resumed = store.latest()
    assert resumed is not None
    done, *_ = run(
        small_plan(count=10), every_metric(), shifter, store=store, clock=clock, record=resumed
    )
    assert done.status is Status.SUCCEEDED
    assert done.steps_done[1].outcome == "promoted by rita"
    assert shifter.log == ["set 10", "set 50", "set 100", "promote"]


def test_abort_while_paused_rolls_back() -> None:
    plan = small_plan(count=10)
    record, shifter, _, store, clock = run(plan, every_metric(errors_at(0.0, requests=3)))  # type: ignore[arg-type]
    store.add_request(record, Request(RequestKind.ABORT, "oscar", clock.now()))
    done, *_ = run(plan, shifter=shifter, store=store, clock=clock, record=store.latest())
    assert done.status is Status.ROLLED_BACK
    assert (done.verdict, done.verdict_message) == ("aborted", "aborted by oscar")
    assert shifter.log == ["set 10", "reset"]
    assert done.handled_requests == 1


def test_abort_requested_during_a_wait_is_acted_on_within_one_poll() -> None:
    plan = small_plan(count=10)
    store = MemoryStore()
    record = store.create(record_for(plan))
    clock = FakeClock()
    original = clock.sleep

    def sleep_then_abort(seconds: float) -> None:
        original(seconds)
        if len(clock.sleeps) == 4:  # someone runs `rollout abort` 80 s into the analysis
            latest = store.latest()
            assert latest is not None
            store.add_request(latest, Request(RequestKind.ABORT, "oscar", clock.now()))

    clock.sleep = sleep_then_abort  # type: ignore[method-assign]
    done, *_ = run(plan, store=store, clock=clock, record=record, poll_s=20.0)
    assert done.status is Status.ROLLED_BACK
    assert done.verdict == "aborted"
    assert clock.sleeps == [20.0] * 4  # noticed at the poll right after it, 80 s in
    assert rounds(done, 1) == 1  # the second measurement (due at 120 s) never happened


def test_a_request_during_the_last_slice_is_seen_at_the_next_save() -> None:
    plan = small_plan(count=10)
    store = MemoryStore()
    record = store.create(record_for(plan))
    clock = FakeClock()
    original = clock.sleep

    def sleep_then_abort(seconds: float) -> None:
        original(seconds)
        if len(clock.sleeps) == 2:
            latest = store.latest()
            assert latest is not None
            store.add_request(latest, Request(RequestKind.ABORT, "oscar", clock.now()))

    clock.sleep = sleep_then_abort  # type: ignore[method-assign]
    done, *_ = run(plan, store=store, clock=clock, record=record)  # poll = interval
    assert (done.status, done.verdict) == (Status.ROLLED_BACK, "aborted")
    assert rounds(done, 1) == 2  # merged into the second measurement's save, then acted on


def test_promote_full_skips_to_100_and_still_watches() -> None:
    plan = small_plan(count=10, watch=4)
    store = MemoryStore()
    record = store.create(record_for(plan))
    store.add_request(record, Request(RequestKind.PROMOTE_FULL, "rita", record.started_at))
    record = store.latest()
    assert record is not None
    record = replace(record, step_index=1, weight=10)
    store.records[record.sort_key] = record
    shifter = FakeShifter()
    shifter.percent = 10
    done, shifter, _, _, _clock = run(plan, shifter=shifter, store=store, record=record)
    assert done.status is Status.SUCCEEDED
    assert shifter.log == ["set 100", "promote"]
    assert rounds(done, 5) == 4  # the watch ran
    assert [s.outcome for s in done.steps_done[:4]] == ["skipped: promoted --full by rita"] * 4


def test_a_failure_in_the_post_promotion_watch_rolls_back_to_the_previous_version() -> None:
    calls = {"n": 0}

    def fails_late(window: Window) -> Sequence[Reading]:
        calls["n"] += 1
        rate = 0.5 if calls["n"] > 6 else 0.0
        return [
            Reading(MetricName.ERROR_RATE, rate, 100),
            Reading(MetricName.P95_LATENCY_MS, 1.0, 100),
        ]

    record, shifter, *_ = run(small_plan(count=3, watch=5), every_metric(fails_late))
    assert record.status is Status.ROLLED_BACK
    assert shifter.log == ["set 10", "set 50", "set 100", "reset"]
    assert record.cause[0].step == 5


def test_notification_endpoint_down_does_not_stop_the_promotion() -> None:
    record, shifter, *_ = run(small_plan(), notifier=RecordingNotifier(down=True))
    assert record.status is Status.SUCCEEDED
    assert shifter.log[-1] == "promote"
    lost = [n for n in record.notes if n.startswith("notification rollout.")]
    assert lost and all("ConnectionError: hooks.slack.example" in n for n in lost)
    assert any("rollout.completed" in n for n in lost)


class SetRefused(FakeShifter):
    def set_weight(self, percent: int) -> Weights:
        if percent:
            self.log.append(f"refused {percent}")
            from infra.rollout.errors import ShiftFailed

            raise ShiftFailed("router reads back canary 0% after setting 10%")
        return super().set_weight(percent)


def test_a_weight_the_router_refuses_rolls_back() -> None:
    record, shifter, _notifier, *_ = run(small_plan(), shifter=SetRefused())
    assert record.status is Status.ROLLED_BACK
    assert record.verdict == Phase.ERROR.value
    assert "could not shift traffic" in record.verdict_message
    assert shifter.log == ["refused 10", "reset"]


def test_router_down_leaves_the_rollback_pending_and_a_rerun_finishes_it() -> None:
    plan = small_plan()
    shifter = FakeShifter()
    shifter.down = True
    with pytest.raises(RollbackFailed, match="rerun `rollout abort`"):
        run(plan, shifter=shifter, store=(store := MemoryStore()), clock=(clock := FakeClock()))
    stuck = store.latest()
    assert stuck is not None
    assert stuck.status is Status.ROLLING_BACK
    assert any("rollback could not move traffic" in n for n in stuck.notes)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # retried with backoff first
    shifter.down = False
    done, *_ = run(plan, shifter=shifter, store=store, clock=clock, record=stuck)
    assert done.status is Status.ROLLED_BACK
    assert shifter.log == ["reset"]


def test_a_second_controller_taking_over_stops_the_first_without_touching_traffic() -> None:
    plan = small_plan(count=10)
    store = MemoryStore()
    record = store.create(record_for(plan))
    clock = FakeClock()
    original = clock.sleep

    def sleep_then_take_over(seconds: float) -> None:
        original(seconds)
        if len(clock.sleeps) == 2:
            latest = store.latest()
            assert latest is not None
            store.save(replace(latest, run_token="someone-else"))  # pragma: allowlist secret

    clock.sleep = sleep_then_take_over  # type: ignore[method-assign]
    shifter = FakeShifter()
    with pytest.raises(TakenOver, match="stopped without touching traffic"):
        run(plan, shifter=shifter, store=store, clock=clock, record=record)
    assert shifter.log == ["set 10"]

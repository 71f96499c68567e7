"""A controller killed at any point (mid-wait, between an effect and its save), rerun on the
stored record, finishes the plan with no step repeated and none skipped."""

from __future__ import annotations

import pytest

from infra.rollout.controller import Controller
from infra.rollout.record import RolloutRecord, Status
from tests.unit.infra.rollout.conftest import every_metric, record_for, small_plan
from tests.unit.infra.rollout.fakes import (
    FakeClock,
    FakeShifter,
    Killed,
    MemoryStore,
    RecordingNotifier,
)

PLAN = small_plan(count=3, watch=2)


def controller(store: MemoryStore, shifter: FakeShifter, clock: FakeClock) -> Controller:
    return Controller(
        store,
        shifter,
        every_metric(),
        RecordingNotifier(),
        clock,
        emit=lambda _: None,
        poll_s=60.0,
    )


def uninterrupted() -> tuple[int, int]:
    """How many saves and sleeps a whole run takes (the kill points to try)."""
    store, clock = MemoryStore(), FakeClock()
    record = store.create(record_for(PLAN))
    controller(store, FakeShifter(), clock).run(record)
    return store.saves, len(clock.sleeps)


SAVES, SLEEPS = uninterrupted()


def finish_after_kill(store: MemoryStore, clock: FakeClock) -> tuple[RolloutRecord, list[str]]:
    log: list[str] = []
    shifter = FakeShifter(log=log)
    record = store.create(record_for(PLAN))
    with pytest.raises(Killed):
        controller(store, shifter, clock).run(record)
    stored = store.latest()
    assert stored is not None
    rerun_shifter = FakeShifter(log=log)  # a new process: same router, its weight where it was
    rerun_shifter.percent, rerun_shifter.promoted = shifter.percent, shifter.promoted
    return controller(store, rerun_shifter, clock).run(stored), log


def assert_whole_plan_once(record: RolloutRecord, log: list[str]) -> None:
    assert record.status is Status.SUCCEEDED
    assert log == ["set 10", "set 50", "set 100", "promote"]
    assert [s.index for s in record.steps_done] == list(range(len(PLAN.steps)))
    for step, count in ((1, 3), (3, 3), (5, 2)):
        assert len({m.at for m in record.measurements if m.step == step}) == count


@pytest.mark.parametrize("kill_on_save", range(2, SAVES + 1))
def test_killed_before_a_save_resumes_without_repeating(kill_on_save: int) -> None:
    store, clock = MemoryStore(), FakeClock()
    store.kill_on_save = kill_on_save
    record, log = finish_after_kill(store, clock)
    assert_whole_plan_once(record, log)


@pytest.mark.parametrize("kill_after", range(SLEEPS))
def test_killed_while_waiting_resumes_where_it_was(kill_after: int) -> None:
    store, clock = MemoryStore(), FakeClock()
    clock.kill_after = kill_after
    record, log = finish_after_kill(store, clock)
    assert_whole_plan_once(record, log)


def test_the_kill_points_cover_every_step() -> None:
    # claim, 3 weights, 3 begins, 8 measurements, 3 analysis ends, finalize: one save each
    assert (SAVES, SLEEPS) == (19, 3 + 3 + 2)

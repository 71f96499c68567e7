"""The rollout store on in-process moto: conditional saves, requests, one active rollout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.aws.items import ItemTable
from infra.rollout.controller import Controller
from infra.rollout.errors import NoActiveRollout, RolloutInProgress, StaleRecord
from infra.rollout.record import Request, RequestKind, Status
from infra.rollout.store import RolloutStore
from tests.unit.infra.rollout.conftest import every_metric, record_for, small_plan
from tests.unit.infra.rollout.fakes import T0, FakeClock, FakeShifter, RecordingNotifier


@pytest.fixture
def store(deployments: ItemTable) -> RolloutStore:
    return RolloutStore(deployments, "prod")


def test_create_save_load(store: RolloutStore) -> None:
    record = store.create(record_for(small_plan()))
    saved = store.save(replace(record, weight=10))
    assert saved.revision == 1
    assert store.load(record) == saved
    assert store.latest() == saved


def test_a_save_from_an_old_revision_is_refused(store: RolloutStore) -> None:
    record = store.create(record_for(small_plan()))
    store.save(record)
    with pytest.raises(StaleRecord, match="changed since revision 0"):
        store.save(replace(record, weight=50))


def test_only_one_active_rollout_per_environment(store: RolloutStore) -> None:
    first = store.create(record_for(small_plan(), "r1"))
    later = replace(record_for(small_plan(), "r2"), started_at=T0 + timedelta(hours=1))
    with pytest.raises(RolloutInProgress, match="has a running rollout r1 of aaaaaaaaaaaa"):
        store.create(later)
    store.save(replace(first, status=Status.SUCCEEDED))
    store.create(later)
    assert [r.rollout_id for r in store.history()] == ["r2", "r1"]


def test_requests_append_and_bump_the_revision(store: RolloutStore) -> None:
    record = store.create(record_for(small_plan()))
    store.add_request(record, Request(RequestKind.PROMOTE, "rita", T0))
    store.add_request(record, Request(RequestKind.ABORT, "oscar", T0))
    stored = store.load(record)
    assert stored is not None
    assert [(q.kind, q.by) for q in stored.requests] == [
        (RequestKind.PROMOTE, "rita"),
        (RequestKind.ABORT, "oscar"),
    ]
    assert stored.revision == 2


def test_a_request_for_an_ended_rollout_is_refused(store: RolloutStore) -> None:
    record = store.create(record_for(small_plan()))
    store.save(replace(record, status=Status.ROLLED_BACK))
    with pytest.raises(NoActiveRollout, match="has ended; nothing to abort"):
        store.add_request(record, Request(RequestKind.ABORT, "oscar", T0))


def test_the_controller_runs_on_the_real_store_and_merges_a_request(store: RolloutStore) -> None:
    plan = small_plan(count=5)
    record = store.create(record_for(plan))
    clock = FakeClock()
    original = clock.sleep

    def sleep_then_abort(seconds: float) -> None:
        original(seconds)
        if len(clock.sleeps) == 2:
            store.add_request(record, Request(RequestKind.ABORT, "oscar", clock.now()))

    clock.sleep = sleep_then_abort  # type: ignore[method-assign]
    shifter = FakeShifter()
    controller = Controller(
        store, shifter, every_metric(), RecordingNotifier(), clock, lambda _: None, 60.0
    )
    done = controller.run(record)
    assert done.status is Status.ROLLED_BACK
    assert done.verdict_message == "aborted by oscar"
    assert store.latest() == done
    assert shifter.log == ["set 10", "reset"]

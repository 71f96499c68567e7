"""The deployment a suite judges: the latest record or a clear "deploy first", and marking it
failed with the suite's error and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.deploy.records import Outcome
from pipeline.release.deployed import latest_deployment, mark_failed
from pipeline.release.errors import ReleaseError
from tests.unit.ci.release.test_smoke_step import FakeStore, record


@pytest.mark.parametrize(
    ("why", "message"),
    [
        ("", "staging has no deployment record: deploy it first (`pipeline deploy --env staging`)"),
        (
            "so the perf record names the build",
            "deploy it first (`pipeline deploy --env staging`), so the perf record names the build",
        ),
    ],
)
def test_no_record_says_to_deploy_first(why: str, message: str) -> None:
    with pytest.raises(ReleaseError) as caught:
        latest_deployment("staging", FakeStore([]), why)
    assert str(caught.value).endswith(message)


def test_the_latest_record_is_the_first_of_the_history() -> None:
    first, second = record(), record(Outcome.FAILED)
    assert latest_deployment("dev", FakeStore([first, second])) is first


def test_marking_failed_keeps_the_record_and_adds_why_and_when() -> None:
    store = FakeStore([record()])
    when = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    mark_failed(store, record(), "smoke", "smoke tests failed", lambda: when)
    (saved,) = store.saved
    assert (saved.deployment_id, saved.digest) == ("dep1", "d" * 64)
    assert (saved.outcome, saved.error) == (Outcome.FAILED, "smoke tests failed")
    assert saved.notes == ("verified", "smoke failed at 2026-05-06T07:08:09+00:00")

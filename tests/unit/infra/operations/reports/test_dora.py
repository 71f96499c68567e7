"""DORA metrics from deployment records and rollouts, table-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.deploy.records import DeploymentRecord, Outcome
from infra.operations.reports.dora import dora_metrics
from infra.operations.reports.model import RolloutSummary

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def dep(
    n: int, outcome: Outcome, at_h: float, took_min: float = 10, commit: str = ""
) -> DeploymentRecord:
    started = T0 + timedelta(hours=at_h)
    return DeploymentRecord(
        f"d{n}",
        "prod",
        "aws",
        "a" * 64,
        commit or f"{n:07x}",
        "ci",
        started,
        outcome,
        started + timedelta(minutes=took_min),
    )


def commits_hours_before(hours: float) -> dict[str, datetime]:
    return {f"{n:07x}": T0 + timedelta(hours=n) - timedelta(hours=hours) for n in range(10)}


def test_no_records_is_an_empty_valid_result() -> None:
    dora = dora_metrics([], [], lambda _: None, 7)
    assert (dora.deployments, dora.per_day, dora.change_failure_rate) == (0, 0.0, None)
    assert dora.lead_time_median_h is None and dora.restore_median_h is None


def test_frequency_counts_succeeded_only() -> None:
    records = [
        dep(0, Outcome.SUCCEEDED, 0),
        dep(1, Outcome.NO_CHANGE, 1),
        dep(2, Outcome.FAILED, 2),
        dep(3, Outcome.IN_PROGRESS, 3),
        dep(4, Outcome.SUCCEEDED, 4),
    ]
    dora = dora_metrics(records, [], lambda _: None, 2)
    assert (dora.deployments, dora.per_day) == (2, 1.0)


def test_lead_time_is_the_median_from_commit_to_deployed() -> None:
    times = commits_hours_before(2)  # each commit 2 h before its deployment started
    records = [dep(n, Outcome.SUCCEEDED, n, took_min=30) for n in range(3)]
    dora = dora_metrics(records, [], times.get, 1)
    assert dora.lead_time_median_h == pytest.approx(2.5)
    assert (dora.lead_time_samples, dora.lead_time_unknown) == (3, 0)


def test_commits_git_cannot_date_are_counted_not_guessed() -> None:
    times = commits_hours_before(1)
    records = [dep(0, Outcome.SUCCEEDED, 0), dep(1, Outcome.SUCCEEDED, 1, commit="unknown")]
    dora = dora_metrics(records, [], times.get, 1)
    assert (dora.lead_time_samples, dora.lead_time_unknown) == (1, 1)


@pytest.mark.parametrize(
    ("outcomes", "rolled_back", "rate", "failures"),
    [
        ([Outcome.SUCCEEDED] * 4, 0, 0.0, 0),
        ([Outcome.SUCCEEDED] * 3 + [Outcome.FAILED], 0, 0.25, 1),
        ([Outcome.SUCCEEDED] * 4, 1, 0.25, 1),  # the deploy went fine, its canary rolled back
        ([Outcome.FAILED], 2, 1.0, 3),  # capped at 100 %
        ([Outcome.NO_CHANGE], 0, None, 0),  # nothing attempted
    ],
)
def test_change_failure_rate(
    outcomes: list[Outcome], rolled_back: int, rate: float | None, failures: int
) -> None:
    records = [dep(n, o, n) for n, o in enumerate(outcomes)]
    rollouts = [
        RolloutSummary(f"r{i}", "b" * 64, T0, T0 + timedelta(minutes=12), "rolled-back")
        for i in range(rolled_back)
    ]
    dora = dora_metrics(records, rollouts, lambda _: None, 1)
    assert (dora.change_failure_rate, dora.failures) == (rate, failures)


def test_time_to_restore_from_failures_to_the_next_success_or_the_rollback() -> None:
    records = [
        dep(0, Outcome.FAILED, 0, took_min=10),  # failed at 09:10
        dep(1, Outcome.SUCCEEDED, 2, took_min=50),  # restored at 11:50: 2 h 40 min
        dep(2, Outcome.FAILED, 5),  # never followed by a success
    ]
    rollouts = [
        RolloutSummary("r1", "b" * 64, T0, T0 + timedelta(minutes=30), "rolled-back"),
        RolloutSummary("r2", "b" * 64, T0, None, "aborted"),
        RolloutSummary("r3", "b" * 64, T0, T0 + timedelta(hours=9), "completed"),
    ]
    dora = dora_metrics(records, rollouts, lambda _: None, 1)
    assert dora.restore_median_h == pytest.approx((160 / 60 + 0.5) / 2)
    assert (dora.restores, dora.unrestored) == (2, 2)

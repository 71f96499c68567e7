"""`retire`: which Lambda versions go, and why each other one stays."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.rollout.errors import RolloutUsageError
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.retire import parse_duration, plan_retirement, retire
from tests.unit.infra.rollout.conftest import record_for, small_plan
from tests.unit.infra.rollout.fakes import T0

NOW = T0 + timedelta(days=10)
DAY = timedelta(days=1)


def promotion(rid: str, stable: str, canary: str, days_ago: float, status: Status) -> RolloutRecord:
    return replace(
        record_for(small_plan(), rid),
        stable_version=stable,
        canary_version=canary,
        started_at=NOW - timedelta(days=days_ago),
        status=status,
    )


HISTORY = [  # newest first, as the store returns them
    promotion("r6", "5", "7", 0.5, Status.SUCCEEDED),
    promotion("r5", "5", "6", 3, Status.ROLLED_BACK),
    promotion("r4", "3", "5", 4, Status.SUCCEEDED),
    promotion("r3", "2", "4", 5, Status.ROLLED_BACK),
    promotion("r2", "1", "3", 6, Status.SUCCEEDED),
]


def test_the_plan_keeps_what_is_needed_and_says_why() -> None:
    published = [str(v) for v in range(1, 10)]
    plan = plan_retirement(published, ("7",), HISTORY, NOW, DAY)
    assert plan.delete == ("1", "2", "3", "4", "6")
    assert plan.keep == {
        "7": "the live alias routes to it",
        "5": "the previous live version, kept for undo",
        "8": "newer than the live version: a candidate",
        "9": "newer than the live version: a candidate",
    }


def test_a_longer_window_keeps_what_recent_rollouts_named() -> None:
    plan = plan_retirement(["1", "2", "3", "4", "5", "6", "7"], ("7",), HISTORY, NOW, 4.5 * DAY)
    assert plan.delete == ("1", "2", "4")
    assert plan.keep["6"] == "named by rollout r5 (recent)"
    assert plan.keep["3"] == "named by rollout r4 (recent)"


def test_an_alias_mid_canary_keeps_both_and_an_active_rollout_keeps_its_versions() -> None:
    active = [promotion("r7", "7", "8", 30, Status.PAUSED), *HISTORY]
    plan = plan_retirement(["6", "7", "8"], ("7", "8"), active, NOW, DAY)
    assert plan.delete == ("6",)
    assert set(plan.keep) == {"7", "8"}


def test_without_records_the_previous_number_is_kept() -> None:
    plan = plan_retirement(["1", "2", "3"], ("3",), [], NOW, DAY)
    assert (plan.delete, plan.keep["2"]) == (("1",), "the previous live version, kept for undo")


class Catalog:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def published(self) -> tuple[str, ...]:
        return ("1", "2", "3")

    def routed(self) -> tuple[str, ...]:
        return ("3",)

    def delete(self, version: str) -> None:
        self.deleted.append(version)


@pytest.mark.parametrize(("dry_run", "deleted"), [(True, []), (False, ["1"])])
def test_plan_then_apply(dry_run: bool, deleted: list[str]) -> None:
    catalog, lines = Catalog(), []
    retire(catalog, [], NOW, DAY, dry_run=dry_run, emit=lines.append)
    assert catalog.deleted == deleted
    assert lines[-1] == ("(dry run) " if dry_run else "") + "delete 1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24h", timedelta(hours=24)), ("90m", timedelta(minutes=90)), ("7d", 7 * DAY),
     ("30s", timedelta(seconds=30))],
)  # fmt: skip
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["24", "0h", "1w", "-1h", "h"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(RolloutUsageError, match="is not a duration"):
        parse_duration(text)

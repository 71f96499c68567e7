"""Retention: prune beyond the retention, never one of the newest keep_last (edges included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.backup.retention import Candidate, decide_retention

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)


def aged(*ages: timedelta) -> list[Candidate]:
    return [Candidate(f"b{i}", NOW - age) for i, age in enumerate(ages)]


@pytest.mark.parametrize(
    ("ages", "retention", "keep_last", "pruned"),
    [
        ([], 7 * DAY, 1, []),
        # one backup: always kept, however old
        ([400 * DAY], 7 * DAY, 1, []),
        # exactly the retention old: kept; a microsecond older: pruned
        ([0 * DAY, 7 * DAY], 7 * DAY, 1, []),
        ([0 * DAY, 7 * DAY + TICK], 7 * DAY, 1, ["b1"]),
        ([0 * DAY, 7 * DAY - TICK], 7 * DAY, 1, []),
        # keep_last protects the newest N even when all are old
        ([30 * DAY, 31 * DAY, 32 * DAY], 7 * DAY, 3, []),
        ([30 * DAY, 31 * DAY, 32 * DAY], 7 * DAY, 2, ["b2"]),
        ([30 * DAY, 31 * DAY, 32 * DAY], 7 * DAY, 1, ["b1", "b2"]),
        # young backups beyond keep_last stay
        ([1 * DAY, 2 * DAY, 3 * DAY, 8 * DAY], 7 * DAY, 1, ["b3"]),
        # order of input does not matter: the newest are chosen by time
        ([9 * DAY, 1 * DAY, 8 * DAY], 7 * DAY, 1, ["b0", "b2"]),
    ],
)
def test_retention_decision(
    ages: list[timedelta], retention: timedelta, keep_last: int, pruned: list[str]
) -> None:
    decision = decide_retention(aged(*ages), NOW, retention, keep_last)

    assert sorted(c.key for c in decision.prune) == pruned
    assert len(decision.keep) + len(decision.prune) == len(ages)
    newest = sorted(aged(*ages), key=lambda c: c.created_at, reverse=True)[:keep_last]
    assert set(newest) <= set(decision.keep)


def test_keep_last_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="keep_last"):
        decide_retention(aged(DAY), NOW, DAY, 0)

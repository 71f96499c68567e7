"""Perf records: the item mapping (table-tested, schema version checked), the store on a
real (in-process) DynamoDB, the baseline lookup and `latest_green` for promotion."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from infra.aws.items import ItemTable
from infra.perf.gate import Verdict
from infra.perf.journeys import Kind
from infra.perf.records import (
    PerfRecord,
    PerfRecords,
    RecordFormatError,
    from_item,
    latest_green,
    to_item,
)
from tests.unit.infra.perf.support import NOW

RECORD = PerfRecord(
    run_id="run1",
    env="staging",
    target="local",
    digest="a" * 64,
    commit="c0ffee",
    started_at=NOW,
    finished_at=NOW + timedelta(seconds=50),
    verdict=Verdict.SUCCESSFUL,
    profile="local users=8 journeys=v1",
    requests=400,
    failures=1,
    rps=8.25,
    p95_ms={Kind.INTERACTIVE: 120.0, Kind.LONG: 450.5, Kind.REPORT: None},
    samples={Kind.INTERACTIVE: 200, Kind.LONG: 150, Kind.REPORT: 3},
    findings=("Inconclusive: report generation p95 3 samples (limit <= 60,000 ms)",),
    baseline_run_id="run0",
)


@pytest.mark.parametrize(
    "record",
    [
        RECORD,
        replace(RECORD, verdict=Verdict.FAILED, findings=(), baseline_run_id=""),
        replace(RECORD, p95_ms={}, samples={}, requests=0, failures=0, rps=0.0),
    ],
)
def test_item_round_trip(record: PerfRecord) -> None:
    assert from_item(to_item(record)) == record


def test_item_layout_is_the_shared_records_contract() -> None:
    item = to_item(RECORD)
    assert item["pk"] == {"S": "staging"}
    assert item["sk"] == {"S": "perf#2026-12-04T12:00:00.000000+00:00#run1"}
    assert item["schema_version"] == {"N": "1"}
    assert item["verdict"] == {"S": "Successful"}
    assert item["rps"] == {"N": "8.25"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": {"N": "2"}}, "schema_version 2; this code reads 1"),
        ({"verdict": {"S": "Great"}}, "is damaged"),
        ({"measurements": {"S": "{not json"}}, "is damaged"),
    ],
)
def test_unreadable_items_are_refused_by_name(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RecordFormatError, match=message):
        from_item({**to_item(RECORD), **change})


def at(minutes: int, **changes: Any) -> PerfRecord:
    return replace(
        RECORD, run_id=f"r{minutes}", started_at=NOW + timedelta(minutes=minutes), **changes
    )


def test_store_history_and_baseline_lookup(deployments: ItemTable) -> None:
    store = PerfRecords(deployments, "staging")
    store.save(at(1))
    store.save(at(2, verdict=Verdict.FAILED))
    store.save(at(3, profile="local users=4 journeys=v1"))
    store.save(at(4, verdict=Verdict.INCONCLUSIVE))
    other_env = PerfRecords(deployments, "dev")
    other_env.save(at(5, env="dev"))
    deployments.put({"pk": {"S": "staging"}, "sk": {"S": "deploy#x"}}, "a deploy record")
    assert [r.run_id for r in store.history()] == ["r4", "r3", "r2", "r1"]
    assert [r.run_id for r in store.history(limit=2)] == ["r4", "r3"]
    assert store.latest_green().run_id == "r3"  # type: ignore[union-attr]
    green_same_load = store.latest_green(profile=RECORD.profile)
    assert green_same_load is not None
    assert green_same_load.run_id == "r1"
    assert store.latest_green(profile="aws users=100 journeys=v1") is None


def test_latest_green_for_promotion_is_per_digest(deployments: ItemTable) -> None:
    store = PerfRecords(deployments, "staging")
    store.save(at(1, digest="d1"))
    store.save(at(2, digest="d2", verdict=Verdict.FAILED))
    assert latest_green(deployments, "staging", "d2") is None
    found = latest_green(deployments, "staging", "d1")
    assert found is not None
    assert (found.run_id, found.green) == ("r1", True)
    assert latest_green(deployments, "prod", "d1") is None

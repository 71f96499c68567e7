"""The load's vocabulary: every request name is judged by a kind and costed; data is valid for
the API and bounded across runs."""

from __future__ import annotations

from datetime import datetime

from infra.perf import journeys as j


def test_every_request_name_has_a_kind_and_a_unit_estimate() -> None:
    assert set(j.KIND_OF) == set(j.UNITS)
    assert j.kind_of(j.SEED) is None
    assert j.kind_of("GET /elsewhere") is None


def test_site_ids_are_fixed_per_environment_and_valid_ids() -> None:
    assert j.site_ids("staging", 3) == ("perf-staging-001", "perf-staging-002", "perf-staging-003")
    assert j.site_ids("dev", 2) != j.site_ids("staging", 2)


def test_the_seed_is_one_reference_day_of_five_minute_readings() -> None:
    batches = j.seed_batches()
    readings = [r for b in batches for r in b["readings"]]
    assert len(readings) == 288
    assert all(len(b["readings"]) <= 500 for b in batches)  # the API's batch limit
    start, end = j.reference_window()
    assert readings[0]["timestamp"] == start
    assert all(start <= r["timestamp"] < end for r in readings)


def test_ingest_rewrites_the_same_readings_before_the_reference_day() -> None:
    batch = j.ingest_batch()["readings"]
    assert j.ingest_batch()["readings"] == batch  # the table does not grow run after run
    assert len(batch) == j.BATCH_SIZE
    start, _ = j.reference_window()
    assert all(r["timestamp"] < start for r in batch)
    assert all(datetime.fromisoformat(r["timestamp"]).tzinfo for r in batch)
    assert {r["metric"] for r in batch} == {j.INGEST_METRIC} != {j.METRIC}  # not the reads'

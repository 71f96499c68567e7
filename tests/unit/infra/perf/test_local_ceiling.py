"""The local emulator's ceiling bound to the perf stage: the load sized under it (a table of
table sizes and capacities), the line each report states, when the ceiling explains a run's
failures, and the recorded figures standing in when the probe fails."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from infra.config.perf import LoadProfile
from infra.perf import journeys as j
from infra.perf.local_ceiling import (
    ITEMS_PER_SITE,
    LOCUST_MIX,
    LocalCeiling,
    probe_ceiling,
)
from infra.perf.measure import measure
from infra.perf.samples import Sample
from infra.targets import local_capacity as lc
from infra.targets.emulator_probe import ProbeError
from tests.unit.infra.perf.support import T0

CONFIGURED = LoadProfile(
    users=8,
    spawn_rate_per_s=4,
    duration_s=40,
    wait_min_s=0.5,
    wait_max_s=1.5,
    sites=4,
    min_requests=150,
)


def scaled(factor: float) -> lc.EmulatorCapacity:
    """The recorded figures on a machine `factor` times as fast (0.5: twice as busy)."""
    rates = ("get_item_per_s", "query_per_s", "empty_query_per_s", "scanned_items_per_s")
    rates += ("batch_write_per_s", "put_object_per_s")
    m = lc.MEASURED
    return replace(m, **{name: getattr(m, name) * factor for name in rates})


AMPLE = scaled(100.0)  # the configured cap always fits


def test_the_mix_weighs_every_journey_the_locustfile_runs() -> None:
    assert sum(LOCUST_MIX.values()) == sum(j.WEIGHTS.values())
    assert ITEMS_PER_SITE == 288 + j.BATCH_SIZE


# The recorded figures size 7 users for a small table, offering up to 6.51 req/s; the load
# keeps that size while it stays within 80 % of the ceiling measured now: a ceiling of 8.14
# req/s (factor 0.6128 of the recorded one) is the edge.
@pytest.mark.parametrize(
    ("recorded", "now", "table_items", "users", "min_requests"),
    [
        (AMPLE, AMPLE, 288, None, None),  # the configured cap fits: kept
        (lc.MEASURED, lc.MEASURED, 288, 7, 131),  # 7 users x ~1.1 s
        (lc.MEASURED, AMPLE, 288, 7, 131),  # a faster machine now: same load, same baseline
        (lc.MEASURED, scaled(0.62), 288, 7, 131),  # just within 80 % of the ceiling now
        (lc.MEASURED, scaled(0.61), 288, 4, 75),  # just over: sized from the ceiling now
        (lc.MEASURED, scaled(0.25), 288, 2, 37),  # a very busy machine
        (lc.MEASURED, lc.MEASURED, 4 * ITEMS_PER_SITE, 6, 112),  # the seeded perf sites
        (lc.MEASURED, lc.MEASURED, 5_000, 4, 75),  # moto scans the whole table on each Query
        (lc.MEASURED, lc.MEASURED, 20_000, 2, 37),
        (scaled(0.001), scaled(0.001), 288, 1, 18),  # never below one user
    ],
)
def test_the_local_load_is_lowered_to_half_the_ceiling(
    recorded: lc.EmulatorCapacity,
    now: lc.EmulatorCapacity,
    table_items: int,
    users: int | None,
    min_requests: int | None,
) -> None:
    ceiling = LocalCeiling(now, table_items, recorded=recorded)
    derived = ceiling.local_load(CONFIGURED)
    if users is None:
        assert derived is None
        return
    assert derived is not None
    assert (derived.users, derived.min_requests) == (users, min_requests)
    assert min_requests == math.floor(150 * users / 8)  # scaled with the users
    assert derived.duration_s == CONFIGURED.duration_s  # only users and min_requests change
    settings = ceiling.settings(CONFIGURED)
    limit = lc.ceiling_rps(now, LOCUST_MIX, table_items)
    assert settings.expected_rps <= lc.NEAR_CEILING * limit or users == 1


def test_the_reasons_are_stated() -> None:
    lowered = LocalCeiling(lc.MEASURED).describe_load(CONFIGURED)
    assert lowered.startswith("load from the emulator's ceiling: 7 users x 1 request per 1.08 s")
    assert "headroom 50%" in lowered and not lowered.endswith("(the configured cap)")
    ample = LocalCeiling(AMPLE, recorded=AMPLE)
    assert ample.describe_load(CONFIGURED).endswith("(the configured cap)")
    busy = LocalCeiling(scaled(0.5)).describe_load(CONFIGURED)
    assert busy.endswith(
        "; sized from the ceiling measured now: the recorded figures' 7 users would offer up "
        "to 6.5 req/s, over 80% of 6.6 req/s"
    )
    ceiling = LocalCeiling(lc.MEASURED, 1552, note="runtime probe failed (x): recorded")
    assert ceiling.ceiling().startswith("emulator ceiling 11.5 req/s for this mix (table of 1552")
    assert ceiling.ceiling().endswith("; runtime probe failed (x): recorded")
    assert LocalCeiling(lc.MEASURED).ceiling().endswith(lc.MEASURED.source)


def samples(name: str, count: int, failed: int, status: int, spread_s: float) -> list[Sample]:
    return [
        Sample(T0 + i * spread_s / count, name, status if i < failed else 200, i >= failed, 50.0, 4)
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("name", "count", "failed", "status", "duration_s", "saturated"),
    [
        # 60 summaries in 10 s: 6 Query/s against a ceiling of 7: near it, with 503s
        (j.SUMMARY, 60, 10, 503, 10.0, True),
        (j.SUMMARY, 100, 0, 200, 10.0, True),  # offered over the ceiling: saturated anyway
        (j.SUMMARY, 20, 0, 200, 10.0, False),  # well within, nothing failed
        (j.SUMMARY, 20, 5, 503, 10.0, False),  # 503s at 29 % of the ceiling: not the emulator
        (j.SUMMARY, 60, 10, 500, 10.0, False),  # 500s are the app's, whatever the load
        (j.ANONYMOUS, 100, 0, 200, 10.0, False),  # refused before any emulator call
    ],
)
def test_failures_the_ceiling_explains_are_saturation(
    name: str, count: int, failed: int, status: int, duration_s: float, saturated: bool
) -> None:
    stats = measure(samples(name, count, failed, status, duration_s), duration_s)
    reason = LocalCeiling(lc.MEASURED).saturated(stats)
    assert (reason is not None) == saturated
    if reason is not None:
        assert reason.startswith("emulator saturated: offered load at")


def test_a_run_without_requests_is_not_called_saturated() -> None:
    assert LocalCeiling(lc.MEASURED).saturated(measure([], 0.0)) is None
    seeds = measure(samples(j.SEED, 10, 0, 200, 1.0), 1.0)  # not a journey of the load
    assert LocalCeiling(lc.MEASURED).saturated(seeds) is None


def test_the_probe_measures_the_ceiling_on_the_running_emulator() -> None:
    seen: list[tuple[str, str, str | None]] = []

    def probe(endpoint: str, region: str, table: str | None) -> lc.EmulatorCapacity:
        seen.append((endpoint, region, table))
        return AMPLE

    found = probe_ceiling("http://e", "eu-west-1", "data", 4, probe, lambda *_: 9_000)
    assert found == LocalCeiling(AMPLE, 9_000)
    assert seen == [("http://e", "eu-west-1", "data")]
    # a table smaller than the perf sites will make it: what seeding leaves counts
    assert probe_ceiling("http://e", "r", "t", 4, probe, lambda *_: 10).table_items == 1552


def test_a_failed_probe_falls_back_to_the_recorded_figures_and_says_why() -> None:
    def refuse(*_: str | None) -> lc.EmulatorCapacity:
        raise ProbeError("probe GetItem: 0 calls")

    def unknown(*_: str) -> int:
        raise ProbeError("DescribeTable data: ResourceNotFoundException")

    found = probe_ceiling("http://e", "r", "data", 2, refuse, unknown)
    assert found.capacity == lc.MEASURED
    assert found.table_items == 2 * ITEMS_PER_SITE
    assert found.note == (
        "runtime probe failed (probe GetItem: 0 calls): recorded figures used; item count of "
        "data unknown (DescribeTable data: ResourceNotFoundException): 776 assumed"
    )


def test_without_the_table_the_probe_still_measures_the_emulator() -> None:
    seen: list[str | None] = []

    def probe(endpoint: str, region: str, table: str | None) -> lc.EmulatorCapacity:
        seen.append(table)
        return AMPLE

    def unknown(*_: str) -> int:
        raise ProbeError("DescribeTable data: ResourceNotFoundException")

    found = probe_ceiling("http://e", "r", "data", 2, probe, unknown)
    assert (found.capacity, seen) == (AMPLE, [None])  # its scan rate scaled, not measured
    assert found.note.startswith("item count of data unknown (DescribeTable data:")


@pytest.mark.parametrize(
    ("items_a", "items_b", "same"),
    [(1552, 1552, True), (1600, 1900, True), (1552, 1771, False), (1771, 2055, False)],
)
def test_runs_on_tables_of_another_size_band_are_not_each_others_baseline(
    items_a: int, items_b: int, same: bool
) -> None:
    """moto scans a whole table on each Query: the same build on a table 25 % bigger is slower
    for the emulator's sake, so the local profile key carries the table's size band."""
    key_a = LocalCeiling(lc.MEASURED, items_a).comparable_key()
    key_b = LocalCeiling(lc.MEASURED, items_b).comparable_key()
    assert key_a.startswith("table~")
    assert (key_a == key_b) is same

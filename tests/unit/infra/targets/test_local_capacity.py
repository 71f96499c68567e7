"""The local emulator's capacity model: request costs, sized load, and saturation, as tables."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from infra.targets import local_capacity as lc
from infra.targets.local_capacity import JOURNEYS, EmulatorCapacity, LoadObservation, Verdict

# Round numbers: a summary costs 1/100 (GetItem) + 1/10 (Query of 288) = 0.11 s.
CAP = EmulatorCapacity(
    get_item_per_s=100.0,
    query_per_s=10.0,
    empty_query_per_s=100.0,
    scanned_items_per_s=100_000.0,
    batch_write_per_s=50.0,
    put_object_per_s=200.0,
    source="test",
)
SUMMARY, INGEST, REFUSED = JOURNEYS["summary"], JOURNEYS["ingest"], JOURNEYS["refused"]


@pytest.mark.parametrize(
    "field", ["get_item_per_s", "query_per_s", "scanned_items_per_s", "put_object_per_s"]
)
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_capacity_refuses_a_ceiling_that_is_not_positive(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        replace(CAP, **{field: value})


def test_capacity_refuses_a_full_query_faster_than_an_empty_one() -> None:
    with pytest.raises(ValueError, match="cannot be faster"):
        replace(CAP, query_per_s=101.0)
    assert replace(CAP, query_per_s=100.0).query_per_s == 100.0  # the edge is allowed


def test_the_recorded_figures_are_valid_and_say_where_they_come_from() -> None:
    assert "bench/emulator_capacity.py" in lc.MEASURED.source
    assert lc.ceiling_rps(lc.MEASURED, {SUMMARY: 1.0}) > 0


@pytest.mark.parametrize(
    ("items", "table_items", "expected_s"),
    [
        (288, 288, 0.1),  # the measured shape: exactly 1 / query_per_s
        (0, 288, 0.01),  # nothing returned: the fixed cost, 1 / empty_query_per_s
        (144, 288, 0.055),  # half the items: half the per-item cost
        (288, 100, 0.1),  # a smaller table never costs less than the measured one
        (288, 288 + 100_000, 1.1),  # moto scans every item of the table: +1 s per 100k
        (0, 288 + 10_000, 0.11),
    ],
)
def test_query_cost(items: int, table_items: int, expected_s: float) -> None:
    assert lc.query_cost_s(CAP, items, table_items) == pytest.approx(expected_s)


@pytest.mark.parametrize(
    ("journey", "expected_s"),
    [
        (SUMMARY, 0.01 + 0.1),
        (INGEST, 0.01 + 4 / 50),
        (JOURNEYS["report"], 0.02 + 0.1 + 2 / 200),
        (JOURNEYS["readings"], 0.01 + 0.01 + 101 * (0.09 / 288)),
        (JOURNEYS["health"], 0.02),
        (REFUSED, 0.0),
    ],
)
def test_request_cost(journey: lc.Journey, expected_s: float) -> None:
    assert lc.request_cost_s(CAP, journey, 288) == pytest.approx(expected_s)


@pytest.mark.parametrize(
    ("mix", "expected_rps"),
    [
        ({SUMMARY: 1.0}, 1 / 0.11),
        ({SUMMARY: 5.0}, 1 / 0.11),  # weights are relative
        ({SUMMARY: 1.0, REFUSED: 1.0}, 2 / 0.11),  # half the requests cost the emulator nothing
        ({SUMMARY: 1.0, INGEST: 1.0}, 2 / (0.11 + 0.09)),
        ({REFUSED: 1.0}, math.inf),
    ],
)
def test_ceiling_of_a_mix(mix: lc.Mix, expected_rps: float) -> None:
    assert lc.ceiling_rps(CAP, mix) == pytest.approx(expected_rps)


def test_a_bigger_table_lowers_the_ceiling_of_reads_only() -> None:
    assert lc.ceiling_rps(CAP, {SUMMARY: 1.0}, 288 + 100_000) == pytest.approx(1 / 1.11)
    assert lc.ceiling_rps(CAP, {INGEST: 1.0}, 288 + 100_000) == pytest.approx(1 / 0.09)


@pytest.mark.parametrize("mix", [{}, {SUMMARY: 0.0}, {SUMMARY: 1.0, INGEST: -1.0}])
def test_a_mix_needs_positive_weights(mix: lc.Mix) -> None:
    with pytest.raises(ValueError, match="positive weights"):
        lc.ceiling_rps(CAP, mix)


@pytest.mark.parametrize(
    ("wait_s", "headroom", "max_users", "users", "spawn_rate"),
    [
        (1.0, 0.5, 100, 5, 1.0),  # 0.5 x 9.09 req/s x 1.11 s per cycle = 5.04 -> 5 users
        (1.0, 1.0, 100, 10, 1.0),
        (10.0, 0.5, 100, 45, 4.5),  # 0.5 x 9.09 x 10.11 s = 45.95
        (10.0, 0.5, 20, 20, 2.0),  # capped by max_users
        (0.0, 0.5, 100, 1, 1.0),  # no think time: one user already loads the emulator
    ],
)
def test_perf_load_sizes_users_to_the_headroom(
    wait_s: float, headroom: float, max_users: int, users: int, spawn_rate: float
) -> None:
    settings = lc.perf_load(
        CAP, {SUMMARY: 1.0}, wait_s=wait_s, headroom=headroom, max_users=max_users
    )
    assert (settings.users, settings.spawn_rate) == (users, spawn_rate)
    assert settings.ceiling_rps == pytest.approx(1 / 0.11, abs=0.01)
    assert settings.expected_rps == pytest.approx(users / (wait_s + 0.11), abs=0.01)
    assert "of the emulator's 9.1 req/s" in settings.basis


@pytest.mark.parametrize("wait_s", [0.5, 1.0, 2.0, 3.7, 10.0])
@pytest.mark.parametrize("headroom", [0.3, 0.5, 0.8])
def test_perf_load_never_plans_beyond_its_headroom(wait_s: float, headroom: float) -> None:
    settings = lc.perf_load(CAP, {SUMMARY: 2.0, INGEST: 3.0}, wait_s=wait_s, headroom=headroom)
    assert settings.expected_rps <= headroom * settings.ceiling_rps + 0.01


def test_perf_load_of_a_mix_that_never_reaches_the_emulator_takes_max_users() -> None:
    settings = lc.perf_load(CAP, {REFUSED: 1.0}, wait_s=1.0, max_users=7)
    assert settings.users == 7 and math.isinf(settings.ceiling_rps)
    assert "never calls the emulator" in settings.basis


@pytest.mark.parametrize(
    "bad",
    [
        {"headroom": 0.0},
        {"headroom": 1.01},
        {"wait_s": -0.1},
        {"ramp_s": 0.0},
        {"max_users": 0},
    ],
)
def test_perf_load_refuses_nonsense(bad: dict[str, float]) -> None:
    params = {"wait_s": 1.0, **bad}
    with pytest.raises(ValueError, match="perf_load"):
        lc.perf_load(CAP, {SUMMARY: 1.0}, **params)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headroom", "rps"), [(0.5, 0.5 / 0.11), (1.0, 1 / 0.11), (0.1, 0.1 / 0.11)]
)
def test_steady_rps_is_the_headroom_share_of_the_ceiling(headroom: float, rps: float) -> None:
    assert lc.steady_rps(CAP, {SUMMARY: 1.0}, headroom=headroom) == pytest.approx(rps)


@pytest.mark.parametrize("headroom", [0.0, -0.5, 1.5])
def test_steady_rps_refuses_a_headroom_outside_0_1(headroom: float) -> None:
    with pytest.raises(ValueError, match="headroom"):
        lc.steady_rps(CAP, {SUMMARY: 1.0}, headroom=headroom)


def seen(requests: int, failures: int = 0, dependency_503s: int = 0) -> LoadObservation:
    """Summaries over 11 s: each costs 0.11 s, so 100 requests are exactly the ceiling."""
    return LoadObservation(
        duration_s=11.0,
        requests={SUMMARY: requests},
        failures=failures,
        dependency_503s=dependency_503s,
    )


@pytest.mark.parametrize(
    ("observation", "verdict"),
    [
        (seen(50), Verdict.WITHIN_CAPACITY),
        (seen(99), Verdict.WITHIN_CAPACITY),  # just under the ceiling, nothing failed
        (seen(100), Verdict.SATURATED),  # at the ceiling: queues grow
        (seen(300, failures=200, dependency_503s=200), Verdict.SATURATED),
        (seen(80, failures=5, dependency_503s=5), Verdict.SATURATED),  # 503s near the ceiling
        (seen(79, failures=5, dependency_503s=5), Verdict.NOT_THE_EMULATOR),  # ... not near it
        (seen(10, failures=10, dependency_503s=10), Verdict.NOT_THE_EMULATOR),
        (seen(300, failures=4, dependency_503s=1), Verdict.SATURATED),  # 3 others: 1 %, allowed
        (seen(300, failures=5, dependency_503s=1), Verdict.NOT_THE_EMULATOR),  # 4 others: > 1 %
        (seen(300, failures=10), Verdict.NOT_THE_EMULATOR),  # 500s are the app's, saturated or not
        (seen(100, failures=1), Verdict.SATURATED),  # one timeout in 100 is within the limit
    ],
)
def test_classify(observation: LoadObservation, verdict: Verdict) -> None:
    found = lc.classify(observation, CAP)
    assert found.verdict is verdict
    assert found.utilisation == pytest.approx(observation.requests[SUMMARY] / 100)
    assert found.ceiling_rps == pytest.approx(1 / 0.11)
    assert "of the emulator's ceiling (9.1 req/s" in found.reason


def test_classify_counts_the_table_the_run_grew() -> None:
    small = seen(50)
    grown = replace(small, table_items=288 + 100_000)  # summary: 1.11 s each
    assert lc.classify(small, CAP).verdict is Verdict.WITHIN_CAPACITY
    assert lc.classify(grown, CAP).verdict is Verdict.SATURATED


def test_classify_honours_a_stricter_limit_for_other_failures() -> None:
    observation = seen(300, failures=4, dependency_503s=1)
    assert (
        lc.classify(observation, CAP, unexplained_limit=0.005).verdict is Verdict.NOT_THE_EMULATOR
    )


@pytest.mark.parametrize(
    "observation",
    [
        replace(seen(10), duration_s=0.0),
        seen(0),
        seen(10, failures=1, dependency_503s=2),
        seen(10, failures=11),
        seen(10, failures=-1),
    ],
)
def test_classify_refuses_an_impossible_observation(observation: LoadObservation) -> None:
    with pytest.raises(ValueError, match="classify"):
        lc.classify(observation, CAP)


def test_describe_names_the_ceiling_and_where_it_comes_from() -> None:
    line = lc.describe(CAP, {SUMMARY: 1.0})
    assert line.startswith("emulator ceiling 9.1 req/s for this mix (table of 288 items)")
    assert "Query(288) 10.0/s" in line and line.endswith("; test")


UNAVAILABLE = {"error": "unavailable", "message": "dynamodb is unavailable, retry later"}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, UNAVAILABLE, True),
        (503, {**UNAVAILABLE, "message": "s3 is unavailable, retry later"}, True),
        (503, {**UNAVAILABLE, "message": "jwks is unavailable, retry later"}, False),  # not moto
        (500, UNAVAILABLE, False),
        (503, {"error": "injected_fault", "message": "dynamodb"}, False),
        (503, "dynamodb is unavailable", False),
        (503, None, False),
    ],
)
def test_is_dependency_503(status: int, body: object, expected: bool) -> None:
    assert lc.is_dependency_503(status, body) is expected

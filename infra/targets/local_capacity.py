"""The local emulator's capacity as data, the local load sized from it, and saturation judged.

The local target serves every environment's data from one moto server process: pure Python,
one core at most (the GIL), so it, not the app, caps local load. A local perf or canary run
sizes its load from the emulator's ceiling and, when the ceiling explains its failures, reports
Inconclusive ("emulator saturated") — never the app's regression, never a pass.

API (pure; the runtime probe is `infra.targets.emulator_probe.probe`, which returns an
EmulatorCapacity):
- `MEASURED`: the ceilings `bench/emulator_capacity.py` recorded (docs/benchmarks.md).
- `JOURNEYS`: the app's requests and the emulator calls each makes; a mix weights them
  (`PERF_MIX`, `STEADY_MIX`: defaults for the perf stage and the rehearsal's steady client).
- `ceiling_rps(capacity, mix, table_items)`: requests/s of that mix the emulator can serve.
- `perf_load(...)` (locust users, spawn rate) and `steady_rps(...)` (a rehearsal's client).
- `classify(LoadObservation(...), capacity)` (count 503s with `is_dependency_503`):
  SATURATED -> report Inconclusive with its reason;
  WITHIN_CAPACITY or NOT_THE_EMULATOR -> judge the run as usual (the emulator is no excuse).
- `describe(capacity, mix, table_items)`: the one line every local load report prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum

QUERY_ITEMS = 288  # a day of 5-minute readings: the Query the ceilings are measured with
BATCH_ITEMS = 25  # DynamoDB's BatchWriteItem limit, as the app writes
OBJECT_BYTES = 4096  # a rendered report file
DEFAULT_HEADROOM = 0.5  # size load at half the ceiling (why: docs/benchmarks.md)
SATURATED_AT = 1.0  # offered emulator work >= the ceiling: queues grow whatever else is seen
NEAR_CEILING = 0.8  # dependency 503s at or above this utilisation are the ceiling's doing
UNEXPLAINED_LIMIT = 0.01  # more failures than this the emulator cannot explain: judge the app


@dataclass(frozen=True)
class EmulatorCapacity:
    """Sustained calls/s of one emulator process at saturation, per operation family."""

    get_item_per_s: float  # single-item calls: GetItem (PutItem, DescribeTable, HeadBucket ~same)
    query_per_s: float  # a Query returning QUERY_ITEMS items, table of QUERY_ITEMS items
    empty_query_per_s: float  # a Query returning nothing, same table: Query's fixed cost
    scanned_items_per_s: float  # moto scans every item of a table on each Query of it
    batch_write_per_s: float  # BatchWriteItem of BATCH_ITEMS items
    put_object_per_s: float  # PutObject of OBJECT_BYTES
    source: str  # who measured it, when, on what

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "source" and not (isinstance(value, float | int) and value > 0):
                raise ValueError(f"EmulatorCapacity.{field.name} must be > 0 calls/s, not {value}")
        if self.query_per_s > self.empty_query_per_s:
            raise ValueError(
                "EmulatorCapacity: a 288-item Query cannot be faster than an empty one"
            )


# bench/emulator_capacity.py, 2026-12-04, the least contended of three runs (load average 3-5 on
# 2 cores shared with other work; the others gave 25-100 % of these). Re-measure on a quiet
# machine; each figure within ~20 % of the one-core ceiling its CPU time per call implies.
MEASURED = EmulatorCapacity(
    get_item_per_s=244.5,
    query_per_s=7.0,
    empty_query_per_s=110.2,
    scanned_items_per_s=66_820.0,
    batch_write_per_s=142.3,
    put_object_per_s=238.7,
    source="bench/emulator_capacity.py, 2026-12-04, 2-core team machine (load 4-5), moto 5.2.5",
)


@dataclass(frozen=True)
class Journey:
    """One API request and the emulator calls it makes (counted from app/routes)."""

    name: str
    single_item_calls: int = 0
    queries: int = 0
    items_per_query: int = 0
    batch_writes: int = 0
    put_objects: int = 0


JOURNEYS: Mapping[str, Journey] = {
    "summary": Journey("GET /sites/{id}/summary, one day", 1, queries=1, items_per_query=288),
    "readings": Journey("GET /sites/{id}/readings, 100", 1, queries=1, items_per_query=101),
    "ingest": Journey("POST /sites/{id}/readings, 100", 1, batch_writes=4),
    "ingest_one": Journey("POST /sites/{id}/readings, 1", 1, batch_writes=1),
    "report": Journey(
        "POST /sites/{id}/reports, one day", 2, queries=1, items_per_query=288, put_objects=2
    ),
    "get_report": Journey("GET /reports/{id}", 1),
    "site": Journey("PUT or GET /sites/{id}", 1),
    "health": Journey("GET /health", 2),  # DescribeTable + HeadBucket
    "refused": Journey("401: refused before any emulator call"),
}

Mix = Mapping[Journey, float]  # journey -> weight (relative share of requests)

# Defaults for the local perf stage's locust journeys and the rehearsal's steady client; a caller
# with other weights passes its own. Writes must upsert a bounded set of keys (or pass the
# table's final size as table_items): every new item slows every later Query.
PERF_MIX: Mix = {
    JOURNEYS["ingest"]: 3,
    JOURNEYS["readings"]: 3,
    JOURNEYS["summary"]: 2,
    JOURNEYS["report"]: 1,
    JOURNEYS["refused"]: 1,
}
# The rehearsal's client (infra.rollout.rehearsal.load): reads of its last 100 writes, one-reading
# writes (each its own timestamp, all read back), site reads.
STEADY_MIX: Mix = {JOURNEYS["readings"]: 2, JOURNEYS["ingest_one"]: 1, JOURNEYS["site"]: 1}


def query_cost_s(capacity: EmulatorCapacity, items: int, table_items: int) -> float:
    """Emulator seconds of one Query returning `items` from a table of `table_items`."""
    fixed = 1 / capacity.empty_query_per_s
    per_item = (1 / capacity.query_per_s - fixed) / QUERY_ITEMS
    extra_scan = max(0, table_items - QUERY_ITEMS) / capacity.scanned_items_per_s
    return fixed + per_item * items + extra_scan


def request_cost_s(capacity: EmulatorCapacity, journey: Journey, table_items: int) -> float:
    """Emulator seconds one request of `journey` costs (the emulator serves one at a time)."""
    return (
        journey.single_item_calls / capacity.get_item_per_s
        + journey.queries * query_cost_s(capacity, journey.items_per_query, table_items)
        + journey.batch_writes / capacity.batch_write_per_s
        + journey.put_objects / capacity.put_object_per_s
    )


def mix_cost_s(capacity: EmulatorCapacity, mix: Mix, table_items: int) -> float:
    """Weighted mean emulator seconds per request of the mix."""
    total = sum(mix.values())
    if not mix or total <= 0 or any(w < 0 for w in mix.values()):
        raise ValueError(f"a load mix needs positive weights, got {dict(mix)}")
    return sum(w * request_cost_s(capacity, j, table_items) for j, w in mix.items()) / total


def ceiling_rps(capacity: EmulatorCapacity, mix: Mix, table_items: int = QUERY_ITEMS) -> float:
    """Requests/s of `mix` the emulator serves at most (inf when the mix never calls it)."""
    cost = mix_cost_s(capacity, mix, table_items)
    return math.inf if cost == 0 else 1 / cost


@dataclass(frozen=True)
class LoadSettings:
    """A closed-loop load (locust users) sized to a share of the emulator's ceiling."""

    users: int
    spawn_rate: float  # users started per second
    expected_rps: float  # an upper bound: response time beyond the emulator's is ignored
    ceiling_rps: float
    basis: str  # one line for the report


def perf_load(
    capacity: EmulatorCapacity,
    mix: Mix,
    *,
    wait_s: float,
    table_items: int = QUERY_ITEMS,
    headroom: float = DEFAULT_HEADROOM,
    ramp_s: float = 10.0,
    max_users: int = 100,
) -> LoadSettings:
    """Users that each wait `wait_s` between requests, at most `headroom` of the ceiling."""
    if not 0 < headroom <= 1 or wait_s < 0 or ramp_s <= 0 or max_users < 1:
        raise ValueError(
            f"perf_load: need 0 < headroom <= 1, wait_s >= 0, ramp_s > 0, max_users >= 1; got "
            f"headroom={headroom}, wait_s={wait_s}, ramp_s={ramp_s}, max_users={max_users}"
        )
    ceiling = ceiling_rps(capacity, mix, table_items)
    cycle_s = wait_s + mix_cost_s(capacity, mix, table_items)
    users = max_users if math.isinf(ceiling) else int(headroom * ceiling * cycle_s)
    users = max(1, min(max_users, users))
    expected = users / cycle_s if cycle_s > 0 else math.inf
    if math.isinf(ceiling):
        basis = f"{users} users: this mix never calls the emulator, so it sets no ceiling"
    else:
        basis = (
            f"{users} users x 1 request per {cycle_s:.2f} s <= {expected:.1f} req/s = "
            f"{expected / ceiling:.0%} of the emulator's {ceiling:.1f} req/s for this mix "
            f"(table of {table_items} items; headroom {headroom:.0%})"
        )
    return LoadSettings(
        users=users,
        spawn_rate=round(max(1.0, users / ramp_s), 2),
        expected_rps=round(expected, 2),
        ceiling_rps=round(ceiling, 2),
        basis=basis,
    )


def steady_rps(
    capacity: EmulatorCapacity,
    mix: Mix,
    table_items: int = QUERY_ITEMS,
    headroom: float = DEFAULT_HEADROOM,
) -> float:
    """An open-loop client's rate (e.g. the rehearsal's steady load): `headroom` of the ceiling."""
    if not 0 < headroom <= 1:
        raise ValueError(f"steady_rps: headroom must be in (0, 1], got {headroom}")
    return headroom * ceiling_rps(capacity, mix, table_items)


EMULATED_DEPENDENCIES = ("dynamodb", "s3")


def is_dependency_503(status: int, body: object) -> bool:
    """The app's answer to a dependency timeout: 503, `{"error": "unavailable", "message":
    "dynamodb is unavailable, retry later"}` (app/http_errors.py). Count these for classify."""
    if status != 503 or not isinstance(body, Mapping) or body.get("error") != "unavailable":
        return False
    return str(body.get("message", "")).split(" ")[0] in EMULATED_DEPENDENCIES


class Verdict(StrEnum):
    WITHIN_CAPACITY = "within emulator capacity"  # judge the run as usual
    SATURATED = "emulator saturated"  # report Inconclusive
    NOT_THE_EMULATOR = "failures the emulator does not explain"  # judge the run as usual


@dataclass(frozen=True)
class LoadObservation:
    """Counts a local load run saw over its whole duration."""

    duration_s: float
    requests: Mapping[Journey, int]  # every request sent, failed or not
    failures: int  # non-2xx/3xx answers, client timeouts and connection errors
    dependency_503s: int  # answers for which is_dependency_503 holds
    table_items: int = QUERY_ITEMS  # the largest item count of the table during the run


@dataclass(frozen=True)
class EmulatorVerdict:
    verdict: Verdict
    utilisation: float  # offered emulator work / what it can do (1.0 = at the ceiling)
    ceiling_rps: float
    reason: str


def classify(
    observation: LoadObservation,
    capacity: EmulatorCapacity,
    unexplained_limit: float = UNEXPLAINED_LIMIT,
) -> EmulatorVerdict:
    """Whether the emulator's ceiling explains the run's failures (then: Inconclusive)."""
    total = sum(observation.requests.values())
    if observation.duration_s <= 0 or total <= 0:
        raise ValueError("classify: a load observation needs a duration > 0 and requests > 0")
    if not 0 <= observation.dependency_503s <= observation.failures <= total:
        raise ValueError("classify: need 0 <= dependency_503s <= failures <= requests")
    mix = {j: float(n) for j, n in observation.requests.items() if n > 0}
    work_s = sum(n * request_cost_s(capacity, j, observation.table_items) for j, n in mix.items())
    utilisation = work_s / observation.duration_s
    ceiling = ceiling_rps(capacity, mix, observation.table_items)
    unexplained = observation.failures - observation.dependency_503s
    where = f"{utilisation:.0%} of the emulator's ceiling ({ceiling:.1f} req/s for this mix)"
    if unexplained / total > unexplained_limit:
        return EmulatorVerdict(
            Verdict.NOT_THE_EMULATOR,
            utilisation,
            ceiling,
            f"{unexplained} of {total} requests failed without a dependency 503, at {where}",
        )
    if utilisation >= SATURATED_AT or (
        observation.dependency_503s > 0 and utilisation >= NEAR_CEILING
    ):
        return EmulatorVerdict(
            Verdict.SATURATED,
            utilisation,
            ceiling,
            f"offered load at {where}; {observation.dependency_503s} dependency 503s",
        )
    if observation.dependency_503s > 0:
        return EmulatorVerdict(
            Verdict.NOT_THE_EMULATOR,
            utilisation,
            ceiling,
            f"{observation.dependency_503s} dependency 503s at only {where}",
        )
    return EmulatorVerdict(Verdict.WITHIN_CAPACITY, utilisation, ceiling, f"load at {where}")


def describe(capacity: EmulatorCapacity, mix: Mix, table_items: int = QUERY_ITEMS) -> str:
    """The ceiling a local load ran under, in one line."""
    return (
        f"emulator ceiling {ceiling_rps(capacity, mix, table_items):.1f} req/s for this mix "
        f"(table of {table_items} items): GetItem {capacity.get_item_per_s:.0f}/s, "
        f"Query({QUERY_ITEMS}) {capacity.query_per_s:.1f}/s, "
        f"BatchWriteItem({BATCH_ITEMS}) {capacity.batch_write_per_s:.0f}/s, "
        f"PutObject {capacity.put_object_per_s:.0f}/s; {capacity.source}"
    )

"""The perf stage's `EmulatorCapacity` port bound to `infra.targets.local_capacity`: the local
load sized at a share of the emulator's ceiling for the locustfile's own journey mix, the ceiling
each run states, and whether the emulator's ceiling explains a run's failures.

`LocalCeiling` is pure (table-tested); `probe_ceiling` is the effect at its edge: the emulator's
ceilings measured right before the load (`infra.targets.emulator_probe`, ~2-3 s) and the item
count of the environment's data table (moto scans every item on each Query), falling back to
the recorded figures (`local_capacity.MEASURED`) when the probe fails, and saying so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from infra.config.perf import LoadProfile
from infra.perf import journeys as j
from infra.perf.measure import RunStats
from infra.targets import local_capacity as lc

# One locust task = one journey of the locustfile (its requests run back to back, then the user
# waits). The report task creates a report, then reads its links.
REPORT_TASK = lc.Journey(
    "POST /sites/{id}/reports + GET /reports/{id}",
    single_item_calls=lc.JOURNEYS["report"].single_item_calls
    + lc.JOURNEYS["get_report"].single_item_calls,
    queries=1,
    items_per_query=lc.QUERY_ITEMS,
    put_objects=lc.JOURNEYS["report"].put_objects,
)
TASKS: Mapping[str, lc.Journey] = {
    "range_query": lc.JOURNEYS["readings"],
    "summary": lc.JOURNEYS["summary"],
    "ingest": lc.JOURNEYS["ingest"],
    "site": lc.JOURNEYS["site"],
    "report": REPORT_TASK,
    "auth_failure": lc.JOURNEYS["refused"],
}
LOCUST_MIX: lc.Mix = {TASKS[name]: float(weight) for name, weight in j.WEIGHTS.items()}
# Each request name the locustfile sends, as the emulator calls it makes (for `classify`).
REQUESTS: Mapping[str, lc.Journey] = {
    j.GET_SITE: lc.JOURNEYS["site"],
    j.QUERY_READINGS: lc.JOURNEYS["readings"],
    j.GET_REPORT: lc.JOURNEYS["get_report"],
    j.INGEST_BATCH: lc.JOURNEYS["ingest"],
    j.SUMMARY: lc.JOURNEYS["summary"],
    j.CREATE_REPORT: lc.JOURNEYS["report"],
    j.ANONYMOUS: lc.JOURNEYS["refused"],
    j.FORGED: lc.JOURNEYS["refused"],
}
# Runs on tables within one band (x1.25) of items are compared; across bands, not (see
# LocalCeiling.comparable_key): measured, a table grown 1,552 -> 2,055 items made the same build's
# report-generation p95 +32 % (321 -> 425 ms) on the emulator.
TABLE_BAND = 1.25
# Items the perf sites themselves keep in the table: the reference day plus the ingest batch.
ITEMS_PER_SITE = lc.QUERY_ITEMS + j.BATCH_SIZE


@dataclass(frozen=True)
class LocalCeiling:
    """The emulator's ceilings for one run: `capacity` (probed now, or the recorded figures:
    what the run is judged against), the data table's item count, the share of the ceiling the
    load may use, and `recorded`: the figures that size the load while the emulator's ceiling
    now leaves room for it, so that runs keep one load and find their baseline."""

    capacity: lc.EmulatorCapacity
    table_items: int = lc.QUERY_ITEMS
    headroom: float = lc.DEFAULT_HEADROOM
    note: str = ""  # e.g. why the recorded figures stand in for a probe
    recorded: lc.EmulatorCapacity = lc.MEASURED

    def _sized(self, capacity: lc.EmulatorCapacity, configured: LoadProfile) -> lc.LoadSettings:
        wait_s = (configured.wait_min_s + configured.wait_max_s) / 2
        ramp_s = configured.users / configured.spawn_rate_per_s
        return lc.perf_load(
            capacity,
            LOCUST_MIX,
            wait_s=wait_s,
            table_items=self.table_items,
            headroom=self.headroom,
            ramp_s=max(ramp_s, 1.0),
            max_users=configured.users,
        )

    def settings(self, configured: LoadProfile) -> lc.LoadSettings:
        """Users that each think the configured mean time, at most `headroom` of the recorded
        ceiling and at most the configured users (the cap sized for this machine's cores);
        sized from the ceiling now instead when that load would come near it (a busy machine)."""
        planned = self._sized(self.recorded, configured)
        now = lc.ceiling_rps(self.capacity, LOCUST_MIX, self.table_items)
        if planned.expected_rps <= lc.NEAR_CEILING * now:
            return planned
        lowered = self._sized(self.capacity, configured)
        basis = (
            f"{lowered.basis}; sized from the ceiling measured now: the recorded figures' "
            f"{planned.users} users would offer up to {planned.expected_rps:.1f} req/s, over "
            f"{lc.NEAR_CEILING:.0%} of {now:.1f} req/s"
        )
        return replace(lowered, basis=basis)

    def local_load(self, configured: LoadProfile) -> LoadProfile | None:
        """The configured load with its users lowered to what the ceiling allows (and its
        minimum of requests served scaled with them); None when the cap already fits."""
        users = self.settings(configured).users
        if users >= configured.users:
            return None
        min_requests = max(1, math.floor(configured.min_requests * users / configured.users))
        return configured.model_copy(update={"users": users, "min_requests": min_requests})

    def describe_load(self, configured: LoadProfile) -> str:
        """Why the load is what it is, one line (the plan prints it)."""
        settings = self.settings(configured)
        capped = "" if settings.users < configured.users else " (the configured cap)"
        return f"load from the emulator's ceiling: {settings.basis}{capped}"

    def comparable_key(self) -> str:
        """`table~N`: the data table's item count in bands of TABLE_BAND (moto scans a whole
        table on each Query, so a run on a table 25 % bigger is slower for the emulator's sake;
        such runs are not each other's baseline)."""
        band = math.floor(math.log(max(self.table_items, 1), TABLE_BAND))
        return f"table~{round(TABLE_BAND**band)}"

    def ceiling(self) -> str:
        line = lc.describe(self.capacity, LOCUST_MIX, self.table_items)
        return f"{line}; {self.note}" if self.note else line

    def saturated(self, stats: RunStats) -> str | None:
        """`classify`'s SATURATED reason, or None (within capacity, or failures the emulator
        does not explain: then the run is judged as usual). Samples keep statuses, not bodies:
        every 503 counts as a dependency 503 (locally the app's only 503: DynamoDB or S3
        unavailable; its signing key is local, so no JWKS fetch can fail)."""
        counts: dict[lc.Journey, int] = {}
        for name, measured in stats.by_name.items():
            journey = REQUESTS.get(name)
            if journey is not None and measured.requests:
                counts[journey] = counts.get(journey, 0) + measured.requests
        if stats.duration_s <= 0 or not counts:
            return None
        failures = min(stats.overall.failures, sum(counts.values()))
        observation = lc.LoadObservation(
            duration_s=stats.duration_s,
            requests=counts,
            failures=failures,
            dependency_503s=min(failures, stats.failures_by_status.get("503", 0)),
            table_items=self.table_items,
        )
        verdict = lc.classify(observation, self.capacity)
        if verdict.verdict is lc.Verdict.SATURATED:
            return f"{lc.Verdict.SATURATED.value}: {verdict.reason}"
        return None


Probe = Callable[[str, str, str | None], lc.EmulatorCapacity]
ItemCount = Callable[[str, str, str], int]


def _probe(endpoint: str, region: str, table: str | None) -> lc.EmulatorCapacity:
    from infra.targets.emulator_probe import probe

    return probe(endpoint, region, table)


def _item_count(endpoint: str, region: str, table: str) -> int:
    from infra.targets.emulator_probe import EmulatorCalls, item_count

    calls = EmulatorCalls(endpoint, region, pool_size=1)
    try:
        return item_count(calls, table)
    finally:
        calls.close()


def probe_ceiling(
    endpoint: str,
    region: str,
    table: str,
    sites: int,
    probe: Probe = _probe,
    count: ItemCount = _item_count,
) -> LocalCeiling:
    """The ceiling now: probed on the running emulator (its scan rate on `table` when big
    enough), else the recorded figures with the reason. Query's cost follows the table's item
    count, at least what seeding `sites` perf sites leaves there."""
    from infra.targets.emulator_probe import ProbeError

    seeded = sites * ITEMS_PER_SITE
    try:
        counted = count(endpoint, region, table)
    except (ProbeError, KeyError, ValueError) as exc:
        items, why = seeded, f"item count of {table} unknown ({exc}): {seeded} assumed"
        scanned: str | None = None  # no table to measure the scan rate on: scaled instead
    else:
        items, why, scanned = max(seeded, counted), "", table
    try:
        capacity = probe(endpoint, region, scanned)
    except ProbeError as exc:
        note = f"runtime probe failed ({exc}): recorded figures used"
        return LocalCeiling(lc.MEASURED, items, note="; ".join(filter(None, (note, why))))
    return LocalCeiling(capacity, items, note=why)

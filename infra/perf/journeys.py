"""The load's vocabulary, shared by the locustfile and the gate: request names, what kind of
operation each is (the gate's thresholds are per kind), the journeys' weights and their data.

Pure and dependency-free, so `tests/perf/locustfile.py` imports it inside the load generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from app.authz import ALL_SCOPES

# Bump when a journey, its weight or its data changes: runs of another version are not
# comparable, so they are never each other's baseline.
JOURNEYS_VERSION = 4


class Kind(StrEnum):
    """How the gate judges a request: interactive p95, long-operation p95, report generation,
    or an expected refusal (auth failures: a 401 is the success there)."""

    INTERACTIVE = "interactive"
    LONG = "long"
    REPORT = "report"
    AUTH = "auth"


# Request names as locust groups them (ids replaced by placeholders: bounded cardinality).
GET_SITE = "GET /sites/{id}"
QUERY_READINGS = "GET /sites/{id}/readings"
GET_REPORT = "GET /reports/{id}"
INGEST_BATCH = "POST /sites/{id}/readings (batch)"
SUMMARY = "GET /sites/{id}/summary"
CREATE_REPORT = "POST /sites/{id}/reports"
ANONYMOUS = "GET /sites/{id} (no token)"
FORGED = "GET /sites/{id} (forged token)"
SEED = "seed"  # the set-up requests before the load (not part of the measured run)

KIND_OF: dict[str, Kind] = {
    GET_SITE: Kind.INTERACTIVE,
    QUERY_READINGS: Kind.INTERACTIVE,
    GET_REPORT: Kind.INTERACTIVE,
    INGEST_BATCH: Kind.LONG,
    SUMMARY: Kind.LONG,
    CREATE_REPORT: Kind.REPORT,
    ANONYMOUS: Kind.AUTH,
    FORGED: Kind.AUTH,
}

# Journey weights (a locust task's relative frequency). The report journey also fetches the
# report's download links (GET /reports/{id}); the auth journey alternates its two refusals.
# Report generation is the rarest kind the gate judges: its weight keeps it above
# perf.thresholds.min_samples in a short local run (~1 in 6 requests).
WEIGHTS = {
    "range_query": 4,
    "summary": 2,
    "ingest": 3,
    "site": 2,
    "report": 3,
    "auth_failure": 1,
}

METRIC = "power_kw"  # what the reads (queries, summaries, reports) read: the reference day
# Ingest rewrites the same 100 readings of another metric, the day before the reference day:
# a rewrite costs DynamoDB the same write units as a new item, and the tables stay the same size
# run after run (the emulator's Query cost grows with its table's size; DynamoDB's does not).
INGEST_METRIC = "energy_kwh"
BATCH_SIZE = 100
READINGS_PAGE = 100
# The day every site is seeded with (288 five-minute readings): queries, summaries and reports
# read it, so their cost is the same in every run however much earlier runs ingested.
REFERENCE_DAY = date(2025, 1, 15)
SEED_INTERVAL = timedelta(minutes=5)
SEED_CHUNK = 96  # readings per seed request (3 requests per site)
SCOPES: tuple[str, ...] = tuple(ALL_SCOPES)  # the journeys use every route


@dataclass(frozen=True)
class Estimate:
    """DynamoDB units one request consumes, estimated from item sizes (the capacity report's
    basis until measured on AWS with ReturnConsumedCapacity)."""

    read_units: float
    write_units: float


# GetItem (consistent, < 4 KB) = 1 RCU; Query (eventually consistent) = 0.5 RCU per 4 KB read
# (~60 B per reading: 100 readings ~ 6 KB, 288 ~ 17 KB); a write per item < 1 KB = 1 WCU.
UNITS: dict[str, Estimate] = {
    GET_SITE: Estimate(1, 0),
    QUERY_READINGS: Estimate(1 + 1, 0),
    GET_REPORT: Estimate(1, 0),
    INGEST_BATCH: Estimate(1, BATCH_SIZE),
    SUMMARY: Estimate(1 + 2.5, 0),
    CREATE_REPORT: Estimate(1 + 2.5, 1),
    ANONYMOUS: Estimate(0, 0),
    FORGED: Estimate(0, 0),
}


def kind_of(name: str) -> Kind | None:
    """The kind of a request name; None for names the gate does not judge (e.g. seeding)."""
    return KIND_OF.get(name)


def site_ids(env: str, count: int) -> tuple[str, ...]:
    """The sites the load uses: fixed per environment, so a token can name them in advance and
    reruns overwrite the same reference data instead of growing the table."""
    return tuple(f"perf-{env}-{n:03d}" for n in range(1, count + 1))


def reference_window() -> tuple[str, str]:
    """The reference day as the API's `from`/`to` query values (to is exclusive)."""
    start = datetime.combine(REFERENCE_DAY, datetime.min.time(), UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


def seed_batches() -> list[dict[str, Any]]:
    """The reference day's readings as request bodies for POST /sites/{id}/readings."""
    start = datetime.combine(REFERENCE_DAY, datetime.min.time(), UTC)
    readings = [
        {
            "timestamp": (start + i * SEED_INTERVAL).isoformat(),
            "metric": METRIC,
            "value": float((i * 7) % 400),
        }
        for i in range(int(timedelta(days=1) / SEED_INTERVAL))
    ]
    return [{"readings": readings[i : i + SEED_CHUNK]} for i in range(0, len(readings), SEED_CHUNK)]


def ingest_batch() -> dict[str, Any]:
    """The ingest journey's 100-reading batch (always the same keys: see INGEST_METRIC)."""
    day = datetime.combine(REFERENCE_DAY, datetime.min.time(), UTC) - timedelta(days=1)
    return {
        "readings": [
            {
                "timestamp": (day + timedelta(minutes=i)).isoformat(),
                "metric": INGEST_METRIC,
                "value": float(i % 250),
            }
            for i in range(BATCH_SIZE)
        ]
    }


def report_request() -> dict[str, str]:
    start, end = reference_window()
    return {"metric": METRIC, "period": "hour", "from": start, "to": end}

"""Perf records (`perf#` items in the environment's deployments table): one per judged run,
so `promote` can ask for the latest green run of a digest and the gate finds its baseline."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from infra.aws.items import Item, ItemTable
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY, format_time, parse_time
from infra.perf.gate import Baseline, Verdict
from infra.perf.journeys import Kind

SCHEMA_VERSION = 1
RECORD_PREFIX = "perf#"


@dataclass(frozen=True)
class PerfRecord:
    """A judged run: where, which build, which load (`profile`), the verdict and the numbers a
    later run compares against."""

    run_id: str
    env: str
    target: str
    digest: str
    commit: str
    started_at: datetime
    finished_at: datetime
    verdict: Verdict
    profile: str
    requests: int
    failures: int
    rps: float
    p95_ms: Mapping[Kind, float | None] = field(default_factory=dict)
    samples: Mapping[Kind, int] = field(default_factory=dict)
    findings: tuple[str, ...] = ()  # the checks that were not Successful, one line each
    baseline_run_id: str = ""

    @property
    def green(self) -> bool:
        return self.verdict is Verdict.SUCCESSFUL

    def as_baseline(self) -> Baseline:
        return Baseline(
            self.run_id, self.started_at, self.digest, self.rps, self.p95_ms, self.samples
        )


def sort_key(started_at: datetime, run_id: str) -> str:
    return f"{RECORD_PREFIX}{format_time(started_at)}#{run_id}"


def to_item(record: PerfRecord) -> Item:
    measurements = {
        "p95_ms": {kind.value: value for kind, value in sorted(record.p95_ms.items())},
        "samples": {kind.value: count for kind, count in sorted(record.samples.items())},
    }
    return {
        PARTITION_KEY: {"S": record.env},
        SORT_KEY: {"S": sort_key(record.started_at, record.run_id)},
        "schema_version": {"N": str(SCHEMA_VERSION)},
        "run_id": {"S": record.run_id},
        "target": {"S": record.target},
        "digest": {"S": record.digest},
        "commit": {"S": record.commit},
        "started_at": {"S": format_time(record.started_at)},
        "finished_at": {"S": format_time(record.finished_at)},
        "verdict": {"S": record.verdict.value},
        "profile": {"S": record.profile},
        "requests": {"N": str(record.requests)},
        "failures": {"N": str(record.failures)},
        "rps": {"N": repr(round(record.rps, 3))},
        "measurements": {"S": json.dumps(measurements, sort_keys=True)},
        "findings": {"L": [{"S": line} for line in record.findings]},
        "baseline_run_id": {"S": record.baseline_run_id},
    }


class RecordFormatError(ValueError):
    """An item under `perf#` this code cannot read (another schema version, or damaged)."""


def from_item(item: Mapping[str, Any]) -> PerfRecord:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    def number(name: str) -> float:
        return float(item.get(name, {}).get("N", "0"))

    version = int(number("schema_version"))
    if version != SCHEMA_VERSION:
        raise RecordFormatError(
            f"perf record {text(SORT_KEY)} has schema_version {version}; this code reads "
            f"{SCHEMA_VERSION}"
        )
    try:
        measurements = json.loads(text("measurements") or "{}")
        return PerfRecord(
            run_id=text("run_id"),
            env=text(PARTITION_KEY),
            target=text("target"),
            digest=text("digest"),
            commit=text("commit"),
            started_at=parse_time(text("started_at")),
            finished_at=parse_time(text("finished_at")),
            verdict=Verdict(text("verdict")),
            profile=text("profile"),
            requests=int(number("requests")),
            failures=int(number("failures")),
            rps=number("rps"),
            p95_ms={Kind(k): v for k, v in measurements.get("p95_ms", {}).items()},
            samples={Kind(k): int(v) for k, v in measurements.get("samples", {}).items()},
            findings=tuple(str(f.get("S", "")) for f in item.get("findings", {}).get("L", [])),
            baseline_run_id=text("baseline_run_id"),
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise RecordFormatError(f"perf record {text(SORT_KEY)} is damaged: {exc}") from None


class PerfRecordsPort(Protocol):
    """What the perf stage needs of the records (a fake in tests)."""

    def save(self, record: PerfRecord) -> None: ...

    def latest_green(
        self, digest: str | None = None, profile: str | None = None
    ) -> PerfRecord | None: ...


class PerfRecords:
    """Perf records of one environment in its deployments table."""

    def __init__(self, table: ItemTable, env: str) -> None:
        self._table = table
        self._env = env

    def save(self, record: PerfRecord) -> None:
        self._table.put(to_item(record), "perf record")

    def history(self, limit: int | None = 20) -> list[PerfRecord]:
        """The environment's perf records, newest first."""
        items = self._table.query_prefix(
            (PARTITION_KEY, SORT_KEY), self._env, RECORD_PREFIX, "perf history", limit=limit
        )
        return [from_item(item) for item in items]

    def latest_green(
        self, digest: str | None = None, profile: str | None = None
    ) -> PerfRecord | None:
        """The newest Successful run (of `digest` / with load `profile`, when given)."""
        for record in self.history(limit=None):
            wanted = digest in (None, record.digest) and profile in (None, record.profile)
            if record.green and wanted:
                return record
        return None


def latest_green(table: ItemTable, env: str, digest: str) -> PerfRecord | None:
    """For `promote`: the newest green perf run of `digest` in `env`, or None."""
    return PerfRecords(table, env).latest_green(digest=digest)

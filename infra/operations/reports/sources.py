"""The report's ports on each target: deployment records and git (both), CloudWatch and Cost
Explorer (AWS), the app's log lines and the local notification sink (local)."""

from __future__ import annotations

import functools
import json
import re
import subprocess  # nosec B404 - a read-only git query
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from infra.aws.clients import AwsClients
from infra.aws.cloudwatch import MetricStatistics, alarm_history
from infra.aws.cost import CostExplorer
from infra.aws.items import ItemTable
from infra.backup.drill_records import DrillRecord, DrillRecords
from infra.config.model import EnvironmentConfig
from infra.deploy.records import DeploymentRecord, from_item
from infra.deploy.table_items import PARTITION_KEY, RECORD_PREFIX, SORT_KEY, parse_time
from infra.monitoring.catalog import STAGE, catalog_of
from infra.monitoring.local_source import STATE_CHANGED
from infra.monitoring.notify import read_jsonl
from infra.monitoring.severity import Severity
from infra.operations.diagnose.app_logs import percentile, record_time
from infra.operations.reports.model import AlarmFiring, DailyTraffic, NotAvailable

_COMMIT = "^[0-9a-f]{7,40}$"


class RecordDeployments:
    """`deploy#` records of the environment's deployments table (both targets)."""

    def __init__(self, clients: AwsClients, table: str) -> None:
        self._table = ItemTable(clients, table)

    def between(self, env: str, start: datetime, end: datetime) -> list[DeploymentRecord]:
        items = self._table.query_prefix(
            (PARTITION_KEY, SORT_KEY), env, RECORD_PREFIX, "deployments"
        )
        records = (from_item(item) for item in items)
        return [r for r in records if start <= r.started_at <= end]


class RecordDrills:
    """The newest `drill#` record of the environment's deployments table (both targets)."""

    def __init__(self, clients: AwsClients, table: str) -> None:
        self._table = ItemTable(clients, table)

    def last(self, env: str) -> DrillRecord | None:
        newest = DrillRecords(self._table, env).newest(limit=1)
        return newest[0] if newest else None


class GitCommitTimes:
    """Commit times from the repository (CI checkouts need the history: fetch-depth 0)."""

    def __init__(self, repo: Path) -> None:
        self._repo = repo

    @functools.cache  # noqa: B019 - one instance per report run
    def committed_at(self, commit: str) -> datetime | None:
        if not re.fullmatch(_COMMIT, commit):
            return None
        try:
            done = subprocess.run(  # nosec B603 B607 - fixed argv, read-only git query
                ["git", "show", "-s", "--format=%cI", commit],  # noqa: S607
                cwd=self._repo,
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0 or not done.stdout.strip():
            return None
        return parse_time(done.stdout.strip())


class ApiTraffic:
    """Requests, 5xx and p95 latency per day from the HTTP API's CloudWatch metrics."""

    def __init__(self, clients: AwsClients, api_id: str) -> None:
        self._stats = MetricStatistics(clients)
        self._dims = (("ApiId", api_id), ("Stage", STAGE))

    def daily(self, env: str, start: datetime, end: datetime) -> list[DailyTraffic]:
        def series(name: str, stat: str) -> dict[date, float]:
            return self._stats.daily("AWS/ApiGateway", name, self._dims, stat, start, end)

        count, errors, p95 = series("Count", "Sum"), series("5xx", "Sum"), series("Latency", "p95")
        return [
            DailyTraffic(day, int(count[day]), int(errors.get(day, 0)), p95.get(day))
            for day in sorted(count)
        ]


class CloudWatchAlarmHistory:
    """Transitions into ALARM of the environment's catalog alarms."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def fired(self, env: str, start: datetime, end: datetime) -> list[AlarmFiring]:
        catalog = catalog_of(env)
        return [
            AlarmFiring(t.name, catalog.severity_of(t.name) or Severity.INFO, t.at)
            for t in alarm_history(self._clients, start, end)
            if t.state == "ALARM" and t.name in catalog.names
        ]


class StackCost:
    def __init__(self, clients: AwsClients, config: EnvironmentConfig) -> None:
        self._explorer = CostExplorer(clients)
        self._stack = config.names.stack

    def daily(self, env: str, start: date, end: date) -> dict[date, float] | NotAvailable:
        return self._explorer.daily_costs(self._stack, start, end)


class NoCost:
    """The local target: the emulator has no billing data."""

    def daily(self, env: str, start: date, end: date) -> dict[date, float] | NotAvailable:
        return NotAvailable("cost is not available locally (the emulator has no billing data)")


class AppLogTraffic:
    """Requests per day from the local app's log lines (its access log)."""

    def __init__(self, lines: Callable[[], Iterable[str]]) -> None:
        self._lines = lines

    def daily(self, env: str, start: datetime, end: datetime) -> list[DailyTraffic]:
        return traffic_from_lines(self._lines(), start, end)


def traffic_from_lines(lines: Iterable[str], start: datetime, end: datetime) -> list[DailyTraffic]:
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    latencies: dict[date, list[float]] = defaultdict(list)
    for line in lines:
        record = _json(line)
        if record is None or record.get("message") != "request":
            continue
        at = record_time(record)
        status = record.get("status")
        if at is None or not start <= at <= end or not isinstance(status, int):
            continue
        counts[at.date()][0] += 1
        counts[at.date()][1] += status >= 500
        latency = record.get("latency_ms")
        if isinstance(latency, int | float):
            latencies[at.date()].append(float(latency))
    return [
        DailyTraffic(day, n, errors, percentile(latencies[day], 95))
        for day, (n, errors) in sorted(counts.items())
    ]


class NotificationSinkHistory:
    """The local target's alarm transitions: `alarm.state_changed` lines of the local
    notification sink (alarms that page; the composite service-health covers the others)."""

    def __init__(self, sink: Path) -> None:
        self._sink = sink

    def fired(self, env: str, start: datetime, end: datetime) -> list[AlarmFiring]:
        found = []
        for record in read_jsonl(self._sink):
            fields = record.get("fields")
            if record.get("event") != STATE_CHANGED or not isinstance(fields, dict):
                continue
            if fields.get("state") != "ALARM" or not isinstance(record.get("at"), str):
                continue
            at = parse_time(str(record["at"]))
            if start <= at <= end:
                severity = Severity(str(record.get("severity", "INFO")))
                found.append(AlarmFiring(str(fields.get("alarm", "")), severity, at))
        return found


def _json(line: str) -> dict[str, object] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None

"""`backup#` records: what was backed up, where its snapshot is, what was checked and pruned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from infra.backup.fingerprint import Fingerprint
from infra.backup.record_items import (
    KEY_NAMES,
    Check,
    Item,
    RecordTable,
    checks_of,
    checks_value,
    key_item,
    n,
    put_time,
    s,
    string_list,
    strings,
    text,
    time_or_none,
)
from infra.deploy.table_items import PARTITION_KEY, format_time, parse_time

KIND = "backup"
SCHEMA_VERSION = 1


class BackupStatus(StrEnum):
    IN_PROGRESS = "in-progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PRUNED = "pruned"  # the DynamoDB backup and its snapshot were deleted by retention


@dataclass(frozen=True)
class SourceFingerprint:
    """The table scanned just before and just after the backup; equal means it did not change
    across the backup point, so the backup holds exactly this content."""

    before: Fingerprint
    after: Fingerprint
    scanned_from: datetime
    scanned_to: datetime

    @property
    def exact(self) -> bool:
        return self.before == self.after

    def covers(self, moment: datetime) -> bool:
        return self.exact and self.scanned_from <= moment <= self.scanned_to


@dataclass(frozen=True)
class BackupRecord:
    backup_id: str
    env: str
    target: str
    table: str
    reason: str
    actor: str
    started_at: datetime
    status: BackupStatus = BackupStatus.IN_PROGRESS
    finished_at: datetime | None = None
    backup_arn: str = ""
    point: datetime | None = None  # what the backup holds: the table as of this time
    snapshot: str = ""  # s3://<artifact bucket>/backups/<id>/
    snapshot_files: tuple[tuple[str, str], ...] = ()  # (file, sha256)
    fingerprint: SourceFingerprint | None = None
    checks: tuple[Check, ...] = ()
    pruned: tuple[str, ...] = ()  # ids of older backups this run pruned
    restores: tuple[str, ...] = ()  # one line per restore of this backup
    error: str = ""
    notes: tuple[str, ...] = ()

    def finish(self, status: BackupStatus, at: datetime, **changes: Any) -> BackupRecord:
        return replace(self, status=status, finished_at=at, **changes)


def to_item(record: BackupRecord) -> Item:
    item: Item = {
        **key_item(record.env, KIND, record.started_at, record.backup_id),
        "schema_version": n(SCHEMA_VERSION),
        "backup_id": s(record.backup_id),
        "target": s(record.target),
        "table": s(record.table),
        "reason": s(record.reason),
        "actor": s(record.actor),
        "started_at": s(format_time(record.started_at)),
        "status": s(record.status.value),
        "backup_arn": s(record.backup_arn),
        "snapshot": s(record.snapshot),
        "snapshot_files": {"M": {name: s(sha) for name, sha in record.snapshot_files}},
        "checks": checks_value(record.checks),
        "pruned": strings(record.pruned),
        "restores": strings(record.restores),
        "error": s(record.error),
        "notes": strings(record.notes),
    }
    put_time(item, "finished_at", record.finished_at)
    put_time(item, "point", record.point)
    if record.fingerprint is not None:
        f = record.fingerprint
        item["fingerprint"] = {
            "M": {
                "before_count": n(f.before.count),
                "before_digest": s(f.before.digest),
                "after_count": n(f.after.count),
                "after_digest": s(f.after.digest),
                "scanned_from": s(format_time(f.scanned_from)),
                "scanned_to": s(format_time(f.scanned_to)),
            }
        }
    return item


def from_item(item: Mapping[str, Any]) -> BackupRecord:
    found = item.get("fingerprint", {}).get("M")
    fingerprint = None
    if found:
        fingerprint = SourceFingerprint(
            before=Fingerprint(int(found["before_count"]["N"]), text(found, "before_digest")),
            after=Fingerprint(int(found["after_count"]["N"]), text(found, "after_digest")),
            scanned_from=parse_time(text(found, "scanned_from")),
            scanned_to=parse_time(text(found, "scanned_to")),
        )
    files = item.get("snapshot_files", {}).get("M", {})
    return BackupRecord(
        backup_id=text(item, "backup_id"),
        env=text(item, PARTITION_KEY),
        target=text(item, "target"),
        table=text(item, "table"),
        reason=text(item, "reason"),
        actor=text(item, "actor"),
        started_at=parse_time(text(item, "started_at")),
        status=BackupStatus(text(item, "status")),
        finished_at=time_or_none(item, "finished_at"),
        backup_arn=text(item, "backup_arn"),
        point=time_or_none(item, "point"),
        snapshot=text(item, "snapshot"),
        snapshot_files=tuple(sorted((name, text(files, name)) for name in files)),
        fingerprint=fingerprint,
        checks=checks_of(item, "checks"),
        pruned=string_list(item, "pruned"),
        restores=string_list(item, "restores"),
        error=text(item, "error"),
        notes=string_list(item, "notes"),
    )


class BackupRecords:
    """The `backup#` records of one environment."""

    def __init__(self, table: RecordTable, env: str) -> None:
        self._table = table
        self._env = env

    def save(self, record: BackupRecord) -> None:
        self._table.put(to_item(record), "backup record")

    def newest(self, limit: int | None = None) -> list[BackupRecord]:
        items = self._table.query_prefix(
            KEY_NAMES, self._env, f"{KIND}#", "backup records", limit=limit
        )
        return [from_item(item) for item in items]

    def find(self, backup_id: str) -> BackupRecord | None:
        return next((r for r in self.newest() if r.backup_id == backup_id), None)

    def by_arn(self, arn: str) -> BackupRecord | None:
        return next((r for r in self.newest() if r.backup_arn == arn), None)

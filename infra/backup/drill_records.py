"""`drill#` records: one restore drill, what it restored, what it measured, how it ended."""

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
    number,
    put_number,
    put_time,
    s,
    string_list,
    strings,
    text,
    time_or_none,
)
from infra.deploy.table_items import PARTITION_KEY, format_time, parse_time

KIND = "drill"
SCHEMA_VERSION = 1


class DrillSource(StrEnum):
    BACKUP = "backup"  # the latest on-demand backup
    PITR = "pitr"  # point-in-time recovery to a requested time


class Verdict(StrEnum):
    IN_PROGRESS = "in-progress"
    PASSED = "passed"
    FAILED = "failed"
    UNVERIFIED = "unverified"  # ran, but content at the point could not be checked


@dataclass(frozen=True)
class DrillRecord:
    drill_id: str
    env: str
    target: str
    source: DrillSource
    source_table: str
    drill_table: str
    started_at: datetime
    rto_target_s: int
    rpo_target_s: int
    verdict: Verdict = Verdict.IN_PROGRESS
    finished_at: datetime | None = None
    backup_id: str = ""
    backup_arn: str = ""
    requested_point: datetime | None = None
    restored_point: datetime | None = None
    rto_s: float | None = None  # start to verified
    rpo_s: float | None = None  # requested point minus restored point
    restore_s: float | None = None
    settings_s: float | None = None
    verify_s: float | None = None
    expected: Fingerprint | None = None
    restored: Fingerprint | None = None
    reference: str = ""  # what `expected` is: which scan, of what, when
    settings: tuple[Check, ...] = ()
    reasons: tuple[str, ...] = ()  # why the verdict
    notes: tuple[str, ...] = ()  # what the target does not model
    kept: bool = False
    table_deleted: bool = False
    error: str = ""

    def finish(self, verdict: Verdict, at: datetime, **changes: Any) -> DrillRecord:
        return replace(self, verdict=verdict, finished_at=at, **changes)


def _fingerprint_value(f: Fingerprint | None) -> dict[str, Any] | None:
    return None if f is None else {"M": {"count": n(f.count), "digest": s(f.digest)}}


def _fingerprint_of(item: Mapping[str, Any], name: str) -> Fingerprint | None:
    found = item.get(name, {}).get("M")
    return Fingerprint(int(found["count"]["N"]), text(found, "digest")) if found else None


def to_item(record: DrillRecord) -> Item:
    item: Item = {
        **key_item(record.env, KIND, record.started_at, record.drill_id),
        "schema_version": n(SCHEMA_VERSION),
        "drill_id": s(record.drill_id),
        "target": s(record.target),
        "source": s(record.source.value),
        "source_table": s(record.source_table),
        "drill_table": s(record.drill_table),
        "started_at": s(format_time(record.started_at)),
        "rto_target_s": n(record.rto_target_s),
        "rpo_target_s": n(record.rpo_target_s),
        "verdict": s(record.verdict.value),
        "backup_id": s(record.backup_id),
        "backup_arn": s(record.backup_arn),
        "reference": s(record.reference),
        "settings": checks_value(record.settings),
        "reasons": strings(record.reasons),
        "notes": strings(record.notes),
        "kept": {"BOOL": record.kept},
        "table_deleted": {"BOOL": record.table_deleted},
        "error": s(record.error),
    }
    for name in ("finished_at", "requested_point", "restored_point"):
        put_time(item, name, getattr(record, name))
    for name in ("rto_s", "rpo_s", "restore_s", "settings_s", "verify_s"):
        put_number(item, name, getattr(record, name))
    for name in ("expected", "restored"):
        value = _fingerprint_value(getattr(record, name))
        if value is not None:
            item[name] = value
    return item


def from_item(item: Mapping[str, Any]) -> DrillRecord:
    return DrillRecord(
        drill_id=text(item, "drill_id"),
        env=text(item, PARTITION_KEY),
        target=text(item, "target"),
        source=DrillSource(text(item, "source")),
        source_table=text(item, "source_table"),
        drill_table=text(item, "drill_table"),
        started_at=parse_time(text(item, "started_at")),
        rto_target_s=int(number(item, "rto_target_s") or 0),
        rpo_target_s=int(number(item, "rpo_target_s") or 0),
        verdict=Verdict(text(item, "verdict")),
        finished_at=time_or_none(item, "finished_at"),
        backup_id=text(item, "backup_id"),
        backup_arn=text(item, "backup_arn"),
        requested_point=time_or_none(item, "requested_point"),
        restored_point=time_or_none(item, "restored_point"),
        rto_s=number(item, "rto_s"),
        rpo_s=number(item, "rpo_s"),
        restore_s=number(item, "restore_s"),
        settings_s=number(item, "settings_s"),
        verify_s=number(item, "verify_s"),
        expected=_fingerprint_of(item, "expected"),
        restored=_fingerprint_of(item, "restored"),
        reference=text(item, "reference"),
        settings=checks_of(item, "settings"),
        reasons=string_list(item, "reasons"),
        notes=string_list(item, "notes"),
        kept=bool(item.get("kept", {}).get("BOOL", False)),
        table_deleted=bool(item.get("table_deleted", {}).get("BOOL", False)),
        error=text(item, "error"),
    )


class DrillRecords:
    """The `drill#` records of one environment."""

    def __init__(self, table: RecordTable, env: str) -> None:
        self._table = table
        self._env = env

    def save(self, record: DrillRecord) -> None:
        self._table.put(to_item(record), "drill record")

    def newest(self, limit: int | None = None) -> list[DrillRecord]:
        items = self._table.query_prefix(
            KEY_NAMES, self._env, f"{KIND}#", "drill records", limit=limit
        )
        return [from_item(item) for item in items]

"""backup# and drill# records: keys per CONTRACTS §4, schema version, and lossless mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.backup import backup_records, drill_records
from infra.backup.backup_records import BackupRecord, BackupStatus, SourceFingerprint
from infra.backup.drill_records import DrillRecord, DrillSource, Verdict
from infra.backup.fingerprint import Fingerprint
from infra.backup.record_items import Check, CheckStatus

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FP = Fingerprint(100_000, "ab" * 32)


BACKUPS = [
    BackupRecord("20260301t093000z-1", "staging", "local", "t", "manual", "me", T0),
    BackupRecord(
        "20260301t093000z-2",
        "prod",
        "aws",
        "energy-insights-prod-data",
        "before prod promotion of abc",
        "pipeline",
        T0,
        status=BackupStatus.SUCCEEDED,
        finished_at=T0 + timedelta(seconds=40),
        backup_arn="arn:aws:dynamodb:eu-west-1:1:table/t/backup/1",
        point=T0 + timedelta(seconds=2),
        snapshot="s3://b/backups/20260301t093000z-2/",
        snapshot_files=(("config.json", "1" * 64), ("manifest.json", "2" * 64)),
        fingerprint=SourceFingerprint(FP, FP, T0, T0 + timedelta(seconds=30)),
        checks=(Check("reports bucket versioning", CheckStatus.NOT_MODELLED, "emulator"),),
        pruned=("old-1", "old-2"),
        restores=("restored into x",),
        error="",
        notes=("a note",),
    ),
]
DRILLS = [
    DrillRecord("d1", "staging", "local", DrillSource.BACKUP, "s", "s-drill-d1", T0, 14400, 3600),
    DrillRecord(
        "d2",
        "staging",
        "aws",
        DrillSource.PITR,
        "s",
        "s-drill-d2",
        T0,
        14400,
        3600,
        verdict=Verdict.UNVERIFIED,
        finished_at=T0 + timedelta(minutes=20),
        backup_id="b",
        backup_arn="arn:b",
        requested_point=T0 - timedelta(hours=1),
        restored_point=None,
        rto_s=1200.5,
        rpo_s=0.0,
        restore_s=900.25,
        settings_s=12.0,
        verify_s=288.25,
        expected=FP,
        restored=Fingerprint(99_999, "cd" * 32),
        reference="source table as of ...",
        settings=(Check("re-applied ttl", CheckStatus.OK, "want None"),),
        reasons=("content at the requested time was NOT checked",),
        notes=("emulator: ...",),
        kept=True,
        table_deleted=False,
        error="x",
    ),
]


@pytest.mark.parametrize("record", BACKUPS, ids=["in-progress", "complete"])
def test_backup_records_map_losslessly(record: BackupRecord) -> None:
    item = backup_records.to_item(record)

    assert backup_records.from_item(item) == record
    assert item["pk"] == {"S": record.env}
    assert item["sk"]["S"] == f"backup#2026-03-01T09:30:00.000000+00:00#{record.backup_id}"
    assert item["schema_version"] == {"N": "1"}


@pytest.mark.parametrize("record", DRILLS, ids=["in-progress", "complete"])
def test_drill_records_map_losslessly(record: DrillRecord) -> None:
    item = drill_records.to_item(record)

    assert drill_records.from_item(item) == record
    assert item["sk"]["S"] == f"drill#2026-03-01T09:30:00.000000+00:00#{record.drill_id}"
    assert item["schema_version"] == {"N": "1"}


def test_a_fingerprint_is_exact_only_when_the_table_did_not_move() -> None:
    moved = SourceFingerprint(FP, Fingerprint(FP.count + 1, FP.digest), T0, T0)
    still = SourceFingerprint(FP, FP, T0, T0 + timedelta(seconds=10))

    assert still.exact and not moved.exact
    assert still.covers(T0 + timedelta(seconds=10))
    assert not still.covers(T0 + timedelta(seconds=10, microseconds=1))
    assert not still.covers(T0 - timedelta(microseconds=1))
    assert not moved.covers(T0)

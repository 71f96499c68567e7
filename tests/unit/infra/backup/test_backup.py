"""backup(): a DynamoDB backup, the bucket checks, the snapshot and the record; retention."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from infra.backup import BackupStatus, DataSafety, backup, backup_before_change
from infra.backup.backup_records import BackupRecords
from infra.backup.errors import BackupFailed
from infra.backup.fingerprint import fingerprint_table
from infra.backup.record_items import CheckStatus
from tests.unit.infra.backup.support import FakeClock, seed, staging


def test_a_backup_is_recorded_with_its_snapshot_checks_and_fingerprint(ctx: DataSafety) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 300)

    result = backup(ctx, "manual", "alice")

    record = result.record
    assert result.ok and result.exit_code == 0
    assert record.status is BackupStatus.SUCCEEDED
    assert record.reason == "manual" and record.actor == "alice"
    info = ctx.tables.describe_backup(record.backup_arn)
    assert info is not None and info.status == "AVAILABLE"
    assert info.name == f"ei-staging-{record.backup_id}"
    assert record.point == info.created_at
    # content: 300 readings + the site + the report record, unchanged across the backup
    assert record.fingerprint is not None and record.fingerprint.exact
    assert record.fingerprint.after.count == 302
    live = fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 1)
    assert record.fingerprint.after == live
    # bucket checks pass on a bucket provisioned as the template says
    assert [c.status for c in record.checks] == [CheckStatus.OK, CheckStatus.OK]
    # the snapshot: config, stack and a manifest with each file's sha256
    prefix = f"backups/{record.backup_id}/"
    assert record.snapshot == f"s3://{ctx.artifact_bucket}/{prefix}"
    manifest = json.loads(ctx.objects.get(ctx.artifact_bucket, prefix + "manifest.json"))
    assert manifest["backup_arn"] == record.backup_arn
    assert set(manifest["files"]) == {"config.json", "stack.json"}  # no stack deployed here
    config = json.loads(ctx.objects.get(ctx.artifact_bucket, prefix + "config.json"))
    assert config["name"] == "staging" and config["names"]["data_table"] == ctx.protected_table
    assert "no live stack" in record.notes[0]
    # and the record in the deployments table says the same
    assert BackupRecords(ctx.records, "staging").find(record.backup_id) == record


def test_without_fingerprinting_no_scan_is_recorded(make_ctx: Callable[..., DataSafety]) -> None:
    ctx = make_ctx(staging(fingerprint_backups=False))

    assert backup(ctx, "manual", "me").record.fingerprint is None


def test_a_missing_table_is_refused_before_anything_is_written(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx(staging(data_table_override="energy-insights-staging-data-restored-x"))

    with pytest.raises(BackupFailed, match=r"does not exist.*data_table_override"):
        backup(ctx, "manual", "me")
    assert BackupRecords(ctx.records, "staging").newest() == []


def test_an_unversioned_reports_bucket_fails_the_pre_change_backup_on_aws(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    ctx.objects._s3.put_bucket_versioning(
        Bucket=ctx.reports_bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    on_aws = DataSafety(**{**ctx.__dict__, "emulator": False})

    result = backup(on_aws, "manual", "me")
    assert not result.ok and result.exit_code == 1
    assert result.record.status is BackupStatus.SUCCEEDED  # the table backup itself exists
    with pytest.raises(BackupFailed, match="versioning is Suspended"):
        backup_before_change(on_aws, "prod promotion of abc")


def test_on_the_emulator_an_unversioned_bucket_is_reported_not_judged(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    ctx.objects._s3.put_bucket_versioning(
        Bucket=ctx.reports_bucket, VersioningConfiguration={"Status": "Suspended"}
    )

    record = backup_before_change(ctx, "prod promotion of abc")

    [versioning, _] = record.checks
    assert versioning.status is CheckStatus.NOT_MODELLED
    assert "emulator" in versioning.detail


def test_retention_prunes_old_backups_but_never_the_newest(
    make_ctx: Callable[..., DataSafety], clock: FakeClock
) -> None:
    ctx = make_ctx(staging(retention_days=7, keep_last=2))
    first = backup(ctx, "one", "me").record
    second = backup(ctx, "two", "me").record
    clock.advance(timedelta(days=30))  # both are now far beyond the retention
    third = backup(ctx, "three", "me")

    assert third.record.pruned == (first.backup_id,)
    left = {b.name for b in ctx.tables.list_backups(ctx.protected_table)}
    assert left == {f"ei-staging-{second.backup_id}", f"ei-staging-{third.record.backup_id}"}
    store = BackupRecords(ctx.records, "staging")
    pruned = store.find(first.backup_id)
    assert pruned is not None and pruned.status is BackupStatus.PRUNED
    snapshot = ctx.objects._s3.list_objects_v2(
        Bucket=ctx.artifact_bucket, Prefix=f"backups/{first.backup_id}/"
    )
    assert snapshot.get("KeyCount") == 0


def test_backups_not_made_by_this_tool_are_never_pruned(
    make_ctx: Callable[..., DataSafety], clock: FakeClock
) -> None:
    ctx = make_ctx(staging(retention_days=1, keep_last=1))
    ctx.tables.create_backup(ctx.protected_table, "someone-elses-backup")
    clock.advance(timedelta(days=30))

    backup(ctx, "mine", "me")

    names = {b.name for b in ctx.tables.list_backups(ctx.protected_table)}
    assert "someone-elses-backup" in names

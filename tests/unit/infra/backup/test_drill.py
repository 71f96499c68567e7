"""drill_restore(): restore into a new table, re-apply settings, verify, measure, record, drop;
refusals before anything is made; failures recorded with the table cleaned up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.aws.backups import DynamoBackups, ScalingTarget
from infra.aws.errors import AwsCallFailed
from infra.backup import DataSafety, Verdict, backup, drill_restore, last_drill
from infra.backup.backup_records import BackupRecords
from infra.backup.drill_records import DrillSource
from infra.backup.errors import DrillRefused
from infra.backup.fingerprint import Fingerprint, fingerprint_table
from infra.config import load_environment
from tests.unit.infra.backup.support import FakeClock, seed, staging

METRIC = '{"PredefinedMetricType":"DynamoDBReadCapacityUtilization"}'
POLICY = f'{{"PredefinedMetricSpecification":{METRIC},"TargetValue":70.0}}'
READS = ScalingTarget("dynamodb:table:ReadCapacityUnits", 5, 50, (("reads", POLICY),))


def tables(ctx: DataSafety) -> set[str]:
    return set(ctx.tables._db.list_tables()["TableNames"])


def add_source_settings(ctx: DataSafety) -> None:
    """Give the live table what a restore drops: TTL, a stream and tags."""
    db = ctx.tables._db
    table = ctx.protected_table
    db.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    db.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    arn = db.describe_table(TableName=table)["Table"]["TableArn"]
    db.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "insights"}])
    ctx.tables.set_scaling(table, READS)  # (AWS would want a provisioned table for this)


def scaled_tables(ctx: DataSafety) -> set[str]:
    scaling = ctx.tables._clients.autoscaling
    found = scaling.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    return {t["ResourceId"] for t in found}


def test_a_drill_of_the_latest_backup_passes_and_leaves_no_table(ctx: DataSafety) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 200)
    add_source_settings(ctx)
    before = tables(ctx)
    made = backup(ctx, "before the drill", "me").record

    result = drill_restore(ctx)

    r = result.record
    assert r.verdict is Verdict.PASSED, result.lines()
    assert result.exit_code == 0
    assert r.source is DrillSource.BACKUP and r.backup_id == made.backup_id
    assert r.restored == r.expected and r.restored is not None and r.restored.count == 202
    assert r.reference.startswith(f"fingerprint of backup {made.backup_id}")
    assert r.restored_point == made.point
    assert r.rpo_s is not None and r.rpo_s >= 0
    settings = {c.name: c.status.value for c in r.settings}
    assert settings == {
        f"re-applied {s}": "ok"
        for s in ("ttl", "stream", "pitr", "deletion protection", "tags", "autoscaling")
    }
    assert r.table_deleted and not r.kept
    assert tables(ctx) == before
    assert scaled_tables(ctx) == {f"table/{ctx.protected_table}"}  # the drill's were removed
    assert last_drill(ctx) == r
    assert any("emulator" in note for note in r.notes)  # says what it does not model


def test_kept_drill_table_carries_the_sources_settings(ctx: DataSafety) -> None:
    add_source_settings(ctx)
    backup(ctx, "b", "me")

    r = drill_restore(ctx, keep=True).record

    assert r.kept and not r.table_deleted
    kept = ctx.tables.settings(r.drill_table)
    assert kept.ttl_attribute == "expires_at"
    assert kept.stream_view_type == "KEYS_ONLY"
    assert ("team", "insights") in kept.tags
    assert kept.scaling == (READS,)
    assert kept.deletion_protection is False  # a drill table stays deletable
    assert any(k == "ei:purpose" for k, _ in kept.tags)


def test_without_a_fingerprint_the_drill_compares_with_the_source_now(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx(staging(fingerprint_backups=False))
    seed(ctx.tables._clients, ctx.protected_table, 50)
    backup(ctx, "b", "me")

    quiet = drill_restore(ctx).record
    seed(ctx.tables._clients, ctx.protected_table, 60)
    moved = drill_restore(ctx).record

    assert quiet.verdict is Verdict.PASSED
    assert quiet.reference.startswith("source table as of")
    assert moved.verdict is Verdict.UNVERIFIED
    assert any("cannot be told apart" in reason for reason in moved.reasons)


def test_a_restore_that_does_not_match_the_fingerprint_fails_the_drill(ctx: DataSafety) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 30)
    made = backup(ctx, "b", "me").record
    assert made.fingerprint is not None
    # The backup's recorded content disagrees with what the restore brings back.
    wrong = Fingerprint(made.fingerprint.after.count + 1, "f" * 64)
    corrupt = replace(made.fingerprint, before=wrong, after=wrong)
    BackupRecords(ctx.records, ctx.env).save(replace(made, fingerprint=corrupt))

    r = drill_restore(ctx).record

    assert r.verdict is Verdict.FAILED
    assert any("content differs" in reason for reason in r.reasons)
    assert r.table_deleted
    assert ctx.tables.shape(ctx.protected_table) is not None


def test_a_drill_over_its_rto_fails(make_ctx: Callable[..., DataSafety]) -> None:
    ctx = make_ctx(staging(targets={"rto_minutes": 1, "rpo_minutes": 60}))
    backup(ctx, "b", "me")
    slow = FakeClock(tick=timedelta(seconds=61))  # each reading of the clock costs 61 s
    ctx = DataSafety(**{**ctx.__dict__, "clock": slow})

    r = drill_restore(ctx).record

    assert r.verdict is Verdict.FAILED
    assert r.rto_s is not None and r.rto_s > 60
    assert any("exceeds the target 60.0 s" in reason for reason in r.reasons)


def test_a_pitr_drill_on_the_emulator_is_unverified_never_passed(ctx: DataSafety) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 20)
    point = ctx.clock.now() - timedelta(seconds=1)

    result = drill_restore(ctx, to_time=point)

    r = result.record
    assert r.source is DrillSource.PITR
    assert r.verdict is Verdict.UNVERIFIED and result.exit_code == 1
    assert r.restored_point is None and r.rpo_s is None
    assert any("ignores the restore time" in note for note in r.notes)
    assert r.table_deleted


def test_no_backup_is_a_recorded_failed_drill(ctx: DataSafety) -> None:
    r = drill_restore(ctx).record

    assert r.verdict is Verdict.FAILED
    assert "no available on-demand backup" in r.error
    assert last_drill(ctx) == r


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"to_time": datetime(2026, 1, 1)}, "has no timezone"),
        ({"to_time": datetime.now(UTC) + timedelta(hours=1)}, "is in the future"),
    ],
)
def test_bad_times_are_refused_before_anything_happens(
    ctx: DataSafety, kwargs: dict[str, Any], says: str
) -> None:
    before = tables(ctx)
    with pytest.raises(DrillRefused, match=says) as caught:
        drill_restore(ctx, **kwargs)
    assert caught.value.exit_code == 2
    assert tables(ctx) == before and last_drill(ctx) is None


def test_a_drill_on_prod_needs_allow_prod(make_ctx: Callable[..., DataSafety]) -> None:
    ctx = make_ctx(load_environment("prod"), provisioned=False)

    with pytest.raises(DrillRefused, match="allow_prod") as caught:
        drill_restore(ctx)
    assert caught.value.exit_code == 2


class FailingAfterRestore(DynamoBackups):
    """The emulator answers the restore, then fails while the drill re-applies settings."""

    def settings(self, table: str) -> Any:
        if "-drill-" in table:
            raise AwsCallFailed("dynamodb DescribeTimeToLive", "InternalServerError", "boom")
        return super().settings(table)


def test_a_failure_mid_restore_is_recorded_and_the_drill_table_cleaned_up(
    ctx: DataSafety,
) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 40)
    add_source_settings(ctx)
    backup(ctx, "b", "me")
    live_before = fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 1)
    settings_before = ctx.tables.settings(ctx.protected_table)
    before = tables(ctx)
    faulty = DataSafety(**{**ctx.__dict__, "tables": FailingAfterRestore(ctx.tables._clients)})

    result = drill_restore(faulty)

    r = result.record
    assert r.verdict is Verdict.FAILED and result.exit_code == 1
    assert "InternalServerError" in r.error
    assert r.table_deleted
    assert tables(ctx) == before
    assert fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 1) == live_before
    assert ctx.tables.settings(ctx.protected_table) == settings_before
    assert last_drill(ctx) == r

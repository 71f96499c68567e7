"""Backup, drill and report restore against a real moto server, on tables and buckets made
as the template makes them; faults and refusals leave nothing behind and nothing live changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.storage.reports_bucket import ReportsBucket
from infra.aws.backups import DynamoBackups
from infra.aws.errors import AwsCallFailed
from infra.aws.items import ItemTable
from infra.backup import (
    DataSafety,
    Verdict,
    backup,
    drill_restore,
    last_drill,
    restore,
    restore_report_object,
)
from infra.backup.fingerprint import fingerprint_table
from infra.deploy.errors import LockHeld
from infra.deploy.lock import DeployLock
from tests.unit.infra.backup.conftest import RecordingSmoke, RecordingSwitch
from tests.unit.infra.backup.support import seed

pytestmark = [pytest.mark.emulator]


def table_names(ctx: DataSafety) -> set[str]:
    return set(ctx.tables._db.list_tables()["TableNames"])


def test_backup_then_drill_passes_with_items_and_checksum_equal(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    seed(ctx.tables._clients, ctx.protected_table, 3000)
    before = table_names(ctx)

    made = backup(ctx, "weekly drill", "ci")
    result = drill_restore(ctx)

    assert made.ok, made.lines()
    r = result.record
    assert r.verdict is Verdict.PASSED, result.lines()
    assert r.restored == r.expected and r.restored is not None and r.restored.count == 3002
    assert r.rto_s is not None and r.rto_s > 0
    assert r.table_deleted and table_names(ctx) == before
    assert last_drill(ctx) == r
    text = "\n".join(result.lines())
    assert "PASSED" in text and "emulator:" in text  # says what the emulator does not model


def test_a_pitr_drill_on_the_emulator_reports_what_it_did_not_check(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    seed(ctx.tables._clients, ctx.protected_table, 100)

    result = drill_restore(ctx, to_time=ctx.clock.now() - timedelta(seconds=1))

    assert result.record.verdict is Verdict.UNVERIFIED and result.exit_code == 1
    assert "NOT checked" in "\n".join(result.lines())
    assert result.record.table_deleted


class FailsWhileVerifying(DynamoBackups):
    """The emulator fails on the drill table after the restore made it."""

    def scan_pages(self, table: str, segment: int, segments: int, page_size: int) -> Any:
        if "-drill-" in table:
            raise AwsCallFailed("dynamodb Scan", "InternalServerError", "emulator fault")
        return super().scan_pages(table, segment, segments, page_size)


def test_a_fault_mid_restore_records_a_failed_drill_and_cleans_up(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    seed(ctx.tables._clients, ctx.protected_table, 500)
    backup(ctx, "b", "me")
    live = fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 2)
    before = table_names(ctx)
    faulty = DataSafety(**{**ctx.__dict__, "tables": FailsWhileVerifying(ctx.tables._clients)})

    result = drill_restore(faulty)

    assert result.record.verdict is Verdict.FAILED
    assert "emulator fault" in result.record.error
    assert result.record.table_deleted and table_names(ctx) == before
    assert fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 2) == live
    recorded = last_drill(ctx)
    assert recorded is not None and recorded.verdict is Verdict.FAILED


def test_a_restore_while_a_promotion_holds_the_lock_is_refused(
    make_ctx: Callable[..., DataSafety],
) -> None:
    ctx = make_ctx()
    backup_id = backup(ctx, "b", "me").record.backup_id
    lock = DeployLock(ItemTable(ctx.tables._clients, ctx.config.names.deployments_table), ctx.env)
    lock.acquire("release-bot (deployment p1)", "p1", ctx.clock.now(), break_lock=False)
    before = table_names(ctx)

    with pytest.raises(LockHeld):
        restore(ctx, backup_id, "alice", False, RecordingSwitch(), RecordingSmoke())

    assert table_names(ctx) == before


def test_a_deleted_report_is_restored(make_ctx: Callable[..., DataSafety]) -> None:
    ctx = make_ctx()
    key = "reports/plant-1/r-1/summary.json"
    reports = ReportsBucket(ctx.objects._s3, ctx.reports_bucket)
    reports.put(key, b'{"buckets": 1}', "application/json")
    ctx.objects._s3.delete_object(Bucket=ctx.reports_bucket, Key=key)

    result = restore_report_object(ctx, key)

    assert result.applied
    assert ctx.objects.get(ctx.reports_bucket, key) == b'{"buckets": 1}'

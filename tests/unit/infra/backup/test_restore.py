"""restore(): the plan first, a dry run that changes nothing, refusals (unknown backup, an
existing table, a held lock), then restore → switch → smoke through the ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.aws.items import ItemTable
from infra.backup import DataSafety, backup, plan_restore, restore
from infra.backup.backup_records import BackupRecords
from infra.backup.errors import BackupNotFound, DataSafetyError, RestoreRefused
from infra.backup.fingerprint import Fingerprint, fingerprint_table
from infra.deploy.errors import LockHeld
from infra.deploy.lock import DeployLock
from infra.deploy.table_items import format_time
from tests.unit.infra.backup.conftest import RecordingSmoke, RecordingSwitch
from tests.unit.infra.backup.support import seed


def table_names(ctx: DataSafety) -> set[str]:
    return set(ctx.tables._db.list_tables()["TableNames"])


@pytest.fixture
def backed_up(ctx: DataSafety) -> tuple[DataSafety, str]:
    seed(ctx.tables._clients, ctx.protected_table, 120)
    return ctx, backup(ctx, "before an incident", "me").record.backup_id


def test_a_dry_run_prints_the_plan_and_changes_nothing(
    backed_up: tuple[DataSafety, str], lines: list[str]
) -> None:
    ctx, backup_id = backed_up
    before = table_names(ctx)
    switch, smoke = RecordingSwitch(), RecordingSmoke()

    result = restore(ctx, backup_id, "alice", dry_run=True, switch=switch, smoke=smoke)

    assert result.outcome == "planned" and result.exit_code == 0
    assert table_names(ctx) == before
    assert switch.calls == [] and smoke.tables == []
    plan = result.plan
    assert plan.target_table.startswith("energy-insights-staging-data-restored-")
    assert any("take the deploy lock" in step for step in plan.steps)
    assert any("data_table_override" in step for step in plan.steps)
    assert any(plan.target_table in line for line in lines)  # shown before anything else
    assert result.lines()[-1] == "dry run: nothing was changed"


def test_a_restore_makes_a_new_verified_table_then_switches_and_smokes(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, backup_id = backed_up
    live = ctx.protected_table
    live_before = fingerprint_table(ctx.tables.scan_pages, live, 1)
    switch, smoke = RecordingSwitch(), RecordingSmoke()

    result = restore(ctx, backup_id, "alice", dry_run=False, switch=switch, smoke=smoke)

    target = result.plan.target_table
    assert result.outcome == "restored" and result.exit_code == 0
    assert result.restored == result.plan.expected == live_before
    assert switch.calls == [(target, target)]
    assert smoke.tables == [target]
    settings = ctx.tables.settings(target)
    assert settings.deletion_protection is True  # staging retains data
    assert settings.pitr_enabled is True
    assert fingerprint_table(ctx.tables.scan_pages, live, 1) == live_before
    assert ctx.lock.holder() is None  # released
    record = BackupRecords(ctx.records, ctx.env).find(backup_id)
    assert record is not None and "approved by alice" in record.restores[0]


def test_latest_names_the_newest_backup(backed_up: tuple[DataSafety, str]) -> None:
    ctx, backup_id = backed_up

    assert plan_restore(ctx, "latest", "alice").backup_id == backup_id


def test_an_unknown_backup_id_is_a_usage_error_naming_the_known_ones(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, backup_id = backed_up

    with pytest.raises(BackupNotFound, match=backup_id) as caught:
        plan_restore(ctx, "20990101t000000z-nope", "alice")
    assert caught.value.exit_code == 2


def test_a_pruned_backup_is_not_found(backed_up: tuple[DataSafety, str]) -> None:
    ctx, backup_id = backed_up
    record = BackupRecords(ctx.records, ctx.env).find(backup_id)
    assert record is not None
    ctx.tables.delete_backup(record.backup_arn)

    with pytest.raises(BackupNotFound):
        plan_restore(ctx, backup_id, "alice")


@pytest.mark.parametrize("target", ["live", "other"])
def test_restoring_into_an_existing_table_is_refused(
    backed_up: tuple[DataSafety, str], target: str
) -> None:
    ctx, backup_id = backed_up
    name = ctx.protected_table if target == "live" else ctx.config.names.deployments_table
    before = table_names(ctx)

    with pytest.raises(RestoreRefused, match="already exists") as caught:
        restore(ctx, backup_id, "alice", False, RecordingSwitch(), RecordingSmoke(), name)
    assert caught.value.exit_code == 2
    assert table_names(ctx) == before


def test_an_empty_approver_is_refused(backed_up: tuple[DataSafety, str]) -> None:
    ctx, backup_id = backed_up

    with pytest.raises(RestoreRefused, match="approved-by"):
        plan_restore(ctx, backup_id, "  ")


def test_a_restore_while_a_promotion_holds_the_lock_is_refused(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, backup_id = backed_up
    promotion = DeployLock(
        ItemTable(ctx.tables._clients, ctx.config.names.deployments_table), ctx.env
    )
    promotion.acquire("release-bot (deployment p1)", "p1", ctx.clock.now(), break_lock=False)
    before = table_names(ctx)
    switch = RecordingSwitch()

    dry = restore(ctx, backup_id, "alice", True, switch, RecordingSmoke())
    assert "release-bot (deployment p1)" in (dry.plan.lock_holder or "")
    with pytest.raises(LockHeld, match="release-bot") as caught:
        restore(ctx, backup_id, "alice", False, switch, RecordingSmoke())

    assert caught.value.exit_code == 1
    assert table_names(ctx) == before and switch.calls == []
    current = promotion.current()
    assert current is not None and current.token == "p1"  # pragma: allowlist secret


def test_a_failed_smoke_test_keeps_the_table_and_says_how_to_go_back(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, backup_id = backed_up

    result = restore(ctx, backup_id, "alice", False, RecordingSwitch(), RecordingSmoke(ok=False))

    assert result.outcome == "failed" and result.exit_code == 1
    assert "smoke test failed: GET /health 503" in result.error
    assert "data_table_override" in result.error
    assert ctx.tables.shape(result.plan.target_table) is not None


def test_a_failed_switch_deploy_keeps_the_table(backed_up: tuple[DataSafety, str]) -> None:
    ctx, backup_id = backed_up

    result = restore(ctx, backup_id, "alice", False, RecordingSwitch(fail=True), RecordingSmoke())

    assert result.outcome == "failed" and "deploy failed" in result.error
    assert ctx.tables.shape(result.plan.target_table) is not None


def test_a_restore_that_does_not_match_the_fingerprint_is_deleted_and_nothing_switched(
    ctx: DataSafety,
) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 10)
    before = table_names(ctx)
    # A backup whose record claims content it does not hold.
    later = backup(ctx, "b2", "me").record
    assert later.fingerprint is not None
    wrong = Fingerprint(1, "e" * 64)
    BackupRecords(ctx.records, ctx.env).save(
        replace(later, fingerprint=replace(later.fingerprint, before=wrong, after=wrong))
    )
    switch = RecordingSwitch()

    with pytest.raises(DataSafetyError, match="fingerprint says 1 items"):
        restore(ctx, later.backup_id, "alice", False, switch, RecordingSmoke())

    assert table_names(ctx) == before
    assert switch.calls == []
    assert ctx.lock.holder() is None


def test_a_point_in_time_restore_says_what_the_emulator_ignores(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, _ = backed_up
    point = ctx.clock.now() - timedelta(seconds=1)
    switch = RecordingSwitch()

    result = restore(ctx, None, "alice", False, switch, RecordingSmoke(), to_time=point)

    assert result.outcome == "restored"
    assert result.plan.source_label.startswith("point in time ")
    assert any("ignores the restore time" in note for note in result.plan.notes)
    settings = ctx.tables.settings(result.plan.target_table)
    assert ("ei:purpose", f"restored from pitr {format_time(point)}") in settings.tags
    assert switch.calls == [(result.plan.target_table, result.plan.target_table)]


def test_a_point_inside_a_backups_fingerprint_window_is_verified_exactly(
    backed_up: tuple[DataSafety, str],
) -> None:
    ctx, backup_id = backed_up
    record = BackupRecords(ctx.records, ctx.env).find(backup_id)
    assert record is not None and record.fingerprint is not None
    inside = (
        record.fingerprint.scanned_from
        + (record.fingerprint.scanned_to - record.fingerprint.scanned_from) / 2
    )

    plan = plan_restore(ctx, None, "alice", to_time=inside)

    assert plan.expected == record.fingerprint.after


@pytest.mark.parametrize(
    ("backup_id", "when", "says"),
    [
        (None, None, "exactly one of the two"),
        ("latest", "past", "exactly one of the two"),
        (None, "future", "is in the future"),
        (None, "naive", "has no timezone"),
    ],
)
def test_what_to_restore_must_be_named_once_and_well(
    backed_up: tuple[DataSafety, str], backup_id: str | None, when: str | None, says: str
) -> None:
    ctx, _ = backed_up
    now = ctx.clock.now()
    times = {
        None: None,
        "past": now - timedelta(minutes=1),
        "future": now + timedelta(hours=1),
        "naive": now.replace(tzinfo=None),
    }

    with pytest.raises(RestoreRefused, match=says) as caught:
        plan_restore(ctx, backup_id, "alice", to_time=times[when])
    assert caught.value.exit_code == 2

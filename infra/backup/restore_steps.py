"""The steps a drill and a real restore share: restore a backup or a point in time into a NEW
table, wait until it is ACTIVE, re-apply the settings a restore drops, and drop a drill table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from infra.aws.backups import PitrWindow, TableSettings, TableShape
from infra.aws.errors import AwsCallFailed
from infra.backup.backup_records import BackupRecord
from infra.backup.context import DataSafety
from infra.backup.errors import DataSafetyUsageError, RestoreRefused
from infra.backup.record_items import Check
from infra.backup.table_settings import reapply_settings
from infra.backup.waits import table_active, table_gone, wait_until
from infra.config.model import EnvironmentConfig
from infra.deploy.table_items import format_time

DROP_WAIT = timedelta(minutes=15)
TAG_PURPOSE = "ei:purpose"


@dataclass(frozen=True)
class FromBackup:
    arn: str
    point: datetime  # the table as of this time


@dataclass(frozen=True)
class FromPointInTime:
    table: str
    at: datetime | None  # None: the latest restorable time


RestoreSource = FromBackup | FromPointInTime


@dataclass(frozen=True)
class RestoredTable:
    table: str
    restore_s: float  # request until ACTIVE
    settings_s: float
    settings: tuple[Check, ...]


def drill_settings(source: TableSettings, drill_id: str) -> TableSettings:
    """The source's settings on a drill table, which must stay deletable."""
    tags = tuple(sorted({*source.tags, (TAG_PURPOSE, f"restore-drill {drill_id}")}))
    return replace(source, deletion_protection=False, tags=tags)


def restore_settings(
    source: TableSettings | None, config: EnvironmentConfig, origin: str
) -> TableSettings:
    """The live table's settings (or, when it is gone, the template's: PITR on, deletion
    protection per retain_data) on a table that will serve production."""
    base = source or TableSettings(pitr_enabled=True)
    tags = tuple(sorted({*base.tags, (TAG_PURPOSE, f"restored from {origin}")}))
    return replace(base, deletion_protection=config.retain_data, tags=tags)


def restore_into(
    ctx: DataSafety,
    source: RestoreSource,
    target: str,
    like: TableShape,
    wanted: TableSettings,
) -> RestoredTable:
    """Restore into `target`, which must not exist; never touches the source table."""
    if ctx.tables.shape(target) is not None:
        raise RestoreRefused(
            f"table {target} already exists: a restore only ever creates a new table; "
            "choose another name or delete that table first"
        )
    started = ctx.clock.now()
    try:
        if isinstance(source, FromBackup):
            ctx.tables.restore_backup(source.arn, target, like)
        else:
            ctx.tables.restore_point_in_time(source.table, target, source.at, like)
    except AwsCallFailed as exc:
        if exc.code in ("TableAlreadyExistsException", "TableInUseException"):
            raise RestoreRefused(f"table {target} already exists: {exc}") from None
        raise
    poll = ctx.config.backup.restore_poll_s
    wait_until(ctx.clock, table_active(ctx.tables, target), ctx.rto, poll, f"restore of {target}")
    restored = ctx.clock.now()
    checks = reapply_settings(ctx.tables, ctx.clock, target, wanted, ctx.rto, poll)
    done = ctx.clock.now()
    return RestoredTable(
        table=target,
        restore_s=(restored - started).total_seconds(),
        settings_s=(done - restored).total_seconds(),
        settings=checks,
    )


def drop_table(ctx: DataSafety, table: str, scaling_dimensions: tuple[str, ...]) -> bool:
    """Delete a drill table (and its scalable targets) and wait until it is gone; False when
    it never existed."""
    ctx.tables.remove_scaling(table, scaling_dimensions)
    if not ctx.tables.delete_table(table):
        return False
    poll = ctx.config.backup.restore_poll_s
    wait_until(ctx.clock, table_gone(ctx.tables, table), DROP_WAIT, poll, f"delete {table}")
    return True


def check_point_in_time(
    ctx: DataSafety,
    table: str,
    pitr: PitrWindow,
    to_time: datetime,
    refused: type[DataSafetyUsageError],
) -> None:
    """A restorable time: with a timezone, not in the future, inside the table's PITR window
    (the emulator does not model the window, so there only the first two are checked)."""
    now = ctx.clock.now()
    if to_time.tzinfo is None:
        raise refused(f"--to-time {to_time.isoformat()} has no timezone; add Z or +00:00")
    if to_time > now:
        raise refused(f"--to-time {format_time(to_time)} is in the future (now {format_time(now)})")
    if ctx.emulator:
        return
    if not pitr.enabled or pitr.earliest is None or pitr.latest is None:
        raise refused(f"--to-time needs point-in-time recovery, which is off on {table}")
    if not pitr.earliest <= to_time <= pitr.latest:
        raise refused(
            f"--to-time {format_time(to_time)} is outside {table}'s restorable window "
            f"{format_time(pitr.earliest)} .. {format_time(pitr.latest)}"
        )


def exact_fingerprint(
    records: list[BackupRecord], backup_arn: str = "", at: datetime | None = None
) -> BackupRecord | None:
    """The backup record whose exact fingerprint holds for a backup (by ARN) or a moment."""
    for record in records:
        f = record.fingerprint
        if f is None or not f.exact:
            continue
        if (backup_arn and record.backup_arn == backup_arn) or (at is not None and f.covers(at)):
            return record
    return None

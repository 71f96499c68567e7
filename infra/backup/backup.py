"""`backup`: an on-demand DynamoDB backup of the table the function serves, a check that the
reports bucket keeps deleted reports, a snapshot of the live config and template, one `backup#`
record referencing all of it, then pruning by retention (never the newest `keep_last`)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from infra.aws.errors import AwsCallFailed, AwsError
from infra.backup import snapshot
from infra.backup.backup_records import BackupRecord, BackupRecords, BackupStatus, SourceFingerprint
from infra.backup.context import DataSafety, stamped_id
from infra.backup.errors import BackupFailed
from infra.backup.record_items import Check, CheckStatus
from infra.backup.retention import Candidate, decide_retention
from infra.backup.waits import backup_available, wait_until
from infra.deploy.table_items import format_time
from infra.errors import InfraError

NAME_PREFIX = "ei-"
BACKUP_WAIT = timedelta(minutes=30)


def backup_name(env: str, backup_id: str) -> str:
    """The DynamoDB backup's name; pruning only ever touches names with this prefix."""
    return f"{NAME_PREFIX}{env}-{backup_id}"


@dataclass(frozen=True)
class BackupResult:
    record: BackupRecord
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        failed = any(c.status is CheckStatus.FAILED for c in self.record.checks)
        return self.record.status is BackupStatus.SUCCEEDED and not failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        r = self.record
        lines = [
            f"backup {r.backup_id} of {r.env} ({r.table}): {r.status.value}",
            f"  DynamoDB backup: {r.backup_arn or '-'}",
            f"  holds the table as of: {format_time(r.point) if r.point else '-'}",
            f"  snapshot: {r.snapshot or '-'} ({', '.join(n for n, _ in r.snapshot_files)})",
        ]
        if r.fingerprint is not None:
            f = r.fingerprint
            state = "exact" if f.exact else "the table changed during the backup: not exact"
            lines.append(f"  fingerprint: {f.after} ({state})")
        lines += [f"  check {c.line()}" for c in r.checks]
        lines += [f"  pruned: {', '.join(r.pruned)}"] if r.pruned else []
        lines += [f"  note: {note}" for note in r.notes]
        lines += [f"  WARNING: {w}" for w in self.warnings]
        return lines + ([f"  error: {r.error}"] if r.error else [])


def backup(ctx: DataSafety, reason: str, actor: str) -> BackupResult:
    """Back up the environment's data table and record it; see the module docstring."""
    started = ctx.clock.now()
    backup_id = stamped_id(started, ctx.new_id())
    table = ctx.protected_table
    if ctx.tables.shape(table) is None:
        raise BackupFailed(
            f"environment {ctx.env}: table {table} does not exist; deploy the environment first"
            + (
                " or fix backup.data_table_override"
                if ctx.config.backup.data_table_override
                else ""
            )
        )
    store = ctx.backups()
    record = BackupRecord(backup_id, ctx.env, ctx.target, table, reason, actor, started)
    store.save(record)
    try:
        record = _take(ctx, record)
    except BaseException as exc:
        error = str(exc) if isinstance(exc, InfraError) else f"{type(exc).__name__}: {exc}"
        failed = record.finish(BackupStatus.FAILED, ctx.clock.now(), error=error)
        with suppress(AwsError):  # the original error matters more than a failed record write
            store.save(failed)
        raise
    store.save(record)
    ctx.emit(f"backup {backup_id}: {record.backup_arn}")
    pruned, warnings = prune(ctx, store)
    if pruned:
        record = record.finish(record.status, record.finished_at or started, pruned=pruned)
        store.save(record)
    return BackupResult(record, warnings)


def backup_before_change(ctx: DataSafety, reason: str, actor: str = "pipeline") -> BackupRecord:
    """The pre-step of every prod promotion and hotfix: back up, or stop the change (raises
    BackupFailed when the backup or a check of what it protects failed)."""
    result = backup(ctx, reason, actor)
    if not result.ok:
        failed = [c.line() for c in result.record.checks if c.status is CheckStatus.FAILED]
        raise BackupFailed(
            f"backup {result.record.backup_id} before '{reason}' is not good enough to change "
            f"{ctx.env}: {'; '.join(failed) or result.record.error}. Fix it, then retry"
        )
    return result.record


def _take(ctx: DataSafety, record: BackupRecord) -> BackupRecord:
    table = record.table
    fingerprinting = ctx.config.backup.fingerprint_backups
    scanned_from = ctx.clock.now()
    before = ctx.fingerprint(table) if fingerprinting else None
    info = ctx.tables.create_backup(table, backup_name(ctx.env, record.backup_id))
    poll = ctx.config.backup.restore_poll_s
    wait_until(ctx.clock, backup_available(ctx.tables, info.arn), BACKUP_WAIT, poll, info.arn)
    fingerprint = None
    if before is not None:
        after = ctx.fingerprint(table)
        fingerprint = SourceFingerprint(before, after, scanned_from, ctx.clock.now())
    checks = bucket_checks(ctx)
    live = ctx.objects.live_stack(ctx.config.names.stack)
    about = {
        "backup_id": record.backup_id,
        "env": ctx.env,
        "table": table,
        "backup_arn": info.arn,
        "point": format_time(info.created_at),
        "reason": record.reason,
    }
    files = snapshot.snapshot_files(ctx.config, live, about)
    location, hashes = snapshot.write_snapshot(
        ctx.objects, ctx.artifact_bucket, record.backup_id, files
    )
    notes = () if live is not None else (f"no live stack {ctx.config.names.stack}: no template",)
    return record.finish(
        BackupStatus.SUCCEEDED,
        ctx.clock.now(),
        backup_arn=info.arn,
        point=info.created_at,
        fingerprint=fingerprint,
        checks=checks,
        snapshot=location,
        snapshot_files=hashes,
        notes=notes,
    )


def bucket_checks(ctx: DataSafety) -> tuple[Check, ...]:
    """Versioning on, and old versions kept the configured days, on the reports bucket."""
    bucket = ctx.reports_bucket
    try:
        protection = ctx.objects.protection(bucket)
    except AwsCallFailed as exc:
        return (Check("reports bucket", CheckStatus.FAILED, f"{bucket}: {exc}"),)
    gap = "the emulator's CloudFormation ignores this bucket setting; on AWS this check applies"
    versioning = (
        Check("reports bucket versioning", CheckStatus.OK, f"{bucket}: Enabled")
        if protection.versioning == "Enabled"
        else Check(
            "reports bucket versioning",
            CheckStatus.NOT_MODELLED if ctx.emulator else CheckStatus.FAILED,
            gap
            if ctx.emulator
            else f"{bucket} versioning is {protection.versioning or 'off'}: a deleted report "
            "could not be restored; deploy the stack again (the template enables it)",
        )
    )
    want = ctx.config.backup.noncurrent_version_expiry_days
    got = protection.noncurrent_expiry_days
    if got == want:
        expiry = Check("report versions expiry", CheckStatus.OK, f"{got} days")
    elif ctx.emulator and got is None:
        expiry = Check("report versions expiry", CheckStatus.NOT_MODELLED, gap)
    else:
        expiry = Check(
            "report versions expiry",
            CheckStatus.FAILED,
            f"old versions expire after {got} days, backup.noncurrent_version_expiry_days is "
            f"{want}; deploy the stack again",
        )
    return versioning, expiry


def prune(ctx: DataSafety, store: BackupRecords) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Delete this tool's backups beyond retention (never the newest keep_last) with their
    snapshots, and mark their records pruned; returns (pruned ids, warnings)."""
    prefix = f"{NAME_PREFIX}{ctx.env}-"
    ours = {
        b.arn: b
        for b in ctx.tables.list_backups(ctx.protected_table)
        if b.status == "AVAILABLE" and b.name.startswith(prefix)
    }
    settings = ctx.config.backup
    decision = decide_retention(
        [Candidate(arn, b.created_at) for arn, b in ours.items()],
        ctx.clock.now(),
        timedelta(days=settings.retention_days),
        settings.keep_last,
    )
    pruned: list[str] = []
    warnings: list[str] = []
    for candidate in decision.prune:
        backup_id = ours[candidate.key].name.removeprefix(prefix)
        try:
            ctx.tables.delete_backup(candidate.key)
            ctx.objects.delete_prefix(ctx.artifact_bucket, snapshot.prefix(backup_id))
        except AwsError as exc:
            warnings.append(f"could not prune backup {backup_id}: {exc}")
            continue
        pruned.append(backup_id)
        old = store.find(backup_id)
        if old is not None:
            store.save(old.finish(BackupStatus.PRUNED, old.finished_at or old.started_at))
    return tuple(pruned), tuple(warnings)

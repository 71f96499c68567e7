"""`drill_restore`: restore the environment's table (latest backup, or PITR to a time) into a
new table, re-apply its settings, verify item count and checksum against the source at that
point, measure RTO and RPO, record a `drill#` record and drop the drill table (unless kept).
Nothing live is ever changed: the only writes are the new table and the record."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime

from infra.aws.backups import BackupInfo, PitrWindow, TableSettings, TableShape
from infra.aws.errors import AwsError
from infra.backup.context import DataSafety, stamped_id
from infra.backup.drill_records import DrillRecord, DrillSource, Verdict
from infra.backup.errors import DataSafetyError, DrillRefused, NoBackupToRestore, RestoreRefused
from infra.backup.fingerprint import Fingerprint
from infra.backup.record_items import CheckStatus
from infra.backup.restore_steps import (
    FromBackup,
    FromPointInTime,
    RestoreSource,
    check_point_in_time,
    drill_settings,
    drop_table,
    exact_fingerprint,
    restore_into,
)
from infra.backup.verdict import DrillMeasurements, ReferenceKind, Targets, judge
from infra.deploy.table_items import format_time
from infra.errors import InfraError

EMULATOR_NOTES = (
    "emulator: the restore is an in-memory copy, so this RTO is not AWS's (a restore there "
    "takes minutes to hours depending on size)",
    "emulator: the PITR window is not modelled (earliest = latest = when PITR was enabled), "
    "so the PITR lag is not judged and --to-time is not checked against the window",
    "emulator: autoscaling targets and policies are stored but never scale anything",
    "emulator: its scan serialises slowly and restarts from the table's start on every page, "
    "so verification runs as one segment and its time is the emulator's, not AWS's",
)
PITR_OFF_NOTE = (
    "emulator: PITR is off on the source because the emulator's CloudFormation ignores the "
    "template's PointInTimeRecoverySpecification; not judged here (on AWS, PITR off fails a drill)"
)
PITR_EMULATOR_NOTE = (
    "emulator: a point-in-time restore ignores the restore time and copies the table as it is "
    "now; the content at the requested time cannot be verified here (verdict: unverified)"
)


@dataclass(frozen=True)
class DrillResult:
    record: DrillRecord

    @property
    def exit_code(self) -> int:
        return 0 if self.record.verdict is Verdict.PASSED else 1

    def lines(self) -> list[str]:
        r = self.record

        def seconds(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} s"

        point = format_time(r.restored_point) if r.restored_point else "not known"
        lines = [
            f"restore drill {r.drill_id} of {r.env} [{r.target}]: {r.verdict.value.upper()}",
            f"  source: {r.source.value} {r.backup_id or r.backup_arn or ''} of {r.source_table}",
            f"  requested point: {format_time(r.requested_point) if r.requested_point else '-'}"
            f"; restored point: {point}",
            f"  drill table: {r.drill_table} ("
            + ("kept" if r.kept else "deleted" if r.table_deleted else "not present afterwards")
            + ")",
            f"  restored: {r.restored or '-'}; expected: {r.expected or '-'} [{r.reference}]",
            f"  RTO {seconds(r.rto_s)} (target {r.rto_target_s // 60} min): restore "
            f"{seconds(r.restore_s)}, settings {seconds(r.settings_s)}, "
            f"verify {seconds(r.verify_s)}",
            f"  RPO {seconds(r.rpo_s)} (target {r.rpo_target_s // 60} min): the requested point "
            "minus the restored point",
        ]
        lines += [f"  {c.line()}" for c in r.settings]
        lines += [f"  - {reason}" for reason in r.reasons]
        lines += [f"  note: {note}" for note in r.notes]
        return lines + ([f"  error: {r.error}"] if r.error else [])


def drill_restore(
    ctx: DataSafety,
    to_time: datetime | None = None,
    keep: bool = False,
    allow_prod: bool = False,
) -> DrillResult:
    """Run one restore drill; refusals (exit 2) happen before anything is created."""
    if ctx.env == "prod" and not allow_prod:
        raise DrillRefused(
            "a restore drill on prod reads the whole production table and creates a table in "
            "the production account; drills run on staging. Pass allow_prod (--allow-prod) to "
            "drill prod deliberately"
        )
    started = ctx.clock.now()
    table = ctx.protected_table
    like = ctx.tables.shape(table)
    if like is None:
        raise DataSafetyError(f"table {table} of {ctx.env} does not exist: nothing to drill")
    pitr = ctx.tables.pitr(table)
    if to_time is not None:
        check_point_in_time(ctx, table, pitr, to_time, DrillRefused)
    drill_id = stamped_id(started, ctx.new_id())
    drill_table = f"{table}-drill-{drill_id}"
    if ctx.tables.shape(drill_table) is not None:
        raise DrillRefused(f"table {drill_table} already exists; run the drill again")
    targets = Targets(ctx.rto, ctx.rpo)
    record = DrillRecord(
        drill_id=drill_id,
        env=ctx.env,
        target=ctx.target,
        source=DrillSource.PITR if to_time is not None else DrillSource.BACKUP,
        source_table=table,
        drill_table=drill_table,
        started_at=started,
        rto_target_s=int(targets.rto.total_seconds()),
        rpo_target_s=int(targets.rpo.total_seconds()),
        requested_point=to_time or started,
        kept=keep,
        notes=_notes(ctx, to_time, pitr),
    )
    drills = ctx.drills()
    drills.save(record)
    source_settings: TableSettings | None = None
    interrupted: BaseException | None = None
    drop = not keep
    try:
        source_settings = ctx.tables.settings(table)
        record = _run(ctx, record, to_time, like, source_settings, pitr, targets)
    except RestoreRefused as exc:  # someone else's table took the name: never drop it
        record = replace(record, verdict=Verdict.FAILED, error=str(exc), kept=False)
        drop = False
    except Exception as exc:  # recorded as a failed drill; a half-made table is dropped below
        error = str(exc) if isinstance(exc, InfraError) else f"{type(exc).__name__}: {exc}"
        record = replace(record, verdict=Verdict.FAILED, error=error, kept=False)
        drop = True
    except BaseException as exc:  # Ctrl-C: still drop the table and record, then stop
        error = f"interrupted ({type(exc).__name__})"
        record = replace(record, verdict=Verdict.FAILED, error=error, kept=False)
        drop, interrupted = True, exc
    dims = tuple(t.dimension for t in source_settings.scaling) if source_settings else ()
    if drop:
        try:
            record = replace(record, table_deleted=drop_table(ctx, record.drill_table, dims))
        except AwsError as exc:
            record = replace(record, error=(record.error + f"; cleanup failed: {exc}").lstrip("; "))
    record = record.finish(record.verdict, ctx.clock.now())
    with suppress(AwsError):  # the result still reaches the caller
        drills.save(record)
    if interrupted is not None:
        raise interrupted
    return DrillResult(record)


def last_drill(ctx: DataSafety) -> DrillRecord | None:
    """The newest drill of the environment (for the ops report)."""
    newest = ctx.drills().newest(limit=1)
    return newest[0] if newest else None


def _run(
    ctx: DataSafety,
    record: DrillRecord,
    to_time: datetime | None,
    like: TableShape,
    source_settings: TableSettings,
    pitr: PitrWindow,
    targets: Targets,
) -> DrillRecord:
    table = record.source_table
    source: RestoreSource
    if to_time is None:
        chosen = _latest_backup(ctx, table)
        source = FromBackup(chosen.arn, chosen.created_at)
        mine = ctx.backups().by_arn(chosen.arn)
        record = replace(
            record,
            backup_arn=chosen.arn,
            backup_id=mine.backup_id if mine else "",
            restored_point=chosen.created_at,
        )
    else:
        source = FromPointInTime(table, to_time)
        record = replace(record, restored_point=None if ctx.emulator else to_time)
    wanted = drill_settings(source_settings, record.drill_id)
    ctx.emit(f"drill {record.drill_id}: restoring {table} into {record.drill_table}")
    restored = restore_into(ctx, source, record.drill_table, like, wanted)
    verify_started = ctx.clock.now()
    got = ctx.fingerprint(record.drill_table)
    expected, kind, reference = _reference(ctx, record, to_time)
    verified = ctx.clock.now()
    rto = verified - record.started_at
    lag = None if ctx.emulator or pitr.latest is None else verified - pitr.latest
    measurements = DrillMeasurements(
        source=record.source,
        reference=kind,
        expected=expected,
        restored=got,
        rto=rto,
        settings_failed=tuple(
            c.line() for c in restored.settings if c.status is CheckStatus.FAILED
        ),
        pitr_enabled=pitr.enabled,
        pitr_lag=lag,
        emulator=ctx.emulator,
    )
    verdict, reasons = judge(measurements, targets)
    rpo = (
        # never below 0: a backup's time comes from AWS's clock, the drill's start from ours
        max(0.0, (record.requested_point - record.restored_point).total_seconds())
        if record.requested_point and record.restored_point
        else None
    )
    return replace(
        record,
        verdict=verdict,
        reasons=reasons,
        expected=expected,
        restored=got,
        reference=reference,
        settings=restored.settings,
        rto_s=rto.total_seconds(),
        rpo_s=rpo,
        restore_s=restored.restore_s,
        settings_s=restored.settings_s,
        verify_s=(verified - verify_started).total_seconds(),
    )


def _reference(
    ctx: DataSafety, record: DrillRecord, to_time: datetime | None
) -> tuple[Fingerprint, ReferenceKind, str]:
    """What the restored table must equal: a fingerprint known to hold at the restored point,
    else the source table as it is now."""
    arn = record.backup_arn if to_time is None else ""
    mine = exact_fingerprint(ctx.backups().newest(), arn, to_time)
    if mine is not None and mine.fingerprint is not None:
        f = mine.fingerprint
        when = f"{format_time(f.scanned_from)} .. {format_time(f.scanned_to)}"
        return f.after, ReferenceKind.EXACT, f"fingerprint of backup {mine.backup_id} ({when})"
    now = ctx.clock.now()
    current = ctx.fingerprint(record.source_table)
    return current, ReferenceKind.SOURCE_NOW, f"source table as of {format_time(now)}"


def _latest_backup(ctx: DataSafety, table: str) -> BackupInfo:
    available = [b for b in ctx.tables.list_backups(table) if b.status == "AVAILABLE"]
    if not available:
        raise NoBackupToRestore(
            f"table {table} has no available on-demand backup to drill; take one first "
            f"(`pipeline backup --env {ctx.env}`) or drill a point in time (--to-time)"
        )
    return available[-1]


def _notes(ctx: DataSafety, to_time: datetime | None, pitr: PitrWindow) -> tuple[str, ...]:
    if not ctx.emulator:
        return ()
    notes = [PITR_EMULATOR_NOTE] if to_time is not None else []
    notes += EMULATOR_NOTES
    if not pitr.enabled:
        notes.append(PITR_OFF_NOTE)
    return tuple(notes)

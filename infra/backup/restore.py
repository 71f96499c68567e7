"""`restore`: the real recovery path. The plan is data and is shown first; a dry run stops
there. Applying it: take the environment lock, restore the backup into a NEW table, re-apply
settings, verify, release the lock, switch the function to the new table through a config change
deployed like any other (port), smoke test (port). The live table is never written to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from infra.aws.backups import BackupInfo, TableShape
from infra.aws.errors import AwsError
from infra.backup.backup_records import BackupRecord, BackupStatus
from infra.backup.config_edit import KEY, with_table_override
from infra.backup.context import DataSafety, stamped_id
from infra.backup.drill import PITR_EMULATOR_NOTE
from infra.backup.errors import BackupNotFound, DataSafetyError, RestoreRefused
from infra.backup.fingerprint import Fingerprint
from infra.backup.ports import SmokeCheck, TableSwitch
from infra.backup.record_items import CheckStatus
from infra.backup.restore_steps import (
    FromBackup,
    FromPointInTime,
    RestoreSource,
    check_point_in_time,
    exact_fingerprint,
    restore_into,
    restore_settings,
)
from infra.deploy.table_items import format_time


@dataclass(frozen=True)
class RestorePlan:
    restore_id: str
    env: str
    source: RestoreSource
    source_label: str  # "backup <id> (<arn>)" or "point in time <T>"
    backup_id: str  # our record's id, when restoring one of our backups
    point: datetime  # the table as of this time
    live_table: str
    target_table: str
    approved_by: str
    lock_holder: str | None
    expected: Fingerprint | None  # an exact fingerprint of the table at `point`, if one exists
    steps: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        head = [
            f"restore plan {self.restore_id} for {self.env}, approved by {self.approved_by}:",
            f"  from {self.source_label}: the table as of {format_time(self.point)}",
        ]
        steps = [f"  {n}. {step}" for n, step in enumerate(self.steps, start=1)]
        return head + steps + [f"  note: {note}" for note in self.notes]


class RestoreOutcome(StrEnum):
    PLANNED = "planned"  # a dry run: nothing changed
    RESTORED = "restored"
    FAILED = "failed"


@dataclass(frozen=True)
class RestoreResult:
    plan: RestorePlan
    outcome: RestoreOutcome
    done: tuple[str, ...] = ()
    restored: Fingerprint | None = None
    rto_s: float | None = None
    error: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome is RestoreOutcome.FAILED else 0

    def lines(self) -> list[str]:
        lines = self.plan.lines()
        if self.outcome is RestoreOutcome.PLANNED:
            return [*lines, "dry run: nothing was changed"]
        lines += [f"  done: {step}" for step in self.done]
        if self.rto_s is not None:
            lines.append(f"  recovery took {self.rto_s:.1f} s (lock to smoke test passed)")
        lines.append(f"restore {self.plan.restore_id}: {self.outcome.value}")
        return lines + ([f"  error: {self.error}"] if self.error else [])


def resolve_backup(ctx: DataSafety, backup_id: str) -> tuple[BackupInfo, BackupRecord | None]:
    """Our record id, `latest`, or a DynamoDB backup ARN of this environment's tables."""
    store = ctx.backups()
    newest = store.newest()
    record: BackupRecord | None
    if backup_id == "latest":
        record = next((r for r in newest if r.status is BackupStatus.SUCCEEDED), None)
    elif backup_id.startswith("arn:"):
        record = store.by_arn(backup_id)
    else:
        record = next((r for r in newest if r.backup_id == backup_id), None)
    arn = record.backup_arn if record else backup_id if backup_id.startswith("arn:") else ""
    info = ctx.tables.describe_backup(arn) if arn else None
    if info is None or info.status != "AVAILABLE":
        known = [r.backup_id for r in newest if r.status is BackupStatus.SUCCEEDED][:5]
        raise BackupNotFound(backup_id, ctx.env, known)
    if not info.table.startswith(ctx.config.name_prefix + "-"):
        raise RestoreRefused(
            f"backup {arn} is of table {info.table}, not one of environment {ctx.env}'s tables "
            f"({ctx.config.name_prefix}-*); restore it from that environment"
        )
    return info, record


def plan_restore(
    ctx: DataSafety,
    backup_id: str | None,
    approved_by: str,
    target_table: str | None = None,
    to_time: datetime | None = None,
) -> RestorePlan:
    """The restore as data: from a backup (our id, `latest`, an ARN) or a point in time, never
    both. Read-only (describe calls only)."""
    who = approved_by.strip()
    if not who:
        raise RestoreRefused("--approved-by is empty: name the person who approved this restore")
    if (backup_id is None) == (to_time is None):
        raise RestoreRefused(
            "name what to restore: a backup (--from ID|latest|ARN) or a point in time "
            "(--to-time), exactly one of the two"
        )
    live = ctx.protected_table
    notes: tuple[str, ...] = ()
    source: RestoreSource
    if to_time is not None:
        if ctx.tables.shape(live) is None:
            raise RestoreRefused(
                f"{live} is gone, and a point-in-time restore reads it; restore from a backup "
                "(--from latest), see docs/operations/backup-and-restore.md"
            )
        check_point_in_time(ctx, live, ctx.tables.pitr(live), to_time, RestoreRefused)
        source, point, backup_ref = FromPointInTime(live, to_time), to_time, ""
        label = f"point in time {format_time(to_time)} of {live}"
        found = exact_fingerprint(ctx.backups().newest(), at=to_time)
        notes = (PITR_EMULATOR_NOTE,) if ctx.emulator else ()
    else:
        info, record = resolve_backup(ctx, backup_id or "")
        source, point = FromBackup(info.arn, info.created_at), info.created_at
        backup_ref = record.backup_id if record else ""
        label = f"backup {backup_ref or '(not recorded)'} ({info.arn})"
        found = exact_fingerprint([record], info.arn) if record else None
    expected = found.fingerprint.after if found and found.fingerprint else None
    restore_id = stamped_id(ctx.clock.now(), ctx.new_id())
    target = target_table or f"{ctx.config.names.data_table}-restored-{restore_id}"
    if target == live or ctx.tables.shape(target) is not None:
        raise RestoreRefused(
            f"restore target {target} already exists"
            + (" (it is the table the function serves)" if target == live else "")
            + ": a restore only ever creates a new table; name a new one"
        )
    holder = ctx.lock.holder()
    return RestorePlan(
        restore_id=restore_id,
        env=ctx.env,
        source=source,
        source_label=label,
        backup_id=backup_ref,
        point=point,
        live_table=live,
        target_table=target,
        approved_by=who,
        lock_holder=holder,
        expected=expected,
        steps=_steps(ctx, live, target, holder, expected),
        notes=notes,
    )


def _steps(
    ctx: DataSafety, live: str, target: str, holder: str | None, expected: Fingerprint | None
) -> tuple[str, ...]:
    protection = "on" if ctx.config.retain_data else "off"
    return (
        f"take the deploy lock of {ctx.env} (refused while a deploy or promotion holds it; now: "
        f"{holder or 'free'})",
        f"restore into the NEW table {target}; {live} is not touched",
        f"re-apply what a restore drops, as on {live} (or the template's when it is gone): "
        f"TTL, stream, PITR, tags, autoscaling; deletion protection {protection}",
        f"count and checksum {target}"
        + (f"; must equal the fingerprint of that point ({expected})" if expected else "")
        + "; on failure it is deleted and nothing else changed",
        "release the lock",
        f"set backup.{KEY}: {target} in infra/environments/{ctx.env}.yaml and deploy it like "
        f"any config change, all traffic at once (EI_TABLE_NAME becomes {target})",
        f"smoke test {ctx.env}; keep {live} until the incident is closed",
    )


def restore(
    ctx: DataSafety,
    backup_id: str | None,
    approved_by: str,
    dry_run: bool,
    switch: TableSwitch,
    smoke: SmokeCheck,
    target_table: str | None = None,
    to_time: datetime | None = None,
) -> RestoreResult:
    """Show the plan, then (unless dry run) carry it out; see the module docstring."""
    plan = plan_restore(ctx, backup_id, approved_by, target_table, to_time)
    for line in plan.lines():
        ctx.emit(line)
    if dry_run:
        return RestoreResult(plan, RestoreOutcome.PLANNED)
    started = ctx.clock.now()
    token = f"restore-{plan.restore_id}"
    owner = f"restore {plan.restore_id} approved by {plan.approved_by}"
    ctx.lock.acquire(owner, token)
    try:
        restored = _restore_table(ctx, plan)
    finally:
        ctx.lock.release(token)
    done = [f"restored and verified {plan.target_table}: {restored}"]
    _annotate(ctx, plan)
    config = with_table_override(ctx.config, plan.target_table)
    try:
        reference = switch.switch(config, plan.target_table)
        done.append(f"switched the function to {plan.target_table} ({reference})")
        outcome = smoke.smoke(config)
    except Exception as exc:
        return RestoreResult(
            plan, RestoreOutcome.FAILED, tuple(done), restored, error=_after_switch(plan, exc)
        )
    if not outcome.ok:
        error = _after_switch(plan, f"smoke test failed: {outcome.detail}")
        return RestoreResult(plan, RestoreOutcome.FAILED, tuple(done), restored, error=error)
    done.append(f"smoke test passed{': ' + outcome.detail if outcome.detail else ''}")
    rto = (ctx.clock.now() - started).total_seconds()
    return RestoreResult(plan, RestoreOutcome.RESTORED, tuple(done), restored, rto)


def _restore_table(ctx: DataSafety, plan: RestorePlan) -> Fingerprint:
    live = ctx.tables.shape(plan.live_table)
    # The live table may be the thing that was lost: then the template's shape and settings.
    like = live or TableShape(plan.live_table, "", "", "PAY_PER_REQUEST", None)
    live_settings = ctx.tables.settings(plan.live_table) if live else None
    if isinstance(plan.source, FromBackup):
        origin = f"backup {plan.backup_id or plan.source.arn}"
    else:
        origin = f"pitr {format_time(plan.point)}"
    wanted = restore_settings(live_settings, ctx.config, origin)
    source = plan.source
    try:
        restored = restore_into(ctx, source, plan.target_table, like, wanted)
        failed = [c.line() for c in restored.settings if c.status is CheckStatus.FAILED]
        if failed:
            raise DataSafetyError(
                f"settings not re-applied on {plan.target_table}: {'; '.join(failed)}"
            )
        got = ctx.fingerprint(plan.target_table)
        if plan.expected is not None and got != plan.expected:
            raise DataSafetyError(
                f"{plan.target_table} holds {got}, the backup's fingerprint says {plan.expected}"
            )
    except RestoreRefused:
        raise  # the table existed before: it is not ours to delete
    except BaseException:
        _discard(ctx, plan.target_table)
        raise
    return got


def _discard(ctx: DataSafety, table: str) -> None:
    """Delete a restored table that failed verification (it never served anything)."""
    try:
        if ctx.tables.shape(table) is not None:
            ctx.tables.set_deletion_protection(table, False)
            ctx.tables.delete_table(table)
    except AwsError as exc:
        ctx.emit(f"WARNING: could not delete the failed restore table {table}: {exc}")


def _annotate(ctx: DataSafety, plan: RestorePlan) -> None:
    record = ctx.backups().find(plan.backup_id) if plan.backup_id else None
    if record is not None:
        line = (
            f"{format_time(ctx.clock.now())}: restored into {plan.target_table} "
            f"(restore {plan.restore_id}, approved by {plan.approved_by})"
        )
        ctx.backups().save(replace(record, restores=(*record.restores, line)))


def _after_switch(plan: RestorePlan, problem: object) -> str:
    return (
        f"{problem}. The table {plan.target_table} is restored and kept; the function may "
        f"already serve it. To go back, set backup.{KEY} to its previous value in "
        f"infra/environments/{plan.env}.yaml and deploy; to retry, rerun the switch and smoke"
    )

"""The data-safety entries (docs/operations/backup-and-restore.md): `backup`, `drill` (a
restore drill, optionally of a fresh backup) and `restore-object`, each calling infra.backup
as a library on the stage's target. `data_safety(ctx)` is how any stage binds it (promotion's
pre-change backup: `backup_before_change(data_safety(ctx), reason)`)."""

from __future__ import annotations

from datetime import datetime

from infra.backup import (
    DataSafety,
    Verdict,
    backup,
    bind,
    drill_restore,
    restore_report_object,
)
from infra.backup.errors import BackupFailed, DataSafetyError
from infra.deploy.provenance import actor
from pipeline.catalog import (
    ALLOW_PROD,
    FRESH_BACKUP,
    KEEP,
    OBJECT_DRY_RUN,
    OBJECT_KEY,
    OBJECT_VERSION,
    PARAM_ACTOR,
    TO_TIME,
    Option,
    option_values,
)
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import ReleaseUsageError


class DrillFailed(DataSafetyError):
    """The drill ran and its verdict is not PASSED (exit 1); its record says why."""


def data_safety(ctx: EntryContext) -> DataSafety:
    """infra.backup bound to the stage's environment on its target (the emulator's gaps are
    the library's to note: one scan segment, settings it ignores)."""
    connection = ctx.target().connect(ctx.config.region)
    for note in connection.notes:
        ctx.emit(note)
    return bind(connection, ctx.config, emit=ctx.emit)


def option(ctx: EntryContext, opt: Option) -> str:
    """The option's value ('' when not given), refused (exit 2) when its check fails."""
    value = ctx.param(opt.param)
    if opt.required and not value:
        raise ReleaseUsageError(f"--{opt.name} is required: {opt.help}")
    option_values({opt: value})  # refuses a bad value (exit 2)
    return value


def who(ctx: EntryContext) -> str:
    return ctx.param(PARAM_ACTOR) or actor()


def run_backup(ctx: EntryContext) -> None:
    """An on-demand backup; exit 1 unless it succeeded and every check passed."""
    made = backup(data_safety(ctx), "on demand", who(ctx))
    for line in made.lines():
        ctx.emit(line)
    if not made.ok:
        raise BackupFailed(f"backup {made.record.backup_id} of {ctx.env} is not good: see above")


def run_drill(ctx: EntryContext) -> None:
    """A restore drill (after a fresh backup when asked); exit 1 unless PASSED."""
    text = option(ctx, TO_TIME)
    to_time = datetime.fromisoformat(text) if text else None
    safety = data_safety(ctx)
    if ctx.switch(FRESH_BACKUP):
        made = backup(safety, "restore drill (fresh backup)", who(ctx))
        for line in made.lines():
            ctx.emit(line)
        if not made.ok:
            raise BackupFailed(
                f"the fresh backup {made.record.backup_id} of {ctx.env} is not good, so it was "
                "not drilled: see above"
            )
    result = drill_restore(
        safety, to_time=to_time, keep=ctx.switch(KEEP), allow_prod=ctx.switch(ALLOW_PROD)
    )
    for line in result.lines():
        ctx.emit(line)
    record = result.record
    if record.verdict is not Verdict.PASSED:
        raise DrillFailed(
            f"restore drill {record.drill_id} of {ctx.env}: {record.verdict.value.upper()} "
            "(the reasons are listed above; the drill is recorded)"
        )


def run_restore_object(ctx: EntryContext) -> None:
    """Serve a deleted or overwritten report object again (plan first; dry run stops there)."""
    key = option(ctx, OBJECT_KEY)
    version = option(ctx, OBJECT_VERSION) or None
    done = restore_report_object(
        data_safety(ctx), key, version_id=version, dry_run=ctx.switch(OBJECT_DRY_RUN)
    )
    for line in done.lines()[len(done.plan.lines()) :]:  # the plan was printed as it was made
        ctx.emit(line)

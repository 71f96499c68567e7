"""Re-apply what a DynamoDB restore drops (TTL, stream, PITR, deletion protection, tags,
autoscaling): plan the steps from the wanted and current settings (pure), apply them, then read
the table back and check each setting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from infra.aws.backups import DynamoBackups, ScalingTarget, TableSettings
from infra.aws.errors import AwsCallFailed
from infra.backup.record_items import Check, CheckStatus
from infra.backup.waits import table_active, wait_until
from infra.clock import Clock

# A just-restored table refuses PITR for a while with this code; we wait and retry.
_PITR_NOT_YET = "ContinuousBackupsUnavailableException"


class Setting(StrEnum):
    TTL = "ttl"
    STREAM = "stream"
    PITR = "pitr"
    DELETION_PROTECTION = "deletion protection"
    TAGS = "tags"
    AUTOSCALING = "autoscaling"


@dataclass(frozen=True)
class SettingStep:
    setting: Setting
    description: str
    scaling: ScalingTarget | None = None


def plan_settings(wanted: TableSettings, current: TableSettings) -> tuple[SettingStep, ...]:
    """The steps that make `current` carry every setting of `wanted` (a restore only ever
    drops settings, so nothing is removed)."""
    steps: list[SettingStep] = []
    if wanted.ttl_attribute and wanted.ttl_attribute != current.ttl_attribute:
        steps.append(SettingStep(Setting.TTL, f"TTL on attribute {wanted.ttl_attribute}"))
    if wanted.stream_view_type and wanted.stream_view_type != current.stream_view_type:
        steps.append(SettingStep(Setting.STREAM, f"stream ({wanted.stream_view_type})"))
    if wanted.pitr_enabled and not current.pitr_enabled:
        steps.append(SettingStep(Setting.PITR, "point-in-time recovery on"))
    if wanted.deletion_protection != current.deletion_protection:
        state = "on" if wanted.deletion_protection else "off"
        steps.append(SettingStep(Setting.DELETION_PROTECTION, f"deletion protection {state}"))
    missing = sorted(set(wanted.tags) - set(current.tags))
    if missing:
        steps.append(SettingStep(Setting.TAGS, "tags " + ", ".join(f"{k}={v}" for k, v in missing)))
    for target in wanted.scaling:
        if target not in current.scaling:
            described = f"{target.dimension} {target.min_capacity}..{target.max_capacity}"
            steps.append(SettingStep(Setting.AUTOSCALING, described, target))
    return tuple(steps)


def compare_settings(wanted: TableSettings, actual: TableSettings) -> tuple[Check, ...]:
    """One check per setting: does the table now carry what was wanted?"""

    def check(setting: Setting, ok: bool, want: object, got: object) -> Check:
        status = CheckStatus.OK if ok else CheckStatus.FAILED
        return Check(f"re-applied {setting.value}", status, f"want {want}, table has {got}")

    pairs = (
        (Setting.TTL, wanted.ttl_attribute, actual.ttl_attribute),
        (Setting.STREAM, wanted.stream_view_type, actual.stream_view_type),
        (Setting.PITR, wanted.pitr_enabled, actual.pitr_enabled),
        (Setting.DELETION_PROTECTION, wanted.deletion_protection, actual.deletion_protection),
    )
    checks = [check(setting, want == got, want, got) for setting, want, got in pairs]
    checks.append(
        check(
            Setting.TAGS, set(wanted.tags) <= set(actual.tags), dict(wanted.tags), dict(actual.tags)
        )
    )
    wanted_scaling = [t.dimension for t in wanted.scaling]
    actual_scaling = [t.dimension for t in actual.scaling]
    ok = set(wanted.scaling) <= set(actual.scaling)
    checks.append(check(Setting.AUTOSCALING, ok, wanted_scaling, actual_scaling))
    return tuple(checks)


def reapply_settings(
    tables: DynamoBackups,
    clock: Clock,
    table: str,
    wanted: TableSettings,
    timeout: timedelta,
    poll_s: float,
) -> tuple[Check, ...]:
    """Apply the planned steps to `table`, then check every setting by reading it back."""
    for step in plan_settings(wanted, tables.settings(table)):
        _apply(tables, clock, table, wanted, step, timeout, poll_s)
    return compare_settings(wanted, tables.settings(table))


def _apply(
    tables: DynamoBackups,
    clock: Clock,
    table: str,
    wanted: TableSettings,
    step: SettingStep,
    timeout: timedelta,
    poll_s: float,
) -> None:
    actions: dict[Setting, Callable[[], None]] = {
        Setting.TTL: lambda: tables.set_ttl(table, str(wanted.ttl_attribute)),
        Setting.STREAM: lambda: tables.set_stream(table, str(wanted.stream_view_type)),
        Setting.DELETION_PROTECTION: lambda: tables.set_deletion_protection(
            table, wanted.deletion_protection
        ),
        Setting.TAGS: lambda: tables.tag(table, wanted.tags),
    }
    if step.setting is Setting.PITR:
        wait_until(clock, lambda: _try_pitr(tables, table), timeout, poll_s, f"PITR on {table}")
    elif step.setting is Setting.AUTOSCALING and step.scaling is not None:
        tables.set_scaling(table, step.scaling)
    else:
        actions[step.setting]()
    # UpdateTable leaves the table UPDATING; the next change waits until it is ACTIVE again.
    wait_until(clock, table_active(tables, table), timeout, poll_s, f"{table} ACTIVE")


def _try_pitr(tables: DynamoBackups, table: str) -> bool:
    try:
        tables.set_pitr(table, True)
    except AwsCallFailed as exc:
        if exc.code == _PITR_NOT_YET:
            return False
        raise
    return True

"""Data safety: backups before every prod change, restore drills with measured RTO/RPO, the
real restore path, and restoring deleted report objects (docs/operations/backup-and-restore.md).

Callers bind an environment once (`bind(connection, config)`) and call the entry functions;
the config-switch deploy and the smoke test of a restore are ports the caller supplies.
"""

from infra.backup.backup import BackupResult, backup, backup_before_change
from infra.backup.backup_records import BackupRecord, BackupStatus
from infra.backup.context import DataSafety, bind
from infra.backup.drill import DrillResult, drill_restore, last_drill
from infra.backup.drill_records import DrillRecord, Verdict
from infra.backup.objects import ObjectRestoreResult, restore_report_object
from infra.backup.ports import EnvironmentLock, SmokeCheck, SmokeOutcome, TableSwitch
from infra.backup.restore import (
    RestoreOutcome,
    RestorePlan,
    RestoreResult,
    plan_restore,
    restore,
)

__all__ = [
    "BackupRecord",
    "BackupResult",
    "BackupStatus",
    "DataSafety",
    "DrillRecord",
    "DrillResult",
    "EnvironmentLock",
    "ObjectRestoreResult",
    "RestoreOutcome",
    "RestorePlan",
    "RestoreResult",
    "SmokeCheck",
    "SmokeOutcome",
    "TableSwitch",
    "Verdict",
    "backup",
    "backup_before_change",
    "bind",
    "drill_restore",
    "last_drill",
    "plan_restore",
    "restore",
    "restore_report_object",
]

"""Data safety per environment: recovery targets, backup retention, report-version expiry, and
the table the function serves after a restore (`data_table_override`).

Why the targets are RTO 4 h / RPO 1 h and not RTO < 5 min / RPO < 1 min: docs/operations/
backup-and-restore.md ("Recovery targets").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from infra.config.base import ConfigModel

MINUTES_PER_WEEK = 7 * 24 * 60
# DynamoDB's own table-name rule.
TABLE_NAME_PATTERN = r"^[a-zA-Z0-9_.-]{3,255}$"


class RecoveryTargets(ConfigModel):
    """How long a data recovery may take (RTO) and how much data it may lose (RPO)."""

    rto_minutes: Annotated[StrictInt, Field(ge=1, le=MINUTES_PER_WEEK)] = 240
    rpo_minutes: Annotated[StrictInt, Field(ge=1, le=MINUTES_PER_WEEK)] = 60


class BackupConfig(ConfigModel):
    """On-demand backups, their pruning, restore drills and the reports bucket's old versions."""

    targets: RecoveryTargets = RecoveryTargets()
    # Backups older than this are pruned, except the newest `keep_last`, which always stay.
    retention_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 35
    keep_last: Annotated[StrictInt, Field(ge=1, le=100)] = 3
    # A deleted or overwritten report can be restored for this many days.
    noncurrent_version_expiry_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 90
    # Scan the table before and after each backup so drills can verify content exactly.
    fingerprint_backups: StrictBool = True
    restore_poll_s: Annotated[StrictInt, Field(ge=1, le=600)] = 20
    scan_segments: Annotated[StrictInt, Field(ge=1, le=32)] = 4
    # Set by a restore: the function serves this table instead of `<name_prefix>-data`.
    data_table_override: Annotated[str, Field(strict=True, pattern=TABLE_NAME_PATTERN)] | None = (
        None
    )

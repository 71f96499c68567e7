"""Data-safety errors, each with its exit code: 2 when the input is wrong (an unknown backup,
a refused target table, prod without allow_prod), 1 when a step or check failed."""

from __future__ import annotations

from collections.abc import Sequence

from infra.errors import EXIT_USAGE, InfraError


class DataSafetyError(InfraError):
    """A backup, drill or restore step failed."""


class DataSafetyUsageError(DataSafetyError):
    """The request itself is wrong; nothing was changed."""

    exit_code = EXIT_USAGE


class BackupNotFound(DataSafetyUsageError):
    """No backup with that id (never made, pruned, or deleted)."""

    def __init__(self, backup_id: str, env: str, known: Sequence[str]) -> None:
        self.backup_id = backup_id
        listed = ", ".join(known) if known else "none recorded"
        super().__init__(
            f"backup {backup_id!r} of environment {env} not found (newest known: {listed}); "
            "name one of those, `latest`, or a DynamoDB backup ARN"
        )


class RestoreRefused(DataSafetyUsageError):
    """The restore would overwrite something or act on the wrong environment."""


class DrillRefused(DataSafetyUsageError):
    """A drill asked for something it never does (prod without allow_prod, a bad time)."""


class NoBackupToRestore(DataSafetyError):
    """The table has no available on-demand backup to restore or drill."""


class TableNotReady(DataSafetyError):
    """A restored table did not become ACTIVE within the allowed time."""


class BackupFailed(DataSafetyError):
    """The backup could not be made, or a check of what it protects failed."""


class ObjectNotRestorable(DataSafetyUsageError):
    """The report object has no version to bring back (never existed, or expired)."""

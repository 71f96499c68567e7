"""One environment's data-safety dependencies, bound once by the caller (CLI, pipeline stage):
the AWS adapters, the records table, the lock, the clock and where output goes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from infra.aws.backup_objects import BackupObjects
from infra.aws.backups import DynamoBackups
from infra.aws.items import ItemTable
from infra.backup.backup_records import BackupRecords
from infra.backup.drill_records import DrillRecords
from infra.backup.fingerprint import PAGE_SIZE, Fingerprint, fingerprint_table
from infra.backup.lock_port import DeployLockPort
from infra.backup.ports import EnvironmentLock
from infra.backup.record_items import RecordTable
from infra.clock import Clock, SystemClock
from infra.config.model import EnvironmentConfig
from infra.deploy.lock import DeployLock
from infra.targets.base import Connection

Emit = Callable[[str], None]


def short_id() -> str:
    return uuid.uuid4().hex[:8]


def stamped_id(moment: datetime, suffix: str) -> str:
    """Sortable and valid in DynamoDB table and backup names: 20261204t140308z-3f2a1c9b."""
    return f"{moment:%Y%m%dt%H%M%Sz}-{suffix}"


@dataclass(frozen=True)
class DataSafety:
    config: EnvironmentConfig
    target: str  # aws | local
    emulator: bool  # the local emulator: its gaps are reported, never judged
    account_id: str
    tables: DynamoBackups
    objects: BackupObjects
    records: RecordTable  # the environment's deployments table
    lock: EnvironmentLock
    clock: Clock
    emit: Emit = field(default=lambda _line: None)
    new_id: Callable[[], str] = short_id
    scan_page_size: int = PAGE_SIZE  # tests lower it to make scans page
    scan_segments: int | None = None  # None: backup.scan_segments

    @property
    def env(self) -> str:
        return self.config.name

    @property
    def protected_table(self) -> str:
        """The table the function serves: a restored one after a restore, else the stack's."""
        return self.config.backup.data_table_override or self.config.names.data_table

    @property
    def artifact_bucket(self) -> str:
        return self.config.names.artifact_bucket(self.account_id, self.config.region)

    @property
    def reports_bucket(self) -> str:
        return self.config.names.reports_bucket(self.account_id, self.config.region)

    @property
    def rto(self) -> timedelta:
        return timedelta(minutes=self.config.backup.targets.rto_minutes)

    @property
    def rpo(self) -> timedelta:
        return timedelta(minutes=self.config.backup.targets.rpo_minutes)

    def backups(self) -> BackupRecords:
        return BackupRecords(self.records, self.env)

    def drills(self) -> DrillRecords:
        return DrillRecords(self.records, self.env)

    def fingerprint(self, table: str) -> Fingerprint:
        """Count and checksum `table` with a streaming parallel scan."""
        segments = self.scan_segments or self.config.backup.scan_segments
        return fingerprint_table(self.tables.scan_pages, table, segments, self.scan_page_size)


def bind(
    connection: Connection,
    config: EnvironmentConfig,
    clock: Clock | None = None,
    emit: Emit = print,
) -> DataSafety:
    """Everything data safety needs for `config`'s environment on a connected target."""
    clock = clock or SystemClock()
    clients = connection.clients
    table = config.names.deployments_table
    lock_ttl = timedelta(minutes=config.backup.targets.rto_minutes)
    return DataSafety(
        config=config,
        target=connection.kind.value,
        emulator=clients.endpoint.is_emulator,
        account_id=connection.account_id,
        tables=DynamoBackups(clients),
        objects=BackupObjects(clients),
        records=ItemTable(clients, table),
        lock=DeployLockPort(DeployLock(ItemTable(clients, table), config.name), clock, lock_ttl),
        clock=clock,
        emit=emit,
        # The emulator serves one request at a time (GIL) and its parallel scan hashes every
        # item of the table on every page: segments only add work and time-outs there.
        scan_segments=1 if clients.endpoint.is_emulator else None,
    )

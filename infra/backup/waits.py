"""Polling with the injected clock: until a restored table is ACTIVE, a backup AVAILABLE, a
deleted table gone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from infra.aws.backups import DynamoBackups
from infra.backup.errors import TableNotReady
from infra.clock import Clock


def wait_until(
    clock: Clock, done: Callable[[], bool], timeout: timedelta, poll_s: float, what: str
) -> None:
    """Poll `done` every `poll_s` until true; TableNotReady after `timeout`."""
    deadline = clock.now() + timeout
    while not done():
        if clock.now() >= deadline:
            raise TableNotReady(f"{what}: not done after {timeout}; see the AWS console / logs")
        clock.sleep(poll_s)


def table_active(tables: DynamoBackups, table: str) -> Callable[[], bool]:
    def check() -> bool:
        shape = tables.shape(table)
        return shape is not None and shape.status == "ACTIVE"

    return check


def table_gone(tables: DynamoBackups, table: str) -> Callable[[], bool]:
    return lambda: tables.shape(table) is None


def backup_available(tables: DynamoBackups, arn: str) -> Callable[[], bool]:
    def check() -> bool:
        info = tables.describe_backup(arn)
        if info is None or info.status == "DELETED":
            raise TableNotReady(f"backup {arn} disappeared while it was being created")
        return info.status == "AVAILABLE"

    return check

"""Audit records (`audit#` items in the environment's deployments table): who changed what,
approved by whom, and how it ended. Written after every change an operator makes by command."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from infra.aws.items import ItemTable
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY, format_time, parse_time

SCHEMA_VERSION = 1
AUDIT_PREFIX = "audit#"


class AuditOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditRecord:
    audit_id: str
    env: str
    action: str  # e.g. users.create
    subject: str  # what it acted on, e.g. the user's e-mail
    actor: str
    approved_by: str  # "" when the environment needs no approval and none was given
    at: datetime
    outcome: AuditOutcome
    detail: str = ""

    @property
    def sort_key(self) -> str:
        return f"{AUDIT_PREFIX}{format_time(self.at)}#{self.audit_id}"


def to_item(record: AuditRecord) -> dict[str, Any]:
    return {
        PARTITION_KEY: {"S": record.env},
        SORT_KEY: {"S": record.sort_key},
        "schema_version": {"N": str(SCHEMA_VERSION)},
        "audit_id": {"S": record.audit_id},
        "action": {"S": record.action},
        "subject": {"S": record.subject},
        "actor": {"S": record.actor},
        "approved_by": {"S": record.approved_by},
        "at": {"S": format_time(record.at)},
        "outcome": {"S": record.outcome.value},
        "detail": {"S": record.detail},
    }


def from_item(item: Mapping[str, Any]) -> AuditRecord:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    version = int(item.get("schema_version", {}).get("N", "0"))
    if version != SCHEMA_VERSION:
        raise ValueError(f"audit record schema_version {version} is not {SCHEMA_VERSION}")
    return AuditRecord(
        audit_id=text("audit_id"),
        env=text(PARTITION_KEY),
        action=text("action"),
        subject=text("subject"),
        actor=text("actor"),
        approved_by=text("approved_by"),
        at=parse_time(text("at")),
        outcome=AuditOutcome(text("outcome")),
        detail=text("detail"),
    )


class AuditStore:
    """The audit records of one environment."""

    def __init__(self, table: ItemTable, env: str) -> None:
        self._table = table
        self._env = env

    def save(self, record: AuditRecord) -> None:
        self._table.put(to_item(record), "audit record")

    def recent(self, limit: int | None = 50) -> list[AuditRecord]:
        items = self._table.query_prefix(
            (PARTITION_KEY, SORT_KEY), self._env, AUDIT_PREFIX, "audit records", limit=limit
        )
        return [from_item(item) for item in items]

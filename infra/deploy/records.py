"""Deployment records: one item per deploy in the deployments table, and `history(env)`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from infra.aws.items import Condition, ConditionFailed, ItemTable
from infra.deploy.table_items import (
    PARTITION_KEY,
    RECORD_PREFIX,
    SORT_KEY,
    format_time,
    parse_time,
    record_sort_key,
)

SCHEMA_VERSION = 1


class Outcome(StrEnum):
    IN_PROGRESS = "in-progress"
    SUCCEEDED = "succeeded"
    NO_CHANGE = "no-change"
    FAILED = "failed"
    PLANNED = "planned"  # a dry run: never recorded


@dataclass(frozen=True)
class DeploymentRecord:
    """What was deployed where, by whom, when, and how it ended."""

    deployment_id: str
    env: str
    target: str
    digest: str
    commit: str
    actor: str
    started_at: datetime
    outcome: Outcome = Outcome.IN_PROGRESS
    finished_at: datetime | None = None
    plan_summary: str = ""
    error: str = ""
    notes: tuple[str, ...] = ()

    def finish(
        self,
        outcome: Outcome,
        at: datetime,
        plan_summary: str | None = None,
        error: str = "",
        notes: tuple[str, ...] = (),
    ) -> DeploymentRecord:
        return replace(
            self,
            outcome=outcome,
            finished_at=at,
            plan_summary=self.plan_summary if plan_summary is None else plan_summary,
            error=error,
            notes=notes,
        )


def newest_first(records: Iterable[DeploymentRecord]) -> list[DeploymentRecord]:
    """History order: latest start first; ties broken by id so the order is stable."""
    return sorted(records, key=lambda r: (r.started_at, r.deployment_id), reverse=True)


def to_item(record: DeploymentRecord) -> dict[str, Any]:
    """The DynamoDB item (attribute-value form) of a record."""
    item: dict[str, Any] = {
        PARTITION_KEY: {"S": record.env},
        SORT_KEY: {"S": record_sort_key(record.started_at, record.deployment_id)},
        "schema_version": {"N": str(SCHEMA_VERSION)},
        "deployment_id": {"S": record.deployment_id},
        "target": {"S": record.target},
        "digest": {"S": record.digest},
        "commit": {"S": record.commit},
        "actor": {"S": record.actor},
        "started_at": {"S": format_time(record.started_at)},
        "outcome": {"S": record.outcome.value},
        "plan_summary": {"S": record.plan_summary},
        "error": {"S": record.error},
    }
    if record.finished_at is not None:
        item["finished_at"] = {"S": format_time(record.finished_at)}
    if record.notes:
        item["notes"] = {"L": [{"S": note} for note in record.notes]}
    return item


def from_item(item: Mapping[str, Any]) -> DeploymentRecord:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    finished = text("finished_at")
    return DeploymentRecord(
        deployment_id=text("deployment_id"),
        env=text(PARTITION_KEY),
        target=text("target"),
        digest=text("digest"),
        commit=text("commit"),
        actor=text("actor"),
        started_at=parse_time(text("started_at")),
        outcome=Outcome(text("outcome")),
        finished_at=parse_time(finished) if finished else None,
        plan_summary=text("plan_summary"),
        error=text("error"),
        notes=tuple(str(n.get("S", "")) for n in item.get("notes", {}).get("L", [])),
    )


class RecordStore:
    """Deployment records of one environment in its deployments table."""

    def __init__(self, table: ItemTable, env: str) -> None:
        self._table = table
        self._env = env

    def save(self, record: DeploymentRecord) -> None:
        self._table.put(to_item(record), "deployment record")

    def mark_abandoned(
        self, deployment_id: str, started_at: datetime, why: str, at: datetime
    ) -> bool:
        """Mark an in-progress record failed (its deploy died holding the lock)."""
        key = {
            PARTITION_KEY: {"S": self._env},
            SORT_KEY: {"S": record_sort_key(started_at, deployment_id)},
        }
        try:
            self._table.update(
                key,
                "SET outcome = :failed, #error = :why, finished_at = :at",
                "abandoned deployment",
                names={"#error": "error"},
                values={
                    ":failed": {"S": Outcome.FAILED.value},
                    ":why": {"S": why},
                    ":at": {"S": format_time(at)},
                },
                condition=Condition(
                    "outcome = :running", values={":running": {"S": Outcome.IN_PROGRESS.value}}
                ),
            )
        except ConditionFailed:
            return False
        return True

    def history(self, limit: int = 20) -> list[DeploymentRecord]:
        """The environment's records, newest first."""
        items = self._table.query_prefix(
            (PARTITION_KEY, SORT_KEY), self._env, RECORD_PREFIX, "deployment history", limit=limit
        )
        return newest_first(from_item(item) for item in items)


def record_as_dict(record: DeploymentRecord) -> dict[str, Any]:
    """JSON-ready form of a record (times as ISO 8601 UTC)."""
    return {
        "deployment_id": record.deployment_id,
        "env": record.env,
        "target": record.target,
        "digest": record.digest,
        "commit": record.commit,
        "actor": record.actor,
        "started_at": format_time(record.started_at),
        "finished_at": format_time(record.finished_at) if record.finished_at else None,
        "outcome": record.outcome.value,
        "plan_summary": record.plan_summary,
        "error": record.error,
        "notes": list(record.notes),
    }


def render_history(records: list[DeploymentRecord]) -> list[str]:
    if not records:
        return ["no deployments recorded"]
    lines = []
    for r in records:
        ended = format_time(r.finished_at) if r.finished_at else "-"
        line = (
            f"{format_time(r.started_at)}  {r.deployment_id}  {r.outcome.value:<11} "
            f"{r.digest[:12]}  commit {r.commit[:12]}  by {r.actor}  ended {ended}  "
            f"[{r.target}] {r.plan_summary}"
        )
        lines.append(line + (f"\n    error: {r.error}" if r.error else ""))
    return lines

"""The deployment a test suite (smoke, E2E, perf) judges: the environment's latest record, and
marking it failed when the suite fails there (history then shows that digest did not pass)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from infra.deploy.records import DeploymentRecord, Outcome
from pipeline.release.errors import ReleaseError


class RecordsPort(Protocol):
    """The part of infra.deploy.records.RecordStore the suites use."""

    def history(self, limit: int = 20) -> list[DeploymentRecord]: ...

    def save(self, record: DeploymentRecord) -> None: ...


def latest_deployment(env: str, store: RecordsPort, why: str = "") -> DeploymentRecord:
    """The latest record, or ReleaseError saying to deploy first (and `why`, when given)."""
    records = store.history(1)
    if not records:
        reason = f", {why}" if why else ""
        raise ReleaseError(
            f"{env} has no deployment record: deploy it first (`pipeline deploy --env {env}`)"
            f"{reason}"
        )
    return records[0]


def mark_failed(
    store: RecordsPort,
    record: DeploymentRecord,
    suite: str,
    error: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Save `record` as failed by `suite` (its error, and a note saying when)."""
    failed = replace(
        record,
        outcome=Outcome.FAILED,
        error=error,
        notes=(*record.notes, f"{suite} failed at {now().isoformat(timespec='seconds')}"),
    )
    store.save(failed)

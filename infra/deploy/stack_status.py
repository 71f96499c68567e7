"""What a CloudFormation stack status means for a deploy (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class StatusKind(StrEnum):
    IN_PROGRESS = "in-progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # includes rolled back: the requested change did not happen


SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


def classify(status: str) -> StatusKind:
    """Terminal success, terminal failure (incl. rollbacks), or still moving."""
    if status in SUCCESS_STATUSES:
        return StatusKind.SUCCEEDED
    if status.endswith("_IN_PROGRESS"):
        return StatusKind.IN_PROGRESS
    return StatusKind.FAILED


def first_failure(events: Sequence[Mapping[str, Any]]) -> tuple[str, str] | None:
    """(logical id, reason) of the earliest failed resource among `events` (oldest first).

    Follow-on failures ("Resource creation cancelled", "...failed to create: [X]") are skipped
    so the message names the resource that actually broke.
    """
    fallback: tuple[str, str] | None = None
    for event in events:
        status = str(event.get("ResourceStatus", ""))
        if not status.endswith("_FAILED"):
            continue
        logical = str(event.get("LogicalResourceId", "?"))
        reason = str(event.get("ResourceStatusReason", "no reason given"))
        if event.get("ResourceType") == "AWS::CloudFormation::Stack":
            fallback = fallback or (logical, reason)
            continue
        if "cancelled" in reason.lower():
            fallback = fallback or (logical, reason)
            continue
        return logical, reason
    return fallback

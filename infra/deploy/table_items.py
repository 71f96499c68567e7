"""How the deployer's items sit in the deployments table (same key schema as the stack's
tables): partition key = environment, sort key = `lock` or `deploy#<started-at>#<id>`."""

from __future__ import annotations

from datetime import UTC, datetime

from infra.templates.storage import DEPLOYMENTS_PARTITION_KEY as PARTITION_KEY
from infra.templates.storage import DEPLOYMENTS_SORT_KEY as SORT_KEY

LOCK_SORT_KEY = "lock"
RECORD_PREFIX = "deploy#"

__all__ = [
    "LOCK_SORT_KEY",
    "PARTITION_KEY",
    "RECORD_PREFIX",
    "SORT_KEY",
    "format_time",
    "parse_time",
    "record_sort_key",
]


def format_time(moment: datetime) -> str:
    """UTC, ISO 8601 with microseconds: sorts as text in time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_sort_key(started_at: datetime, deployment_id: str) -> str:
    return f"{RECORD_PREFIX}{format_time(started_at)}#{deployment_id}"

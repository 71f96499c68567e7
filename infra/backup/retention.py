"""Which backups to prune: older than the retention, but never one of the newest `keep_last`.
A pure decision over (id, creation time) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    """An available backup this tool made: its id and when it was taken."""

    key: str
    created_at: datetime


@dataclass(frozen=True)
class RetentionDecision:
    keep: tuple[Candidate, ...]
    prune: tuple[Candidate, ...]


def decide_retention(
    backups: Sequence[Candidate], now: datetime, retention: timedelta, keep_last: int
) -> RetentionDecision:
    """Newest first: the first `keep_last` always stay; the rest go once strictly older than
    `retention` (a backup exactly `retention` old stays)."""
    if keep_last < 1:
        raise ValueError(f"keep_last must be at least 1, got {keep_last}")
    ordered = sorted(backups, key=lambda b: (b.created_at, b.key), reverse=True)
    keep = list(ordered[:keep_last])
    prune: list[Candidate] = []
    for backup in ordered[keep_last:]:
        (prune if now - backup.created_at > retention else keep).append(backup)
    return RetentionDecision(tuple(keep), tuple(prune))

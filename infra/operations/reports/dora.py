"""DORA metrics from the deployment records (and rollout records where there are some), pure.

- deployment frequency: succeeded deployments in the range, per day;
- lead time for changes: deployment finished - commit time (git), median;
- change failure rate: (failed deployments + rolled-back rollouts) / attempted deployments;
- time to restore: a rolled-back rollout restores when its rollback finished; a failed
  deployment when the next deployment succeeded. Median over the failures restored.
A deployment that changed nothing (no-change) or is still running is not an attempt.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from datetime import datetime

from infra.deploy.records import DeploymentRecord, Outcome
from infra.operations.reports.model import Dora, RolloutSummary

HOUR_S = 3600.0


def dora_metrics(
    records: Sequence[DeploymentRecord],
    rollouts: Sequence[RolloutSummary],
    committed_at: Callable[[str], datetime | None],
    days: int,
) -> Dora:
    ordered = sorted(records, key=lambda r: r.started_at)
    succeeded = [r for r in ordered if r.outcome is Outcome.SUCCEEDED]
    failed = [r for r in ordered if r.outcome is Outcome.FAILED]
    rolled_back = [r for r in rollouts if r.rolled_back]

    lead_times: list[float] = []
    unknown = 0
    for record in succeeded:
        commit_time = committed_at(record.commit)
        done = record.finished_at or record.started_at
        if commit_time is None or commit_time > done:
            unknown += 1
            continue
        lead_times.append((done - commit_time).total_seconds() / HOUR_S)

    restores: list[float] = []
    unrestored = 0
    for record in failed:
        failed_at = record.finished_at or record.started_at
        fix = next((r for r in succeeded if r.started_at > record.started_at), None)
        if fix is None:
            unrestored += 1
            continue
        restores.append(((fix.finished_at or fix.started_at) - failed_at).total_seconds() / HOUR_S)
    for rollout in rolled_back:
        if rollout.finished_at is None:
            unrestored += 1
            continue
        restores.append((rollout.finished_at - rollout.started_at).total_seconds() / HOUR_S)

    attempts = len(succeeded) + len(failed)
    failures = len(failed) + len(rolled_back)
    return Dora(
        deployments=len(succeeded),
        per_day=len(succeeded) / days if days else 0.0,
        lead_time_median_h=statistics.median(lead_times) if lead_times else None,
        lead_time_samples=len(lead_times),
        lead_time_unknown=unknown,
        change_failure_rate=min(1.0, failures / attempts) if attempts else None,
        failures=failures,
        restore_median_h=statistics.median(restores) if restores else None,
        restores=len(restores),
        unrestored=unrestored,
    )

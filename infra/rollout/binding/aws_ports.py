"""`RolloutPorts` of the aws target: records and lock in the environment's deployments table,
the candidate published by the deployer with `live` pinned (artifact fetched by digest from
the previous environment's bucket, never rebuilt), the Lambda alias shifter, CloudWatch's
Lambda metrics by ExecutedVersion and alarm states, and notifications through apprise with
endpoint URLs from the environment (never logged)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from infra.aws.backups import DynamoBackups
from infra.aws.cloudformation import Stacks
from infra.aws.cloudwatch import MetricStatistics
from infra.aws.items import ItemTable
from infra.aws.lambda_ import LambdaFunctions
from infra.clock import Clock, SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy.lock import DeployLock
from infra.deploy.promotion_source import PREVIOUS, PROMOTED_DIR
from infra.deploy.request import DeployOptions
from infra.monitoring.alarm_source import AwsAlarmSource
from infra.monitoring.catalog import catalog_of
from infra.monitoring.notify import build_notifier, endpoints_from_environment
from infra.rollout.binding.local_ports import REPORT_DIR, DataTableBackup
from infra.rollout.binding.records import perf_verdicts, release_evidence
from infra.rollout.binding.stack import ArtifactPlaces, HeldLock, StackCandidates, StackHealthCheck
from infra.rollout.commands import RolloutPorts
from infra.rollout.providers.lambda_metrics import LambdaTraffic
from infra.rollout.store import RolloutStore
from infra.rollout.targets.aws import AwsTarget
from infra.targets.base import Target

Emit = Callable[[str], None]
LAMBDA_NAMESPACE = "AWS/Lambda"


def version_dimensions(function: str, alias: str, version: str) -> tuple[tuple[str, str], ...]:
    """Lambda publishes per-version metrics of alias invocations under these dimensions."""
    return (("FunctionName", function), ("Resource", f"{function}:{alias}"),
            ("ExecutedVersion", version))  # fmt: skip


class CloudWatchLambdaTraffic:
    """LambdaMetricsPort: Invocations and Errors (sums) and Duration p95 of one version."""

    def __init__(self, stats: MetricStatistics, alias: str) -> None:
        self._stats = stats
        self._alias = alias

    def traffic(self, function: str, version: str, start: datetime, end: datetime) -> LambdaTraffic:
        dims = version_dimensions(function, self._alias, version)
        invocations = self._stats.over(LAMBDA_NAMESPACE, "Invocations", dims, "Sum", start, end)
        errors = self._stats.over(LAMBDA_NAMESPACE, "Errors", dims, "Sum", start, end)
        p95 = self._stats.percentile_over(LAMBDA_NAMESPACE, "Duration", dims, "p95", start, end)
        return LambdaTraffic(int(invocations or 0), int(errors or 0), p95)


def aws_ports(
    config: EnvironmentConfig,
    target: Target,
    repo: Path,
    environ: Mapping[str, str],
    owner: str,
    commit: str,
    emit: Emit,
    probe_token: str = "",
    clock: Clock | None = None,
) -> RolloutPorts:
    """Bound ports on AWS. The synthetic probe needs a URL that reaches the canary version
    alone, which the stack does not expose yet: it is left out (the record says so)."""
    clock = clock or SystemClock()
    conn = target.connect(config.region)
    clients = conn.clients
    table = ItemTable(clients, config.names.deployments_table)
    lock = HeldLock(DeployLock(table, config.name), clock)
    previous = load_environment(PREVIOUS.get(config.name, "staging"))
    places = ArtifactPlaces(
        config.names.artifact_bucket(conn.account_id, config.region),
        (previous.names.artifact_bucket(conn.account_id, previous.region),),
        (),
        repo / PROMOTED_DIR,
    )
    options = DeployOptions(commit=commit, actor=owner)
    candidates = StackCandidates(config, target, conn, lock, places, options, clock, emit)
    functions = LambdaFunctions(clients)
    rollout_target = AwsTarget(
        config.name,
        config.names,
        functions,
        candidates,
        CloudWatchLambdaTraffic(MetricStatistics(clients), config.names.alias),
        None,
        AwsAlarmSource(clients, catalog_of),
        probe_token,
    )
    notifier = build_notifier(config, endpoints_from_environment(environ),
                              repo / REPORT_DIR / "dead-letters.jsonl", clock)  # fmt: skip
    return RolloutPorts(
        store=RolloutStore(table, config.name),
        lock=lock,
        notifier=notifier,
        target=rollout_target,
        evidence=release_evidence(clients, load_environment, config.name, conn.account_id),
        backup=DataTableBackup(DynamoBackups(clients), config, clock),
        health=StackHealthCheck(Stacks(clients), config),
        clock=clock,
        perf=perf_verdicts(clients, load_environment),
        emit=emit,
        owner=owner,
        poll_s=10.0,
    )

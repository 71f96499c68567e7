"""`RolloutPorts` of the local target: records, lock and evidence in the emulator's tables, the
prod stack deployed on the emulator, the app versions served next to it behind HAProxy
(`LocalProd`), the canary judged by router stats, our own alarm evaluation over the apps'
EMF output, and the synthetic probe; notifications go to a local sink file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.aws.backups import DynamoBackups
from infra.aws.cloudformation import Stacks
from infra.aws.items import ItemTable
from infra.aws.lambda_ import LambdaFunctions
from infra.aws.s3 import Buckets
from infra.clock import Clock, SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy import commands as deploy_commands
from infra.deploy.lock import DeployLock
from infra.deploy.promotion_source import PREVIOUS, PROMOTED_DIR, fetch_by_digest
from infra.deploy.request import DeployOptions
from infra.deploy.verify import code_sha256
from infra.monitoring.local_source import LinesSource, LocalFeeds, local_alarm_source
from infra.monitoring.notify import local_notifier
from infra.rollout.binding.app_versions import ENV_PREFIX, AppVersions, FaultDrill
from infra.rollout.binding.emf_traffic import EmfTraffic
from infra.rollout.binding.local_prod import LocalProd, ProcessInstances
from infra.rollout.binding.records import perf_verdicts, release_evidence
from infra.rollout.binding.stack import (
    ArtifactPlaces,
    HeldLock,
    StackCandidates,
    StackHealthCheck,
    app_version_of,
    find_artifact,
)
from infra.rollout.commands import RolloutPorts
from infra.rollout.router.process import HostHAProxy, RouterProcess
from infra.rollout.store import RolloutStore
from infra.rollout.targets.local import LocalTarget
from infra.targets.local import LocalTarget as Emulator
from infra.targets.local_apps import AppRunner
from infra.targets.local_state import APPS_DIR, local_keys

Emit = Callable[[str], None]
REPORT_DIR = Path("build") / "reports" / "rollout"
ROUTER_DIR = REPORT_DIR / "router"  # haproxy.cfg, its log, router.json


@dataclass(frozen=True)
class LocalSetup:
    """What the caller chooses: who runs it, what serves the versions, the rehearsal drill."""

    repo: Path
    runner: AppRunner
    owner: str
    commit: str = "unknown"
    actor: str = "unknown"
    drill: FaultDrill = field(default_factory=FaultDrill)
    local_dirs: tuple[Path, ...] = (Path("build/artifacts"),)
    poll_s: float = 1.0
    # A prod with no stack yet has no deployments table for the lock and records: its first
    # deploy (of this digest, by the deployer, which bootstraps the table) comes first.
    first_digest: str = ""
    router_ports: tuple[int, int] = (0, 0)  # (listen, runtime API); 0: a free loopback port
    public_pem: str = ""  # the keypair the versions trust ('' : this repository's local one)


class DataTableBackup:
    """BackupPort: an on-demand DynamoDB backup of the environment's data table."""

    def __init__(self, backups: DynamoBackups, config: EnvironmentConfig, clock: Clock) -> None:
        self._backups = backups
        self._config = config
        self._clock = clock

    def on_demand(self, env: str, reason: str) -> str:
        stamp = self._clock.now().strftime("%Y%m%d%H%M%S")
        name = f"{self._config.names.data_table}-promotion-{stamp}"
        return self._backups.create_backup(self._config.names.data_table, name).arn


class AppLogs:
    """MetricSource over the log files of the versions served so far (EMF on their stdout);
    a version started later is picked up at the next read."""

    def __init__(self, repo: Path, versions: AppVersions) -> None:
        self._repo = repo
        self._versions = versions
        self._sources: dict[str, LinesSource] = {}

    def documents(self) -> Iterator[Mapping[str, Any]]:
        for version in list(self._versions.handles):
            log = self._repo / APPS_DIR / f"{ENV_PREFIX}{version}" / "app.log"
            yield from self._sources.setdefault(version, LinesSource(files=(log,))).documents()


@contextmanager
def local_ports(
    config: EnvironmentConfig,
    emulator: Emulator,
    setup: LocalSetup,
    emit: Emit,
    clock: Clock | None = None,
    router: RouterProcess | None = None,
    probe_token: str = "",
) -> Iterator[tuple[RolloutPorts, LocalProd]]:
    """Bound ports and the local prod they drive; on exit every version and the router this
    promotion started are stopped (the records keep what went live)."""
    clock = clock or SystemClock()
    conn = emulator.connect(config.region)
    clients = conn.clients
    table = ItemTable(clients, config.names.deployments_table)
    store = RolloutStore(table, config.name)
    lock = HeldLock(DeployLock(table, config.name), clock)
    buckets = Buckets(clients)
    own_bucket = config.names.artifact_bucket(conn.account_id, config.region)
    previous = load_environment(PREVIOUS.get(config.name, "staging"))
    places = ArtifactPlaces(
        own_bucket,
        (previous.names.artifact_bucket(conn.account_id, previous.region),),
        tuple(setup.repo / d for d in setup.local_dirs),
        setup.repo / PROMOTED_DIR,
    )
    candidates = StackCandidates(
        config,
        emulator,
        conn,
        lock,
        places,
        DeployOptions(commit=setup.commit, actor=setup.actor),
        clock,
        emit,
    )
    functions = LambdaFunctions(clients)
    if setup.first_digest and not table.exists():
        emit(
            f"{config.name} has no stack yet: deploying {setup.first_digest[:12]} creates it "
            "(deployments table, lock, records); the promotion records it as the first release"
        )
        artifact = find_artifact(buckets, places, setup.first_digest)
        options = DeployOptions(commit=setup.commit, actor=setup.actor,
                                app_version=app_version_of(setup.first_digest))  # fmt: skip
        request = deploy_commands.deploy_request(config, artifact, options, emit)
        deploy_commands.deploy(emulator, request, emit, clock)

    def ensure_deployed(digest: str) -> Path:
        """The stack runs `digest` (deployed now if no version does); its bundle file."""
        published = [v for v in _versions(functions, config) if v == code_sha256(digest)]
        if not published:
            alias = _alias_exists(functions, config)
            _ = candidates.deploy(digest) if alias else candidates.first(digest)
        found = find_artifact(buckets, places, digest)
        if found.path is not None:
            return found.path
        return fetch_by_digest(buckets, own_bucket, digest, places.fetch_dir)

    versions = AppVersions(
        runner=setup.runner,
        ensure_deployed=ensure_deployed,
        deployed_env=lambda: functions.environment(config.names.function),
        emulator_url=emulator.endpoint,
        public_pem=setup.public_pem or local_keys(setup.repo).public_pem,
        region=config.region,
        clock=clock,
        drill=setup.drill,
    )
    listen_port, runtime_port = setup.router_ports
    prod = LocalProd(
        setup.repo / ROUTER_DIR, router or HostHAProxy(), clock, listen_port, runtime_port
    )
    instances = ProcessInstances(store.history(200), versions, app_version_of, prod.served)
    reports = setup.repo / REPORT_DIR
    alarms = local_alarm_source(
        reports / "alarms",
        lambda env: LocalFeeds(AppLogs(setup.repo, versions)),
        clock,
    )
    traffic = EmfTraffic(AppLogs(setup.repo, versions), lambda: clock.now().timestamp())
    target = LocalTarget(config.name, prod.runtime, instances, traffic, alarms, probe_token)
    ports = RolloutPorts(
        store=store,
        lock=lock,
        notifier=local_notifier(config, reports / f"{config.name}-notifications.jsonl", clock),
        target=target,
        evidence=release_evidence(clients, load_environment, config.name, conn.account_id),
        backup=DataTableBackup(DynamoBackups(clients), config, clock),
        health=StackHealthCheck(Stacks(clients), config),
        clock=clock,
        perf=perf_verdicts(clients, load_environment),
        emit=emit,
        owner=setup.owner,
        poll_s=setup.poll_s,
    )
    try:
        yield ports, prod
    finally:
        stopped = versions.stop_all()
        prod.close()
        if stopped:
            emit(f"local prod: stopped versions {', '.join(stopped)} and the router")


def _versions(functions: LambdaFunctions, config: EnvironmentConfig) -> list[str]:
    """The code hashes of the function's published versions ([] before its first deploy)."""
    from infra.aws.errors import AwsError

    try:
        found = functions.versions(config.names.function)
    except AwsError:
        return []
    return [v.code_sha256 for v in found if v.version.isdigit()]


def _alias_exists(functions: LambdaFunctions, config: EnvironmentConfig) -> bool:
    from infra.aws.errors import AwsError

    try:
        return functions.alias(config.names.function, config.names.alias) is not None
    except AwsError:
        return False


def environ_drill(environ: Mapping[str, str], digest: str, rate_param: str) -> FaultDrill:
    """The rehearsal drill from a run parameter: the promoted digest answers 5xx at `rate`."""
    rate = environ.get(rate_param, "").strip()
    if not rate:
        return FaultDrill()
    return FaultDrill((digest,), {"EI_FAULT_ERROR_RATE": rate})

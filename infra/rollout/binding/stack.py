"""The rollout's stack ports, bound to infra.deploy: the stack's health (its CloudFormation
status), the lock it holds (the deploy lock), and the candidate deploy (the deployer, with the
`live` alias pinned to the live version, under the promotion's own lock), the artifact found by
digest in the artifact store, never rebuilt."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from infra.artifact.digest import sha256_of
from infra.aws.cloudformation import Stacks
from infra.aws.errors import AwsError
from infra.aws.lambda_ import FunctionVersion, LambdaFunctions
from infra.aws.s3 import Buckets
from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.deploy import commands as deploy_commands
from infra.deploy.artifact_store import Artifact
from infra.deploy.errors import ArtifactNotFound
from infra.deploy.lock import DeployLock
from infra.deploy.promotion_source import PROMOTED_DIR, fetch_by_digest
from infra.deploy.request import DeployOptions
from infra.deploy.verify import code_sha256
from infra.rollout.errors import PrecheckFailed
from infra.rollout.lock import DeployLockPort
from infra.rollout.ports import Candidate, Health
from infra.targets.base import Connection, Target
from infra.templates.contract import artifact_key

Emit = Callable[[str], None]
# Stack states a promotion may start from; a rolled-back update still serves its last version.
STEADY = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")


def app_version_of(digest: str) -> str:
    """What a version answers in X-App-Version and tags its EMF metrics with."""
    return digest[:12]


class StackHealthCheck:
    """StackHealth: a steady CloudFormation status; no stack yet is fine (a first release)."""

    def __init__(self, stacks: Stacks, config: EnvironmentConfig) -> None:
        self._stacks = stacks
        self._config = config

    def check(self, env: str) -> Health:
        name = self._config.names.stack
        state = self._stacks.stack(name)
        if state is None:
            return Health(True, f"no stack {name} yet: a first release creates it")
        if state.status in STEADY:
            return Health(True, f"stack {name} {state.status}")
        return Health(False, f"stack {name} is {state.status}: wait for it, or repair it first")


class HeldLock:
    """The deploy lock as the rollout's LockPort, remembering the token it holds so the
    candidate deploy runs under the promotion's lock instead of taking its own."""

    def __init__(self, lock: DeployLock, clock: Clock) -> None:
        self._port = DeployLockPort(lock, clock)
        self.token = ""

    def acquire(self, owner: str, token: str, ttl: timedelta) -> None:
        self._port.acquire(owner, token, ttl)
        self.token = token

    def release(self, token: str) -> None:
        self._port.release(token)
        if token == self.token:
            self.token = ""


@dataclass(frozen=True)
class ArtifactPlaces:
    """Where a digest's artifact may be: the environment's own bucket, other environments'
    buckets (the promotion's source first), and local build folders."""

    own_bucket: str
    other_buckets: Sequence[str]
    local_dirs: Sequence[Path]
    fetch_dir: Path = PROMOTED_DIR


def find_artifact(buckets: Buckets, places: ArtifactPlaces, digest: str) -> Artifact:
    """The artifact by digest: already uploaded, fetched from another bucket (sha256
    checked), or a local file of that digest; ArtifactNotFound naming every place."""
    key = artifact_key(digest)
    if buckets.exists(places.own_bucket) and buckets.has_object(places.own_bucket, key):
        return Artifact(digest, None)
    for bucket in places.other_buckets:
        if buckets.exists(bucket) and buckets.has_object(bucket, key):
            return Artifact(digest, fetch_by_digest(buckets, bucket, digest, places.fetch_dir))
    for folder in places.local_dirs:
        found = local_artifact(folder, digest)
        if found is not None:
            return Artifact(digest, found)
    looked = [f"s3://{b}/{key}" for b in (places.own_bucket, *places.other_buckets)]
    raise ArtifactNotFound(digest, (*looked, *(str(d) for d in places.local_dirs)))


def local_artifact(folder: Path, digest: str) -> Path | None:
    """A zip in `folder` whose sha256 is `digest`."""
    for path in sorted(folder.glob("*.zip")) if folder.is_dir() else []:
        if sha256_of(path) == digest:
            return path
    return None


class StackCandidates:
    """CandidateDeployer: the deployer publishes the digest as a new version of the function;
    the `live` alias stays on the live version (pinned) until the rollout shifts it."""

    def __init__(
        self,
        config: EnvironmentConfig,
        target: Target,
        connection: Connection,
        lock: HeldLock,
        places: ArtifactPlaces,
        options: DeployOptions,
        clock: Clock,
        emit: Emit,
        probe_url: Callable[[str, str], str] = lambda version, digest: "",
    ) -> None:
        self._config = config
        self._target = target
        self._conn = connection
        self._lock = lock
        self._places = places
        self._options = options
        self._clock = clock
        self._emit = emit
        self._probe_url = probe_url
        self._functions = LambdaFunctions(connection.clients)

    def deploy(self, digest: str) -> Candidate:
        alias = self._functions.alias(self._config.names.function, self._config.names.alias)
        if alias is None:
            raise PrecheckFailed(
                f"{self._config.name} has no `{self._config.names.alias}` alias to pin: "
                "its stack is not deployed"
            )
        return self._deploy(digest, pin=alias.version)

    def first(self, digest: str) -> Candidate:
        return self._deploy(digest, pin="")

    def existing(self, digest: str, version: str) -> Candidate:
        published = {v.version: v.code_sha256 for v in self._versions()}
        if published.get(version) != code_sha256(digest):
            raise PrecheckFailed(
                f"version {version} of {self._config.names.function} does not run "
                f"{digest[:12]} (or was retired): promote that digest again instead"
            )
        return self._candidate(version, digest)

    def _deploy(self, digest: str, pin: str) -> Candidate:
        if not self._lock.token:
            raise PrecheckFailed("the candidate deploy runs only under the promotion's lock")
        buckets = Buckets(self._conn.clients)
        artifact = find_artifact(buckets, self._places, digest)
        source = "already in the artifact bucket" if artifact.path is None else artifact.path
        self._emit(f"deploying {digest[:12]} to {self._config.name} ({source})" +
                   (f", live pinned to version {pin}" if pin else ""))  # fmt: skip
        options = DeployOptions(
            commit=self._options.commit,
            actor=self._options.actor,
            app_version=app_version_of(digest),
            live_version=pin,
            build_dir=self._places.fetch_dir,
            held_lock=self._lock.token,
        )
        request = deploy_commands.deploy_request(self._config, artifact, options, self._emit)
        deploy_commands.deploy(self._target, request, self._emit, self._clock)
        running = [v.version for v in self._versions() if v.code_sha256 == code_sha256(digest)]
        if not running:
            raise PrecheckFailed(f"no published version of {self._config.names.function} runs "
                                 f"{digest[:12]} after its deploy")  # fmt: skip
        return self._candidate(max(running, key=int), digest)

    def _candidate(self, version: str, digest: str) -> Candidate:
        return Candidate(version, digest, app_version_of(digest), self._probe_url(version, digest))

    def _versions(self) -> list[FunctionVersion]:
        try:
            found = self._functions.versions(self._config.names.function)
        except AwsError as exc:
            raise PrecheckFailed(f"cannot list the versions of {self._config.names.function}: "
                                 f"{exc}") from exc  # fmt: skip
        return [v for v in found if v.version.isdigit()]

"""The release path's side of a data restore (infra.backup's ports). `DeploySwitch` writes
`backup.data_table_override` into the environment's YAML and deploys that config with the code
that is live now, all traffic at once, through the deploy stage's own library calls
(infra.deploy.commands); `SmokeSuite` runs the smoke stage's own entry against the env.

`prepare_switch` checks the switch before the restore starts, so one that cannot happen is
refused before a table is made; a failed switch leaves the YAML saying what the function
serves, and says so."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.aws.cloudformation import Stacks
from infra.aws.lambda_ import LambdaFunctions
from infra.aws.s3 import Buckets
from infra.backup import SmokeOutcome
from infra.backup.config_edit import write_override
from infra.backup.errors import DataSafetyError, RestoreRefused
from infra.config.loader import environment_file
from infra.config.model import EnvironmentConfig
from infra.deploy import commands
from infra.deploy.artifact_store import Artifact, ArtifactBucket, resolve_local
from infra.deploy.records import Outcome
from infra.errors import InfraError
from infra.targets.base import Connection, Target
from infra.templates import contract
from pipeline.catalog import ARTIFACTS_DIR
from pipeline.release.entries import smoke
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import ReleaseError

Emit = Callable[[str], None]
# The local target, after the switch deploy: serve the env's app again (it reads the table
# name from the deployed function when it starts); returns the line to show.
Reserve = Callable[[str], str]


class SwitchFailed(DataSafetyError):
    """The switch deploy (or serving after it) failed; the message says what is served now."""


@dataclass(frozen=True)
class LiveCode:
    """What the environment's function runs now: the switch deploys exactly this again."""

    digest: str
    commit: str
    app_version: str


def live_code(connection: Connection, config: EnvironmentConfig) -> LiveCode:
    """The live stack's artifact digest, commit and version (refused when nothing is live)."""
    stack = Stacks(connection.clients).stack(config.names.stack)
    digest = stack.parameters.get(contract.PARAM_ARTIFACT_DIGEST, "") if stack else ""
    if stack is None or not stack.holds_resources or not digest:
        raise RestoreRefused(
            f"{config.name} has no deployed stack {config.names.stack} running an artifact: "
            f"a restore switches a deployed function; deploy {config.name} first"
        )
    return LiveCode(
        digest=digest,
        commit=stack.parameters.get(contract.PARAM_GIT_COMMIT) or "unknown",
        app_version=stack.parameters.get(contract.PARAM_APP_VERSION) or "0.0.0",
    )


@dataclass(frozen=True)
class DeploySwitch:
    """`TableSwitch`: the override into `env_file`, then a deploy of that config with the live
    artifact and `live_version` empty (the alias moves to the new version at once)."""

    target: Target
    connection: Connection
    env_file: Path
    live: LiveCode
    artifact: Artifact
    previous: str | None  # the override before the restore (None: the stack's own table)
    actor: str
    emit: Emit
    reserve: Reserve | None = None

    def switch(self, config: EnvironmentConfig, table: str) -> str:
        write_override(self.env_file, table)
        self.emit(f"wrote backup.data_table_override: {table} into {self.env_file}")
        options = commands.DeployOptions(
            commit=self.live.commit,
            actor=self.actor,
            app_version=self.live.app_version,
            live_version="",  # all at once: a canary would split writes over two tables
            build_dir=Path(ARTIFACTS_DIR),
        )
        try:
            request = commands.deploy_request(config, self.artifact, options, self.emit)
            result = commands.deploy(self.target, request, self.emit)
        except Exception as exc:
            raise self._failed(config, table, exc) from exc
        record = result.record
        reference = f"deployment {record.deployment_id}" if record else result.outcome.value
        if result.outcome is Outcome.NO_CHANGE:
            reference += ", no changes: it already served that table"
        if self.reserve is not None:
            try:
                self.emit(self.reserve(config.name))
            except InfraError as exc:
                raise SwitchFailed(
                    f"the function serves {table} ({reference}; {self.env_file.name} says so), "
                    f"but the local app could not be served again: {exc}. Serve it with "
                    f"`pipeline deploy --env {config.name}`"
                ) from exc
        return reference

    def _failed(self, config: EnvironmentConfig, table: str, exc: Exception) -> SwitchFailed:
        """Make the YAML say what the function serves after a failed deploy."""
        try:
            variables = LambdaFunctions(self.connection.clients).environment(config.names.function)
            served = variables.get(contract.ENV_TABLE_NAME, "")
        except InfraError:
            served = ""
        if served and served != table:
            write_override(self.env_file, self.previous)
            return SwitchFailed(
                f"the switch deploy failed ({exc}); the function still serves {served}, and "
                f"{self.env_file.name} is back to data_table_override: {self.previous or 'null'}"
            )
        state = f"serves {table}" if served else "serves a table that could not be read back"
        return SwitchFailed(
            f"the switch deploy failed ({exc}); the function {state}; {self.env_file.name} "
            f"keeps data_table_override: {table}"
        )


def prepare_switch(
    repo: Path,
    target: Target,
    connection: Connection,
    config: EnvironmentConfig,
    actor: str,
    emit: Emit,
    reserve: Reserve | None = None,
) -> tuple[DeploySwitch, list[str]]:
    """The switch, checked with read calls only (RestoreRefused when it could not happen), and
    what it will do."""
    path = environment_file(config.name, repo / "infra" / "environments")
    if not path.is_file():
        raise RestoreRefused(f"{path} does not exist: the switch writes the override there")
    live = live_code(connection, config)
    artifact = resolve_local(None, live.digest, repo / ARTIFACTS_DIR)
    bucket = ArtifactBucket(
        Buckets(connection.clients),
        config.names.artifact_bucket(connection.account_id, config.region),
        connection.account_id,
    )
    if artifact.path is None and not (bucket.exists() and bucket.has(live.digest)):
        raise RestoreRefused(
            f"the live artifact {live.digest[:12]} is neither in {bucket.bucket} nor in "
            f"{ARTIFACTS_DIR}: the switch could not deploy the code that runs now again"
        )
    switch = DeploySwitch(
        target=target,
        connection=connection,
        env_file=path,
        live=live,
        artifact=artifact,
        previous=config.backup.data_table_override,
        actor=actor,
        emit=emit,
        reserve=reserve,
    )
    shown = path.relative_to(repo) if path.is_relative_to(repo) else path
    lines = [
        f"switch: set backup.data_table_override in {shown}, then deploy it with the live "
        f"artifact {live.digest[:12]} (commit {live.commit[:12]}), all traffic at once",
    ]
    return switch, lines


@dataclass(frozen=True)
class SmokeSuite:
    """`SmokeCheck`: the smoke stage's entry (tests/smoke, the latest deployment's digest)
    in this process, with the run parameters and token a smoke stage would get."""

    repo: Path
    environ: Mapping[str, str]
    emit: Emit

    def smoke(self, config: EnvironmentConfig) -> SmokeOutcome:
        ctx = EntryContext(config, self.repo, self.environ, self.emit)
        try:
            smoke.run(ctx)
        except (ReleaseError, InfraError) as exc:
            return SmokeOutcome(False, str(exc))
        return SmokeOutcome(True, f"tests/smoke against {config.name}")

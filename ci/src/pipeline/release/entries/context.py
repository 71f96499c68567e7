"""What a stage entry gets: its environment's validated config, the repository, the run
parameters and secrets (environment variables), and the target they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infra.aws.items import ItemTable
from infra.config import EnvironmentConfig, load_environment
from infra.targets.aws import AwsTarget
from infra.targets.base import Target, TargetKind
from infra.targets.local import LocalTarget
from infra.targets.local_state import LOCAL_DIR
from infra.targets.select import choose_target
from pipeline.catalog import PARAM_EMULATOR, PARAM_TARGET, Switch, app_url_param
from pipeline.release.errors import ReleaseUsageError

Emit = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class EntryContext:
    """One entry's inputs. `config` is loaded by name: the config loader is what refuses an
    unknown environment (exit 2, naming the choices)."""

    config: EnvironmentConfig
    repo: Path
    environ: Mapping[str, str] = field(repr=False)
    emit: Emit = _print

    @classmethod
    def load(
        cls, env: str, repo: Path, environ: Mapping[str, str], emit: Emit = _print
    ) -> EntryContext:
        return cls(load_environment(env), repo, environ, emit)

    @property
    def env(self) -> str:
        return self.config.name

    def param(self, name: str) -> str:
        """A run parameter (or secret), '' when unset."""
        return self.environ.get(name, "").strip()

    def switch(self, switch: Switch) -> bool:
        return self.param(switch.param) == "1"

    def target(self) -> Target:
        """The target the run parameters name (printed with why). Locally the emulator must
        already run: a stage never starts one (it would die with the stage's container)."""
        requested = self.param(PARAM_TARGET) or None
        choice = choose_target(requested, f"run parameter {PARAM_TARGET}")
        self.emit(choice.describe())
        if choice.kind is TargetKind.AWS:
            return AwsTarget()
        app_url = self.param(app_url_param(self.env))
        apps = {self.env: app_url} if app_url else {}
        endpoint = self.param(PARAM_EMULATOR)
        if endpoint:
            return LocalTarget(endpoint, apps)
        return LocalTarget.running(self.repo / LOCAL_DIR, apps)

    def app_url(self, target: Target) -> tuple[str, str]:
        """The API's base URL and where it came from: the run parameter PIPELINE_APP_URL_<ENV>
        when set, else where the target says the environment answers."""
        explicit = self.param(app_url_param(self.env))
        if explicit:
            return explicit.rstrip("/"), app_url_param(self.env)
        return target.api_url(self.config), "the target"

    def suite_token(self, target: Target, secret: str, suite: str, aws_hint: str) -> str:
        """The bearer token of a test suite (smoke, perf, E2E) from its secret; a usage error
        saying where one comes from when it is missing."""
        token = self.param(secret)
        if token:
            return token
        how = (
            "the local release mints one from its keypair"
            if target.kind is TargetKind.LOCAL
            else f"pass a token the API's JWT authorizer accepts {aws_hint}"
        )
        raise ReleaseUsageError(f"no {suite} token: set the secret {secret} ({how})")

    def deployments(self, target: Target) -> ItemTable:
        """The environment's deployments table on the target (records, locks, perf records)."""
        clients = target.connect(self.config.region).clients
        return ItemTable(clients, self.config.names.deployments_table)

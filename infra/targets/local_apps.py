"""How the local target serves an environment's app: Lambda cannot be invoked on the emulator,
so the built artifact runs as a web app next to it, configured like the deployed function (its
own environment, read back from the emulator), with auth switched to the local keypair.

What runs it is injected (`AppRunner`): a container on the docker engine, a uvicorn process on
the host (both in `pipeline.release.app_runners`, which own the image build)."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from app.local.environment import local_app_environment
from app.settings import Var
from infra.artifact.digest import sha256_of, single_artifact
from infra.aws.errors import AwsError
from infra.aws.lambda_ import LambdaFunctions
from infra.clock import Clock, SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.errors import InfraError
from infra.operations.users.local_identity import LocalIdentity, ensure_local_identity
from infra.targets.local import LocalTarget
from infra.targets.local_state import (
    ServedApp,
    app_url,
    local_keys,
    read_app,
    remove_app,
    reserve_port,
    served_envs,
    write_app,
)

READY_TIMEOUT = timedelta(seconds=60)
POLL_SECONDS = 0.2
LOG_TAIL_LINES = 30  # of a failed start's output, in the error
# The port the app listens on inside what runs it (the runner sets it from `start`'s port).
APP_PORT_ENV = "PORT"
# Rehearsal drills: EI_FAULT_* in the caller's environment reach the served app.
FAULT_PREFIX = "EI_FAULT_"


class AppServingError(InfraError):
    """The local app could not be configured, started or reached."""


class AppRunner(Protocol):
    """Runs one environment's app from the bundle: a container (docker) or a process (host)."""

    name: str

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        """(Re)start the env's app from `bundle` on `port`; returns its handle."""
        ...

    def alive(self, handle: str) -> bool: ...

    def logs(self, handle: str) -> str:
        """Everything the app printed so far (stdout and stderr), '' when it is gone."""
        ...

    def stop(self, handle: str) -> bool: ...


def ensure_identity(target: LocalTarget, config: EnvironmentConfig) -> LocalIdentity | None:
    """The environment's user pool and app client on the emulator (created when missing: the
    emulator's CloudFormation skips Cognito); None when an external provider issues tokens."""
    if config.identity.provider != "cognito":
        return None
    try:
        return ensure_local_identity(target.clients(config.region), config)
    except AwsError as exc:
        raise AppServingError(
            f"cannot create {config.name}'s user pool on the emulator at {target.endpoint}: {exc}"
        ) from None


def app_settings(
    target: LocalTarget,
    config: EnvironmentConfig,
    digest: str,
    public_pem: str,
    caller_env: Mapping[str, str],
) -> dict[str, str]:
    """The app's environment: what the deployed function has (read from the emulator, and it
    must run `digest`), switched to local auth and the emulator, plus any EI_FAULT_* drill."""
    functions = LambdaFunctions(target.clients(config.region))
    try:
        deployed = functions.environment(config.names.function)
    except AwsError as exc:
        raise AppServingError(
            f"cannot read function {config.names.function} from the emulator at "
            f"{target.endpoint}: {exc}; deploy {config.name} first"
        ) from None
    running = deployed.get(Var.DIGEST.value, digest)
    if running != digest:
        raise AppServingError(
            f"{config.name} runs digest {running[:12]} but the bundle is {digest[:12]}: "
            f"deploy this build (`pipeline deploy --env {config.name}`) before serving it"
        )
    env = local_app_environment(
        deployed, emulator_url=target.endpoint, public_pem=public_pem, region=config.region
    )
    env.update({k: v for k, v in caller_env.items() if k.startswith(FAULT_PREFIX)})
    return env


def wait_until_answering(
    url: str,
    alive: Callable[[], bool],
    clock: Clock,
    timeout: timedelta = READY_TIMEOUT,
) -> None:
    """Poll until the server answers HTTP at all (a 500 is its own, smoke-tested problem)."""
    deadline = clock.now() + timeout
    while clock.now() < deadline:
        if not alive():
            raise AppServingError(f"the app for {url} exited during startup")
        try:
            with urllib.request.urlopen(f"{url}/version", timeout=2):  # noqa: S310  # nosec B310
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            clock.sleep(POLL_SECONDS)
    raise AppServingError(
        f"the app did not answer {url}/version within {timeout.total_seconds():.0f} s"
    )


# (config, the build's bundle, its digest) -> the bundle and digest the env's function runs.
BundleFor = Callable[[EnvironmentConfig, Path, str], tuple[Path, str]]


class LocalApps:
    """The environments' apps of one repository, served next to its emulator."""

    def __init__(
        self,
        repo: Path,
        runner: AppRunner,
        target: LocalTarget,
        caller_env: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        bundle_for: BundleFor | None = None,
    ) -> None:
        self._repo = repo
        self._runner = runner
        self._target = target
        self._bundle_for = bundle_for
        self._caller_env = os.environ if caller_env is None else caller_env
        self._clock = clock or SystemClock()
        self._ports: dict[str, int] = {}
        self.identities: dict[str, LocalIdentity] = {}  # what serve() ensured, per env

    def port(self, env: str) -> int:
        """`env`'s port: its recorded one (a redeploy keeps its URL), else a free one, kept
        for this object's life so the URL handed out before serving is where it answers."""
        if env not in self._ports:
            self._ports[env] = reserve_port(self._repo, env)
        return self._ports[env]

    def url(self, env: str) -> str:
        """Where `env`'s app answers once served."""
        return app_url(self.port(env))

    def serve(self, env: str, port: int | None = None) -> ServedApp:
        """(Re)start `env`'s app on its port from the bundle its function runs (the build in
        build/artifacts, or what `bundle_for` finds: a digest deployed by `--digest`), and
        record it."""
        config = load_environment(env)
        bundle = single_artifact(self._repo)
        digest = sha256_of(bundle)
        if self._bundle_for is not None:
            bundle, digest = self._bundle_for(config, bundle, digest)
        settings = app_settings(
            self._target, config, digest, local_keys(self._repo).public_pem, self._caller_env
        )
        identity = ensure_identity(self._target, config)  # after: only for a deployed env
        if identity is not None:
            self.identities[env] = identity
            settings.update(identity.app_environment())
        chosen = self.port(env) if port is None else port
        previous = read_app(self._repo, env)
        if previous is not None and previous.runner == self._runner.name:
            # A redeploy replaces the app: left running, it would keep the port (and its old
            # settings) while the new one fails to bind.
            self._runner.stop(previous.handle)
        handle = self._runner.start(env, bundle, digest, chosen, settings)
        url = app_url(chosen)
        try:
            wait_until_answering(url, lambda: self._runner.alive(handle), self._clock)
        except AppServingError as exc:
            logs = "\n".join(self._runner.logs(handle).splitlines()[-LOG_TAIL_LINES:])
            detail = f"{exc}; its last output:\n{logs}" if logs else str(exc)
            raise AppServingError(detail) from None
        served = ServedApp(env, url, chosen, digest, self._runner.name, handle)
        write_app(self._repo, served)
        return served


def stop_served(repo: Path, runners: Mapping[str, AppRunner]) -> list[str]:
    """Stop every app served from this repository (per its records); returns their envs."""
    stopped = []
    for env in served_envs(repo):
        served = read_app(repo, env)
        if served is None:
            remove_app(repo, env)
            continue
        runner = runners.get(served.runner)
        if runner is not None and runner.stop(served.handle):
            stopped.append(served.env)
        remove_app(repo, served.env)
    return stopped

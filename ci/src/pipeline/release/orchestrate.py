"""The host side of a release: what the stages get (params, secrets) and what happens between
them (the local app is served after each deploy, since stage containers cannot start containers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import (
    AWS_SECRETS,
    PARAM_ACTOR,
    PARAM_COMMIT,
    PARAM_EMULATOR,
    PARAM_TARGET,
    SMOKE_TOKEN_SECRET,
    app_url_param,
)
from pipeline.engines.base import Engine
from pipeline.release.app_runners import AppRunner, DockerAppRunner, HostAppRunner
from pipeline.release.errors import ReleaseError
from pipeline.release.local_app import serve, sha256_of, single_artifact
from pipeline.release.local_state import ServedApp, app_url, local_token, reserve_port
from pipeline.release.targets import Target
from pipeline.scheduler import Event, EventKind, EventSink

Say = Callable[[str], None]


def env_of(stage: str, prefix: str) -> str | None:
    """`deploy-dev` -> `dev` for prefix `deploy-`; None for other stages."""
    return stage[len(prefix) :] if stage.startswith(prefix) else None


def release_params(
    target: Target,
    commit: str,
    actor: str,
    emulator_url: str | None,
    app_urls: Mapping[str, str],
) -> dict[str, str]:
    """Run parameters for deploy/smoke stages; the emulator and app URLs only when local."""
    params = {PARAM_TARGET: target.value, PARAM_COMMIT: commit, PARAM_ACTOR: actor}
    if target is Target.LOCAL:
        if emulator_url:
            params[PARAM_EMULATOR] = emulator_url
        params.update({app_url_param(env): url for env, url in app_urls.items()})
    return params


def release_secrets(
    target: Target, environ: Mapping[str, str], local_token: str | None
) -> dict[str, str]:
    """AWS credentials only towards AWS (least privilege); the smoke token for either target."""
    secrets: dict[str, str] = {}
    if target is Target.AWS:
        secrets.update({k: environ[k] for k in AWS_SECRETS if environ.get(k)})
    token = local_token if target is Target.LOCAL else environ.get(SMOKE_TOKEN_SECRET)
    if token:
        secrets[SMOKE_TOKEN_SECRET] = token
    return secrets


@dataclass(frozen=True)
class LocalServing:
    """Where each environment's local app will answer (ports reserved before the run)."""

    emulator_url: str
    ports: Mapping[str, int]
    token: str = field(repr=False)

    @property
    def urls(self) -> dict[str, str]:
        return {env: app_url(port) for env, port in self.ports.items()}


def prepare_local(repo: Path, envs: Sequence[str], emulator_url: str) -> LocalServing:
    ports = {env: reserve_port(repo, env) for env in envs}
    return LocalServing(emulator_url, ports, local_token(repo))


def app_runner_for(engine: Engine, repo: Path, say: Say) -> AppRunner:
    """A container per env when the engine has Docker, else a uvicorn process."""
    client = getattr(engine, "client", None)
    if engine.name == "docker" and client is not None:
        return DockerAppRunner(client, repo, say)
    return HostAppRunner(repo)


class ReleaseHooks:
    """An event sink: forwards every event, and after a deploy-<env> stage passed on the local
    target serves that env's app from the built artifact before its smoke stage starts."""

    def __init__(
        self,
        forward: EventSink,
        serve_env: Callable[[str], ServedApp] | None,
        say: Say,
    ) -> None:
        self._forward = forward
        self._serve_env = serve_env
        self._say = say
        self.served: dict[str, ServedApp] = {}
        self.errors: list[str] = []

    def __call__(self, event: Event) -> None:
        self._forward(event)
        if event.kind is not EventKind.FINISHED or event.result is None:
            return
        env = env_of(event.stage, "deploy-")
        if env is None or not event.result.status.ok or self._serve_env is None:
            return
        self._say(f"serving {env}: starting its app from the deployed artifact (host-side hook)")
        try:
            served = self._serve_env(env)
        except ReleaseError as exc:
            self.errors.append(f"{env}: {exc}")
            self._say(f"serving {env} FAILED: {exc}")
            return
        self.served[env] = served
        self._say(
            f"serving {env}: {served.url} ({served.runner} {served.handle}, digest "
            f"{served.digest[:12]})"
        )


def local_server(
    repo: Path, runner: AppRunner, serving: LocalServing
) -> Callable[[str], ServedApp]:
    def serve_env(env: str) -> ServedApp:
        return serve(repo, env, runner, serving.emulator_url, port=serving.ports.get(env))

    return serve_env


def artifact_digest(repo: Path) -> str:
    return sha256_of(single_artifact(repo))

"""How a stage container is configured, as data: image, argv, environment, mounts, name.

Pure: built from the stage, its context and the host's CA bundle, so it is unit-testable without
Docker. Secret values live only in `secrets`: the engine writes them to the runner's stdin, so
they are never in the container's config (`docker inspect`), `describe()`, logs or results.
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import Network, Stage
from pipeline.engines.base import (
    RUNNER_PYTHONPATH,
    SECRETS_FROM_ENV,
    SECRETS_FROM_STDIN,
    SOURCE_DIR,
    VENV_DIR,
    StageContext,
    runner_argv,
)
from pipeline.engines.docker.ca_bundle import CONTAINER_BUNDLE, CaBundle, container_env
from pipeline.masking import Masker

CACHE_VOLUME_PREFIX = "pipeline-cache-"
CONTAINER_PATH = f"{VENV_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    command: tuple[str, ...]
    working_dir: str
    env: Mapping[str, str]
    binds: tuple[str, ...]  # "source:target:mode", source a named volume or a host file
    labels: Mapping[str, str]
    network_mode: str = "bridge"
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)  # written to stdin

    @property
    def masker(self) -> Masker:
        return Masker(self.secrets.values())

    def describe(self) -> str:
        """A log-safe summary: variable names only, never values."""
        return (
            f"container {self.name} from {self.image}: {' '.join(self.command)} "
            f"env={sorted(self.env)} binds={list(self.binds)}"
        )


def cache_volume(cache_name: str) -> str:
    return f"{CACHE_VOLUME_PREFIX}{cache_name}"


def stage_secrets(stage: Stage, available: Mapping[str, str]) -> dict[str, str]:
    """Only the secrets the stage declares; least privilege even when the caller has more."""
    return {name: available[name] for name in stage.secrets if available.get(name)}


def _network(network: Network, default_mode: str) -> str:
    return {Network.NONE: "none", Network.DEFAULT: default_mode, Network.HOST: "host"}[network]


def container_spec(
    stage: Stage,
    ctx: StageContext,
    ca_bundle: CaBundle | None,
    *,
    network_mode: str = "bridge",
    mount_ca: bool = True,
    run_id: str | None = None,
    service_network: str | None = None,
    service_env: Mapping[str, str] | None = None,
) -> ContainerSpec:
    """The container that runs `stage` from image `ctx.toolchain_ref`.

    The image already holds the same CA bundle (its digest is part of the image tag); the host's
    file is also mounted read-only when the daemon is local (`mount_ca`), since a remote daemon
    cannot see host paths. A stage with services joins their per-run `service_network` and
    finds them through `service_env`.
    """
    caches = ctx.catalog.caches_of(stage)
    env: dict[str, str] = {
        "PATH": CONTAINER_PATH,
        "VIRTUAL_ENV": VENV_DIR,
        "PYTHONPATH": RUNNER_PYTHONPATH,
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    binds = [f"{cache_volume(c.name)}:{c.path}:rw" for c in caches]
    env.update({c.env_var: c.path for c in caches})
    if ca_bundle is not None:
        env.update(container_env())
        if mount_ca:
            binds.append(f"{ca_bundle.path}:{CONTAINER_BUNDLE}:ro")
    env.update(stage.env)
    env.update({k: v for k, v in ctx.params.items() if k in stage.params})
    env.update(service_env or {})
    secrets = stage_secrets(stage, ctx.secrets)
    if secrets:
        env[SECRETS_FROM_ENV] = SECRETS_FROM_STDIN
    suffix = run_id or token_source.token_hex(4)
    return ContainerSpec(
        name=f"pipeline-{stage.name}-{suffix}",
        image=ctx.toolchain_ref,
        command=runner_argv(stage),
        working_dir=SOURCE_DIR,
        env=env,
        binds=tuple(binds),
        labels={"pipeline.stage": stage.name, "pipeline.repo": str(Path(ctx.repo).name)},
        network_mode=service_network or _network(stage.network, network_mode),
        secrets=secrets,
    )


def needed_exports(stage: Stage, ctx: StageContext) -> tuple[str, ...]:
    """The exports of the stages `stage` needs: copied into its container with the source."""
    paths: list[str] = []
    for need in stage.needs:
        for path in ctx.catalog.stages[need].exports:
            if path not in paths:
                paths.append(path)
    return tuple(paths)

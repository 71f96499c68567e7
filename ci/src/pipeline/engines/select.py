"""Pick the engine: `auto` tries dagger (a session, or the CLI), then docker, then host."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.engines.base import Engine, EngineUnavailable
from pipeline.engines.host import HostEngine

ENGINE_NAMES = ("auto", "dagger", "docker", "host")
DAGGER_VERSION = "0.21.11"


@dataclass(frozen=True)
class DaggerCli:
    """The Dagger engine is driven through `dagger call`: the module schedules stages itself."""

    executable: str
    name: str = "dagger"


@dataclass(frozen=True)
class DaggerSession:
    """Inside `dagger run ...` (DAGGER_SESSION_PORT and _TOKEN set): the SDK talks to that
    session directly and the module's container chains run there, no CLI needed."""

    name: str = "dagger"


def dagger_session(environ: Mapping[str, str] | None = None) -> DaggerSession | None:
    env = os.environ if environ is None else environ
    if env.get("DAGGER_SESSION_PORT") and env.get("DAGGER_SESSION_TOKEN"):
        return DaggerSession()
    return None


def dagger_cli() -> DaggerCli | None:
    """The Dagger CLI when one is installed (or named by _EXPERIMENTAL_DAGGER_CLI_BIN)."""
    explicit = os.environ.get("_EXPERIMENTAL_DAGGER_CLI_BIN")
    found = explicit if explicit and os.access(explicit, os.X_OK) else shutil.which("dagger")
    return DaggerCli(found) if found else None


def docker_engine() -> Engine:
    from pipeline.engines.docker import DockerEngine  # docker-py only when docker is wanted

    return DockerEngine.connect()


def choose_local(name: str) -> Engine:
    """The docker or host engine (`auto`: docker when a daemon answers, else host), for runs
    whose stages reach an environment: the Dagger module has its own release functions."""
    if name == "dagger":
        raise EngineUnavailable(
            "stages that reach an environment (deploy, smoke...) run on the docker or host "
            "engine: pass --engine docker or --engine host, or use the Dagger module's own "
            "functions (`dagger call release`, `dagger call deploy --env dev`)"
        )
    if name == "auto":
        try:
            return docker_engine()
        except EngineUnavailable:
            return HostEngine()
    if name == "docker":
        return docker_engine()
    if name == "host":
        return HostEngine()
    raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")


def choose(name: str) -> Engine | DaggerCli | DaggerSession:
    """The engine to use for `name`; raise EngineUnavailable saying what is missing."""
    if name not in ENGINE_NAMES:
        raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")
    if name in ("auto", "dagger"):
        found = dagger_session() or dagger_cli()
        if found is not None:
            return found
        if name == "dagger":
            raise EngineUnavailable(
                "--engine dagger needs the Dagger CLI (v"
                + DAGGER_VERSION
                + ") on PATH, and it starts the Dagger engine as a container: install it "
                "(https://docs.dagger.io/install) or pick --engine docker or --engine host"
            )
    if name in ("auto", "docker"):
        try:
            return docker_engine()
        except EngineUnavailable:
            if name == "docker":
                raise
    return HostEngine()

"""The docker engine: catalog stages in real containers on a Docker Engine (docker-py)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.catalog import Stage, Toolchain
from pipeline.engines.base import StageContext
from pipeline.engines.docker import containers
from pipeline.engines.docker.build_log import LogSink
from pipeline.engines.docker.ca_bundle import CaBundle, find_ca_bundle
from pipeline.engines.docker.errors import INSTALL_HINT, DockerUnavailable, describe
from pipeline.engines.docker.images import digest_for, ensure_toolchain_image
from pipeline.engines.services import Waiting
from pipeline.results import StageResult

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
CONNECT_TIMEOUT_S = 10
# docker-py's per-request timeout for quick calls; streams (logs, wait, build) have their own.
API_TIMEOUT_S = 120

_UNSET: Any = object()


def daemon_address(environ: Mapping[str, str] | None = None) -> str:
    """Where docker-py will look for the daemon, for messages."""
    env = os.environ if environ is None else environ
    host = env.get("DOCKER_HOST")
    return f"DOCKER_HOST={host}" if host else f"{DEFAULT_SOCKET} (DOCKER_HOST is not set)"


def daemon_is_local(environ: Mapping[str, str] | None = None) -> bool:
    """True when the daemon shares this machine's files (a unix socket), so binds of host files
    work; a tcp:// or ssh:// DOCKER_HOST may be another machine."""
    env = os.environ if environ is None else environ
    host = env.get("DOCKER_HOST", "")
    return not host or host.startswith("unix://")


def connect_client(timeout: int = API_TIMEOUT_S) -> Any:
    """A docker.DockerClient that has answered a ping; DockerUnavailable says what to do if not."""
    try:
        import docker
    except ImportError:  # pragma: no cover - docker is in the pipeline dependency group
        raise DockerUnavailable(
            "docker engine: the Python package `docker` is not installed; run `uv sync` "
            "(it is in the pipeline dependency group)"
        ) from None
    client = None
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        if client is not None:
            client.close()
        raise DockerUnavailable(
            f"docker engine: no Docker daemon answers at {daemon_address()}: {describe(exc)}. "
            f"To fix: {INSTALL_HINT}"
        ) from None
    return client


class DockerEngine:
    """Engine protocol implementation: toolchain images per lock digest, one container per stage."""

    name = "docker"
    containerized = True

    def __init__(
        self,
        client: Any = None,
        *,
        ca_bundle: CaBundle | None = _UNSET,
        network_mode: str = "bridge",
        build_log: LogSink | None = None,
        stage_timeout_s: float | None = None,
        service_waiting: Waiting | None = None,
    ) -> None:
        self._client = client
        self._client_lock = threading.Lock()
        self._ca_bundle: CaBundle | None = find_ca_bundle() if ca_bundle is _UNSET else ca_bundle
        self._network_mode = network_mode
        self._build_log = build_log
        self._stage_timeout_s = stage_timeout_s
        self._service_waiting = service_waiting or Waiting()

    @classmethod
    def connect(cls, **kwargs: Any) -> DockerEngine:
        """An engine bound to a daemon that answered; else DockerUnavailable (EngineUnavailable)."""
        return cls(connect_client(), **kwargs)

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = connect_client()
            return self._client

    @property
    def ca_bundle(self) -> CaBundle | None:
        return self._ca_bundle

    def toolchain_digest(self, toolchain: Toolchain, repo: Path) -> str:
        return digest_for(toolchain, repo, self._ca_bundle)

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        return ensure_toolchain_image(
            self.client, toolchain, repo, ca_bundle=self._ca_bundle, log=self._build_log
        )

    def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
        return containers.run_stage(
            self.client,
            stage,
            ctx,
            self._ca_bundle,
            network_mode=self._network_mode,
            timeout_s=self._stage_timeout_s,
            mount_ca=daemon_is_local(),
            waiting=self._service_waiting,
        )

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

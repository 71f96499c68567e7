"""Runners of an environment's local app (`infra.targets.local_apps.AppRunner`): a container
(docker engine, from the app image) or a uvicorn process (host engine)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess  # nosec B404 - the host runner starts uvicorn with a fixed argv
import sys
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra.targets.local_apps import APP_PORT_ENV, AppRunner, AppServingError
from infra.targets.local_state import APPS_DIR
from pipeline.engines.base import Engine
from pipeline.release.app_image import ensure_app_image, server_argv

CONTAINER_PREFIX = "energy-insights-"
LABEL = "energy-insights.release-env"
# Separates concurrent local releases on one Docker daemon (tests use it): names become
# energy-insights-<namespace>-<env>.
NAMESPACE_ENV = "PIPELINE_LOCAL_NAMESPACE"
# The host runner's files per environment, under .pipeline/local/apps/<env>/.
LOG_FILE = "app.log"
PID_FILE = "app.pid"
STOP_TIMEOUT_S = 10.0  # uvicorn exits on SIGTERM well within this

Say = Callable[[str], None]


def container_name(env: str, namespace: str = "") -> str:
    return f"{CONTAINER_PREFIX}{namespace}-{env}" if namespace else f"{CONTAINER_PREFIX}{env}"


class DockerAppRunner:
    """One container per environment, `energy-insights-<env>`, on the host network."""

    name = "docker"

    def __init__(
        self, client: Any, repo: Path, say: Say = print, namespace: str | None = None
    ) -> None:
        self._client = client
        self._repo = repo
        self._say = say
        self._namespace = os.environ.get(NAMESPACE_ENV, "") if namespace is None else namespace

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        tag = ensure_app_image(self._client, self._repo, bundle, digest, self._say)
        name = container_name(env, self._namespace)
        self.stop(name)
        try:
            self._client.containers.run(
                tag,
                list(server_argv()),
                name=name,
                detach=True,
                network_mode="host",  # the emulator listens on the host's loopback
                environment={**environ, APP_PORT_ENV: str(port)},
                labels={LABEL: env},
            )
        except Exception as exc:  # docker-py raises DockerException and requests errors here
            raise AppServingError(
                f"cannot start container {name} from {tag}: {type(exc).__name__}: {exc}"
            ) from exc
        return name

    def alive(self, handle: str) -> bool:
        container = self._get(handle)
        return container is not None and container.status == "running"

    def logs(self, handle: str) -> str:
        """The container's whole output (stdout and stderr); '' when it does not exist."""
        container = self._get(handle)
        return "" if container is None else container.logs().decode(errors="replace")

    def stop(self, handle: str) -> bool:
        """Remove the container if it is one of ours (never someone else's by that name)."""
        container = self._get(handle)
        if container is None or LABEL not in container.labels:
            return False
        container.remove(force=True)
        return True

    def _get(self, handle: str) -> Any:
        import docker.errors

        try:
            return self._client.containers.get(handle)
        except docker.errors.NotFound:
            return None


class HostAppRunner:
    """uvicorn from the unzipped bundle as a background process (no container engine)."""

    name = "host"

    def __init__(self, repo: Path, python: str = sys.executable) -> None:
        self._repo = repo
        self._python = python
        self._started: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        folder = self._repo / APPS_DIR / env
        task = folder / "task"
        shutil.rmtree(task, ignore_errors=True)
        task.mkdir(parents=True)
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(task)  # our own build output  # nosec B202
        from app.serving import uvicorn_argv

        argv = uvicorn_argv(self._python, port=port)
        env_vars = {"PATH": os.environ.get("PATH", ""), **environ, "PYTHONPATH": str(task)}
        with (folder / LOG_FILE).open("wb") as log:  # a new process, a new log
            process = subprocess.Popen(  # nosec B603 - fixed argv: our interpreter and uvicorn
                argv,
                cwd=task,
                env=env_vars,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the CLI, like the emulator
            )
        self._started[str(process.pid)] = process
        (folder / PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
        return str(process.pid)

    def alive(self, handle: str) -> bool:
        process = self._started.get(handle)
        if process is not None:  # ours: /proc may not show its argv yet right after the fork
            return process.poll() is None
        return _is_our_server(int(handle))

    def logs(self, handle: str) -> str:
        """The process's whole output (its app.log); '' when no app of ours has that pid."""
        for pid_file in (self._repo / APPS_DIR).glob(f"*/{PID_FILE}"):
            if pid_file.read_text(encoding="utf-8").strip() == handle:
                log = pid_file.with_name(LOG_FILE)
                return log.read_bytes().decode(errors="replace") if log.is_file() else ""
        return ""

    def stop(self, handle: str) -> bool:
        process = self._started.pop(handle, None)
        if process is not None:
            if process.poll() is not None:
                return False
            process.terminate()
            process.wait(timeout=10)
            return True
        pid = int(handle)
        if not _is_our_server(pid):
            return False
        os.kill(pid, signal.SIGTERM)
        _wait_gone(pid)  # a redeploy starts its successor on the same port next
        return True


def app_runner_for(engine: Engine, repo: Path, say: Say) -> AppRunner:
    """A container per environment when the engine has Docker, else a uvicorn process."""
    client = getattr(engine, "client", None)
    if engine.name == "docker" and client is not None:
        return DockerAppRunner(client, repo, say)
    return HostAppRunner(repo)


def _wait_gone(pid: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Until the server `pid` exited (its port is free again), at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while _is_our_server(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _is_our_server(pid: int) -> bool:
    """Guards against a recycled pid: it must still be a uvicorn serving app.main."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"uvicorn" in argv and b"app.main:create_app" in argv

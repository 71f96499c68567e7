"""`up` and `down` of the local stack: emulator, table + bucket, dev keys, the app on a port."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from app.local.dev_keys import generate_keys, mint_token
from app.local.environment import local_app_environment
from app.local.ports import free_port, loopback_url, port_is_free
from app.local.processes import HostLauncher, is_ours, stop_pid
from app.local.provision import LOCAL_BUCKET, LOCAL_REGION, LOCAL_TABLE, provision
from app.local.state import LocalRun, clear_state, read_state, state_dir, write_state
from app.settings import Var

DEFAULT_PORT = 8000
READY_TIMEOUT_S = 60.0


class Engine(StrEnum):
    HOST = "host"
    DOCKER = "docker"


class LocalRunError(Exception):
    """The local stack could not start or stop; the message says what to do."""


@dataclass(frozen=True)
class DownResult:
    engine: str
    stopped: tuple[str, ...]


class Launcher(Protocol):
    engine: str

    def start_emulator(self, port: int) -> str: ...
    def start_app(self, port: int, env: Mapping[str, str]) -> str: ...
    def alive(self) -> bool: ...
    def stop(self) -> list[str]: ...


def wait_for(url: str, timeout_s: float, alive: Callable[[], bool], what: str) -> None:
    """Poll `url` until it answers 200, the launcher dies, or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise LocalRunError(f"{what} exited during startup: see .pipeline/local/*.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback  # nosec B310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise LocalRunError(f"{what} did not answer {url} within {timeout_s:.0f}s")


def app_environment(emulator_url: str, public_pem: str, version: str) -> dict[str, str]:
    """The env vars the app process gets (the same names the Lambda function gets on AWS)."""
    settings = {
        Var.ENV.value: "local",
        Var.TABLE.value: LOCAL_TABLE,
        Var.BUCKET.value: LOCAL_BUCKET,
        Var.VERSION.value: version,
        "POWERTOOLS_SERVICE_NAME": "energy-insights",
    }
    return local_app_environment(
        settings, emulator_url=emulator_url, public_pem=public_pem, region=LOCAL_REGION
    )


def banner(run: LocalRun) -> str:
    return "\n".join(
        [
            f"Energy Insights API ({run.engine} engine) at {run.base_url}",
            f"  emulator: {run.emulator_url}",
            f"  dev token (12 h): {run.token}",
            "  try:",
            f"    curl {run.base_url}/health",
            f'    curl -X PUT {run.base_url}/sites/demo -H "Authorization: Bearer $TOKEN" '
            '-H \'content-type: application/json\' -d \'{"name": "Demo", "capacity_kw": 100}\'',
            "  (TOKEN is the dev token above; stop with Ctrl-C or `python -m app.local down`)",
        ]
    )


def make_launcher(engine: Engine, repo: Path, foreground: bool, image: str | None) -> Launcher:
    if engine is Engine.DOCKER:
        from app.local.containers import DockerLauncher

        if not image:
            raise LocalRunError(
                "--engine docker runs the emulator and the app in an image with the project's "
                "locked dependencies: use `./pipeline up local --engine docker` (it builds the "
                "toolchain image), or pass --image TAG"
            )
        return DockerLauncher(repo, image)
    return HostLauncher(repo, state_dir(repo), foreground)


def up(
    repo: Path,
    *,
    port: int = DEFAULT_PORT,
    engine: Engine = Engine.HOST,
    detach: bool = False,
    version: str = "0.0.0-local",
    out: Callable[[str], None] = print,
    image: str | None = None,
) -> LocalRun:
    """Start the stack. Detached: return once it answers. Else: serve until Ctrl-C, then stop.
    `image` (docker engine only): the image with the project's locked dependencies."""
    existing = read_state(repo)
    if existing is not None and (existing.containers or any(is_ours(pid) for pid in existing.pids)):
        raise LocalRunError(
            f"a local stack is already running at {existing.base_url}: stop it with "
            "`python -m app.local down` first"
        )
    if not port_is_free(port):
        raise LocalRunError(f"--port {port} is already in use: pick another with --port")
    launcher = make_launcher(engine, repo, not detach, image)
    try:
        run = _start(launcher, port, version)
    except BaseException:
        launcher.stop()
        raise
    write_state(repo, run)
    out(banner(run))
    if detach:
        return run
    try:
        while launcher.alive():
            time.sleep(0.5)
        out("a local process exited; stopping the rest")
    except KeyboardInterrupt:
        out("stopping...")
    finally:
        launcher.stop()
        clear_state(repo)
    return run


def _start(launcher: Launcher, port: int, version: str) -> LocalRun:
    emulator_port = free_port()
    emulator_url = loopback_url(emulator_port)
    launcher.start_emulator(emulator_port)
    wait_for(f"{emulator_url}/moto-api/", READY_TIMEOUT_S, launcher.alive, "the emulator")
    provision(emulator_url)
    keys = generate_keys()
    base_url = loopback_url(port)
    launcher.start_app(port, app_environment(emulator_url, keys.public_pem, version))
    wait_for(f"{base_url}/health", READY_TIMEOUT_S, launcher.alive, "the app")
    pids = tuple(getattr(launcher, "pids", ()))
    containers = tuple(getattr(launcher, "containers", ()))
    return LocalRun(
        engine=launcher.engine,
        base_url=base_url,
        emulator_url=emulator_url,
        token=mint_token(keys),
        pids=pids,
        containers=containers,
    )


def down(repo: Path) -> DownResult | None:
    """Stop a stack started with `up(detach=True)`; None when nothing was running."""
    run = read_state(repo)
    if run is None:
        return None
    stopped: list[str] = [str(pid) for pid in reversed(run.pids) if stop_pid(pid)]
    if run.containers:
        import docker

        from app.local.containers import stop_containers

        stopped += stop_containers(docker.from_env(), list(reversed(run.containers)))
    clear_state(repo)
    return DownResult(engine=run.engine, stopped=tuple(stopped))

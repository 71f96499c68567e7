"""Starting and stopping the local router. `RouterProcess` is the port (a host process here; a
container from the docker engine's base image is the other adapter); `LocalRouter` renders
the config, starts it and waits until the runtime API answers."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - runs haproxy with a fixed argv
from pathlib import Path
from typing import IO, Protocol

from infra.clock import Clock
from infra.rollout.errors import RolloutError, RouterUnavailable
from infra.rollout.router.config import RouterSpec, render
from infra.rollout.router.runtime import HAProxyRuntime

HAPROXY_PACKAGE = "haproxy"  # Debian package (2.6 on bookworm)


class RouterConfigInvalid(RolloutError):
    """HAProxy refused the rendered configuration."""


class RouterProcess(Protocol):
    def check(self, config_file: Path) -> None:
        """`haproxy -c` where it will run; RouterConfigInvalid with HAProxy's words."""
        ...

    def start(self, config_file: Path) -> None:
        """Start HAProxy on this config (already checked); returns once it was launched."""
        ...

    def stop(self) -> None: ...

    def running(self) -> bool: ...


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or shutil.which("/usr/sbin/haproxy")
    if not found:
        raise RouterUnavailable(
            f"haproxy is not installed: install the Debian package `{HAPROXY_PACKAGE}` "
            "(apt-get install haproxy)"
        )
    return found


def check_config(config_file: Path) -> None:
    """`haproxy -c`: refuse a config before starting anything."""
    done = subprocess.run(  # nosec B603 - fixed argv, our own file
        [haproxy_binary(), "-c", "-q", "-f", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RouterConfigInvalid(
            f"haproxy refused {config_file}: {(done.stderr or done.stdout).strip()[:2000]}"
        )


class HostHAProxy:
    """HAProxy as a child process of this one, logging to a file next to its config."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def check(self, config_file: Path) -> None:
        check_config(config_file)

    def start(self, config_file: Path) -> None:
        if self.running():
            raise RolloutError("the local router is already running; stop it first")
        self._log = (config_file.parent / "haproxy.log").open("ab")
        self._process = subprocess.Popen(  # nosec B603 - fixed argv, our own file
            [haproxy_binary(), "-db", "-f", str(config_file)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class LocalRouter:
    """The local prod endpoint: HAProxy with `stable` and `canary` servers."""

    def __init__(self, spec: RouterSpec, workdir: Path, process: RouterProcess, clock: Clock):
        self.spec = spec
        self.workdir = workdir
        self.process = process
        self.runtime = HAProxyRuntime(spec.runtime)
        self._clock = clock

    @property
    def url(self) -> str:
        return self.spec.url

    def start(self, ready_timeout_s: float = 15.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "haproxy.cfg"
        config_file.write_text(render(self.spec), encoding="utf-8")
        self.process.check(config_file)
        self.process.start(config_file)
        waited = 0.0
        while True:
            try:
                self.runtime.command("show info")
                return
            except RouterUnavailable:
                if not self.process.running():
                    raise RouterUnavailable(
                        f"haproxy exited at start; see {self.workdir / 'haproxy.log'}"
                    ) from None
                if waited >= ready_timeout_s:
                    self.process.stop()
                    raise
            self._clock.sleep(0.1)
            waited += 0.1

    def stop(self) -> None:
        self.process.stop()

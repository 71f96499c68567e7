"""A host-engine stage's services: processes in their toolchain's venv on free loopback ports.

Started before the stage, stopped (terminate, then kill) after it, whatever happened.
"""

from __future__ import annotations

import os
import socket
import subprocess  # nosec B404 - runs the catalog's own service commands, no shell
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from pipeline.catalog import Service, Stage
from pipeline.engines.base import StageContext
from pipeline.engines.services import ServiceFailed, Waiting, service_url, wait_ready
from pipeline.results import tail

LOOPBACK = "127.0.0.1"
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    """True when something accepts TCP connections on the loopback port."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0):
            return True
    except OSError:
        return False


@contextmanager
def running_services(
    stage: Stage, ctx: StageContext, base_env: Mapping[str, str], waiting: Waiting
) -> Iterator[dict[str, str]]:
    """Start every service of the stage; yield the variables that tell the stage where they are."""
    with ExitStack() as stack:
        found: dict[str, str] = {}
        for service in ctx.catalog.services_of(stage):
            venv = Path(ctx.service_refs.get(service.name, ctx.toolchain_ref))
            found[service.url_env] = stack.enter_context(_running(service, venv, base_env, waiting))
        yield found


@contextmanager
def _running(
    service: Service, venv: Path, base_env: Mapping[str, str], waiting: Waiting
) -> Iterator[str]:
    port = free_port()
    env = {**base_env, "PATH": f"{venv / 'bin'}{os.pathsep}{base_env.get('PATH', '')}"}
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        try:
            proc = subprocess.Popen(  # nosec B603 - argv from the catalog, no shell
                list(service.command(LOOPBACK, port)),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            raise ServiceFailed(f"service {service.name!r} cannot start: {exc}") from None
        try:
            wait_ready(service, lambda: answers(port), lambda: _exited(proc, log), waiting)
            yield service_url(LOOPBACK, port)
        finally:
            _stop(proc)


def _exited(proc: subprocess.Popen[bytes], log: IO[str]) -> str | None:
    code = proc.poll()
    if code is None:
        return None
    log.seek(0)
    return f"exit code {code}; its last lines:\n{tail(log.read(), 10)}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

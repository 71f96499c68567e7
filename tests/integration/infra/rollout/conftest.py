"""A real HAProxy (host process) in front of two tiny backends, per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.clock import SystemClock
from infra.rollout.router.config import Endpoint, RouterSpec, RuntimeAddress
from infra.rollout.router.process import HostHAProxy, LocalRouter
from tests.conftest import unavailable
from tests.integration.infra.rollout.harness import Backend, free_port


@pytest.fixture(scope="session")
def haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("/usr/sbin/haproxy")
    if not found:
        unavailable("haproxy", "install the Debian package `haproxy` (apt-get install haproxy)")
    return str(found)


@pytest.fixture
def stable() -> Iterator[Backend]:
    backend = Backend("v1")
    yield backend
    backend.stop()


@pytest.fixture
def canary() -> Iterator[Backend]:
    backend = Backend("v2")
    yield backend
    backend.stop()


@pytest.fixture
def router(haproxy: str, stable: Backend, tmp_path: Path) -> Iterator[LocalRouter]:
    spec = RouterSpec(
        listen=Endpoint("127.0.0.1", free_port()),
        runtime=RuntimeAddress(port=free_port()),
        stable=stable.endpoint,
        check_interval_ms=200,  # a dead canary is marked DOWN within about half a second
    )
    local = LocalRouter(spec, tmp_path / "router", HostHAProxy(), SystemClock())
    local.start()
    yield local
    local.stop()

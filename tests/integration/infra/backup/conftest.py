"""Data safety against a real moto server (the local emulator): an emptied emulator, a
connection through the same `connect()` the CLI uses, and bound environments."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from infra.backup import DataSafety, bind
from infra.config import EnvironmentConfig
from infra.targets.base import Connection
from infra.targets.local import LocalTarget
from tests.unit.infra.backup.support import FakeClock, provision, staging

REGION = "eu-west-1"
PAGE = 250


def reset_emulator(endpoint: str) -> None:
    """Forget every resource (moto's reset API)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback test server
        pass


def environment(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


@pytest.fixture
def connection(aws_env: str) -> Connection:
    """The emptied session emulator, reached the way `--target local` reaches it."""
    reset_emulator(aws_env)
    return LocalTarget.running().connect(REGION)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def make_ctx(connection: Connection, lines: list[str]) -> Callable[..., DataSafety]:
    def make(config: EnvironmentConfig | None = None) -> DataSafety:
        config = config or staging()
        provision(connection.clients, config)
        ctx = bind(connection, config, FakeClock(), emit=lines.append)
        # small pages and parallel segments: the scans really page and combine
        return replace(ctx, scan_page_size=PAGE, scan_segments=3)

    return make


@pytest.fixture(scope="module")
def module_emulator(moto_endpoint: str) -> Iterator[str]:
    """The session emulator emptied once for a module whose tests share one deployed stack."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment(monkeypatch, moto_endpoint)
        reset_emulator(moto_endpoint)
        yield moto_endpoint

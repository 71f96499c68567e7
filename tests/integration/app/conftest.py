"""The API wired to a real moto server (the `aws_env` fixture of tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.local.provision import create_bucket, create_table
from app.main import create_app
from app.services import Services
from app.storage.clients import AwsClients, build_clients
from tests.unit.app.support import NOW, settings

HEALTH_TIMEOUT_S = 30.0  # the largest the settings allow


@pytest.fixture
def clients(aws_env: str) -> AwsClients:
    return build_clients()


@pytest.fixture
def names(clients: AwsClients) -> tuple[str, str]:
    """A fresh table and bucket per test, so tests never see each other's data."""
    suffix = uuid.uuid4().hex[:10]
    table, bucket = f"energy-{suffix}", f"energy-reports-{suffix}"
    create_table(clients.dynamodb, table)
    create_bucket(clients.s3, bucket)
    return table, bucket


@pytest.fixture
def api(clients: AwsClients, names: tuple[str, str]) -> Iterator[TestClient]:
    table, bucket = names
    # /health waits for the emulator at most this long; a busy machine must not fail the happy
    # path (a healthy answer returns at once; only a hang would wait this out).
    healthy = settings(table, bucket, health_timeout_s=HEALTH_TIMEOUT_S)
    svc = Services(healthy, clients=lambda: clients, clock=lambda: NOW)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        yield client

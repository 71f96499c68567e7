"""A dead DynamoDB/S3 endpoint gives 503 with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from app.storage.clients import build_clients
from tests.unit.app.support import auth_header, settings

pytestmark = pytest.mark.emulator


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_outage_is_503_with_retry_after(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    clients = build_clients()
    svc = Services(settings(health_timeout_s=1.0), clients=lambda: clients)
    with TestClient(create_app(svc=svc)) as api:
        response = api.get("/sites/plant-1", headers=auth_header())
        health = api.get("/health")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json() == {
        "error": "unavailable",
        "message": "dynamodb is unavailable, retry later",
    }
    assert health.status_code == 503
    assert health.json()["failing"] == ["dynamodb", "s3"]

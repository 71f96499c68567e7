"""Shared fixtures. Tests that need Docker or the emulator fail (never skip) under CI=true."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from app.local.ports import free_port
from pipeline.catalog import EMULATOR_URL_ENV

__all__ = ["free_port", "unavailable"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, how: str) -> None:
    """Skip on a developer's machine; fail in CI, where a skip would hide a missing install."""
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(message + " (CI=true: this test must run, not skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[object]:
    """A connected docker-py client for the Docker Engine on this machine."""
    import docker  # imported here: only docker-marked tests pay for it

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # docker-py raises several unrelated types here
        unavailable("the Docker Engine", f"{exc}; install docker.io and start dockerd")
    yield client
    client.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server (the local AWS emulator): the pipeline's emulator service when the
    stage runs with one (its URL in PIPELINE_EMULATOR_URL), else one on a free loopback port."""
    service = os.environ.get(EMULATOR_URL_ENV)
    if service:
        try:
            with urllib.request.urlopen(f"{service}/moto-api/", timeout=10):  # noqa: S310
                pass
        except (urllib.error.URLError, OSError) as exc:
            pytest.fail(f"the emulator service {EMULATOR_URL_ENV}={service} does not answer: {exc}")
        yield service
        return
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Fake credentials and the emulator endpoint in the environment; returns the endpoint."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint

"""Fixtures for deploys against a real moto server: an empty emulator per test, small zips,
and direct boto3 clients to check what the services' own APIs say."""

from __future__ import annotations

import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.config import EnvironmentConfig, load_environment

REGION = "eu-west-1"


def reset_emulator(endpoint: str) -> None:
    """Forget every resource (moto's reset API), so each test starts from an empty account."""
    url = f"{endpoint}/moto-api/reset"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback test server
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback test server
        pass


@pytest.fixture
def emulator(aws_env: str) -> str:
    """The session's moto server, emptied; AWS_ENDPOINT_URL points at it."""
    reset_emulator(aws_env)
    return aws_env


@pytest.fixture
def dev() -> EnvironmentConfig:
    return load_environment("dev")


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[[str], Path]:
    """A distinct small Lambda zip per `tag` (different bytes, different digest)."""

    def make(tag: str) -> Path:
        path = tmp_path / f"bundle-{tag}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            info = zipfile.ZipInfo("app/lambda_handler.py", date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, f"def handler(event, context):\n    return {tag!r}\n")
        return path

    return make


@pytest.fixture
def aws(emulator: str) -> Callable[[str], Any]:
    """A boto3 client for a service on the emulator: aws('dynamodb')."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=emulator)  # type: ignore[call-overload]

    return client

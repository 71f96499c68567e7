"""The app wired to moto's in-process mock (mock_aws): a table and a bucket per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from app.local.provision import create_bucket, create_table
from app.storage.clients import AwsClients, build_clients

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def mocked_clients(patch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    patch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in FAKE_AWS.items():
        patch.setenv(name, value)
    with mock_aws():
        built = build_clients()
        create_table(built.dynamodb, "energy-test")
        create_bucket(built.s3, "energy-test-reports")
        yield built


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    yield from mocked_clients(monkeypatch)


@pytest.fixture(scope="module")
def module_clients() -> Iterator[AwsClients]:
    """One mock for a whole module: tests that only read what the module set up."""
    with pytest.MonkeyPatch.context() as patch:
        yield from mocked_clients(patch)

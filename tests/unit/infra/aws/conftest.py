"""AwsClients on in-process moto (`mock_aws`: no server, no network)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint

REGION = "eu-west-1"


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        yield AwsClients(session, Endpoint(region=REGION, emulator=True))

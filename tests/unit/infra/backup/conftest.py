"""Data-safety flows on in-process moto (`mock_aws`: no server, no network), a fake clock,
and recording fakes for the restore's switch and smoke ports."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint
from infra.backup import DataSafety, SmokeOutcome, bind
from infra.config import EnvironmentConfig
from infra.targets.base import Connection, TargetKind
from infra.targets.local import LOCAL_WAITS
from tests.unit.infra.backup.support import ACCOUNT, FakeClock, provision, staging

REGION = "eu-west-1"


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[Connection]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        clients = AwsClients(session, Endpoint(region=REGION, emulator=True))
        yield Connection(clients, TargetKind.LOCAL, LOCAL_WAITS, ACCOUNT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def make_ctx(
    connection: Connection, clock: FakeClock, lines: list[str]
) -> Callable[..., DataSafety]:
    """A provisioned staging environment (with some `backup` keys replaced) bound to moto."""

    def make(config: EnvironmentConfig | None = None, provisioned: bool = True) -> DataSafety:
        config = config or staging()
        if provisioned:
            provision(connection.clients, config)
        return bind(connection, config, clock, emit=lines.append)

    return make


@pytest.fixture
def ctx(make_ctx: Callable[..., DataSafety]) -> DataSafety:
    return make_ctx()


class RecordingSwitch:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str | None, str]] = []
        self.fail = fail

    def switch(self, config: EnvironmentConfig, table: str) -> str:
        self.calls.append((config.backup.data_table_override, table))
        if self.fail:
            raise RuntimeError("deploy failed")
        return "deployment-1"


class RecordingSmoke:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.tables: list[str | None] = []

    def smoke(self, config: EnvironmentConfig) -> SmokeOutcome:
        self.tables.append(config.backup.data_table_override)
        return SmokeOutcome(self.ok, "GET /health 200" if self.ok else "GET /health 503")

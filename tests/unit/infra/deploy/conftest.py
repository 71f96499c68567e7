"""In-process moto (`mock_aws`, no server, no network) behind a Connection, and a fake clock."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint
from infra.config import EnvironmentConfig
from infra.targets.base import Connection, TargetKind
from infra.targets.local import LOCAL_WAITS

REGION = "eu-west-1"


class FakeClock:
    """A clock that moves only when slept on (or told to)."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self.slept = 0.0

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[Connection]:
    """A Connection to moto in this process, treated as the emulator (same fidelity gaps)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)  # moto: "Tried to parse <type>"
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        clients = AwsClients(session, Endpoint(region=REGION, emulator=True))
        yield Connection(clients, TargetKind.LOCAL, LOCAL_WAITS, "123456789012")


@dataclass(frozen=True)
class FakeTarget:
    """A target whose connection is given (in-process moto)."""

    connection: Connection
    kind: TargetKind = TargetKind.LOCAL

    def connect(self, region: str) -> Connection:
        return self.connection

    def api_url(self, config: EnvironmentConfig) -> str:
        return "http://127.0.0.1:9"


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[[str], Path]:
    def make(tag: str) -> Path:
        path = tmp_path / f"bundle-{tag}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("app/lambda_handler.py", f"VALUE = {tag!r}\n")
        return path

    return make

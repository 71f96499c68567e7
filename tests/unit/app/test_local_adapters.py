"""The emulator provisioning and the docker launcher, against fakes (no daemon, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from app.local import containers
from app.local.provision import create_bucket, create_table
from app.storage.clients import build_clients


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def test_provisioning_is_idempotent(mocked: None) -> None:
    clients = build_clients()
    for _ in range(2):
        create_table(clients.dynamodb, "t")
        create_bucket(clients.s3, "bucket-b")
    assert clients.dynamodb.describe_table(TableName="t")["Table"]["KeySchema"][0] == {
        "AttributeName": "PK",
        "KeyType": "HASH",
    }


class Refusing:
    def create_table(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException"}}, "CreateTable")

    def create_bucket(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "CreateBucket")


def test_provisioning_reraises_real_errors() -> None:
    with pytest.raises(ClientError):
        create_table(Refusing(), "t")  # type: ignore[arg-type]
    with pytest.raises(ClientError):
        create_bucket(Refusing(), "b")  # type: ignore[arg-type]


class FakeContainer:
    def __init__(self, name: str, labels: dict[str, str]) -> None:
        self.name = name
        self.labels = labels
        self.status = "running"
        self.removed = False

    def stop(self, timeout: int) -> None:
        self.status = "exited"

    def remove(self, force: bool) -> None:
        self.removed = True


class FakeContainers:
    def __init__(self) -> None:
        self.by_name: dict[str, FakeContainer] = {}
        self.runs: list[dict[str, Any]] = []

    def run(self, image: str, argv: list[str], **kwargs: Any) -> FakeContainer:
        self.runs.append({"image": image, "argv": argv, **kwargs})
        container = FakeContainer(kwargs["name"], kwargs["labels"])
        self.by_name[container.name] = container
        return container

    def get(self, name: str) -> FakeContainer:
        if name not in self.by_name:
            raise docker.errors.NotFound(name)
        return self.by_name[name]


def test_docker_launcher_runs_both_on_the_host_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = SimpleNamespace(containers=FakeContainers())
    launcher = containers.DockerLauncher(tmp_path, "tool:1", client=client)
    launcher.start_emulator(4566)
    launcher.start_app(8080, {"EI_ENV": "local"})
    runs = client.containers.runs
    assert [r["image"] for r in runs] == ["tool:1", "tool:1"]
    assert {r["network_mode"] for r in runs} == {"host"}
    assert runs[1]["environment"]["EI_ENV"] == "local"
    assert runs[1]["volumes"] == {str(tmp_path.resolve()): {"bind": "/src", "mode": "ro"}}
    assert "--port" in runs[1]["argv"]
    assert launcher.alive()
    client.containers.by_name["stranger"] = FakeContainer("stranger", {})
    assert containers.stop_containers(client, ["stranger", "missing"]) == []
    assert launcher.stop() == ["ei-local-app-8080", "ei-local-emulator-4566"]
    assert not launcher.alive()
    del client.containers.by_name["ei-local-app-8080"]
    assert not launcher.alive()

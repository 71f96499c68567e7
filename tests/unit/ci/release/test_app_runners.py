from __future__ import annotations

import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.local.ports import free_port
from infra.clock import SystemClock
from infra.targets.local_apps import AppServingError, wait_until_answering
from pipeline.release import app_runners
from pipeline.release.app_runners import (
    LABEL,
    DockerAppRunner,
    HostAppRunner,
    container_name,
)

APP = """
def create_app():
    print('{"_aws": {"note": "printed by the app"}}', flush=True)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
    return app
"""


@pytest.mark.parametrize(
    ("env", "namespace", "name"),
    [("dev", "", "energy-insights-dev"), ("staging", "it1", "energy-insights-it1-staging")],
)
def test_container_name(env: str, namespace: str, name: str) -> None:
    assert container_name(env, namespace) == name


def test_host_runner_serves_the_unzipped_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "lambda.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("app/__init__.py", "")
        archive.writestr("app/main.py", APP)
    runner = HostAppRunner(tmp_path, python=sys.executable)
    port = free_port()
    handle = runner.start("dev", bundle, "d" * 64, port, {"EI_ENV": "dev"})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(
            url, lambda: runner.alive(handle), SystemClock(), timedelta(seconds=30)
        )
        assert runner.alive(handle)
        another = HostAppRunner(tmp_path)  # another CLI run finds it by its pid
        assert another.alive(handle)
        assert '{"_aws": {"note": "printed by the app"}}' in another.logs(handle)
        assert another.logs("1") == ""  # not one of ours
    finally:
        assert runner.stop(handle)
    assert not runner.alive(handle)
    assert not runner.stop(handle)
    port = free_port()
    again = runner.start("dev", bundle, "d" * 64, port, {"EI_ENV": "dev"})
    try:  # a restarted app has a new log: the previous process's output is not in it
        wait_until_answering(f"http://127.0.0.1:{port}", lambda: runner.alive(again), SystemClock())
        assert runner.logs(again).count("printed by the app") == 1
        assert runner.logs(handle) == ""  # the old pid is no longer the env's app
    finally:
        runner.stop(again)


class FakeContainer:
    def __init__(self, labels: dict[str, str], status: str = "running") -> None:
        self.labels = labels
        self.status = status
        self.removed = False

    def remove(self, force: bool) -> None:
        self.removed = force

    def logs(self) -> bytes:
        return b"every line\nsince the start\n"


class FakeContainers:
    def __init__(self, existing: dict[str, FakeContainer]) -> None:
        self.existing = existing
        self.runs: list[dict[str, Any]] = []

    def get(self, name: str) -> FakeContainer:
        import docker.errors

        if name not in self.existing:
            raise docker.errors.NotFound(name)
        return self.existing[name]

    def run(self, image: str, argv: list[str], **kwargs: Any) -> None:
        self.runs.append({"image": image, "argv": argv, **kwargs})


class FakeClient:
    def __init__(self, existing: dict[str, FakeContainer]) -> None:
        self.containers = FakeContainers(existing)


def test_docker_runner_replaces_only_its_own_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_runners, "ensure_app_image", lambda *_a: "energy-insights-app:dd")
    old = FakeContainer({LABEL: "dev"})
    client = FakeClient({"energy-insights-dev": old})
    runner = DockerAppRunner(client, tmp_path, namespace="")
    handle = runner.start("dev", tmp_path / "z", "d" * 64, 8123, {"EI_ENV": "dev"})
    assert handle == "energy-insights-dev"
    assert old.removed
    (run,) = client.containers.runs
    assert run["image"] == "energy-insights-app:dd"
    assert run["network_mode"] == "host"
    assert run["environment"] == {"EI_ENV": "dev", "PORT": "8123"}
    assert run["labels"] == {LABEL: "dev"}
    assert runner.alive("energy-insights-dev")
    assert runner.logs("energy-insights-dev") == "every line\nsince the start\n"
    assert not runner.alive("missing") and runner.logs("missing") == ""
    foreign = FakeContainer({})
    client.containers.existing["energy-insights-staging"] = foreign
    assert not runner.stop("energy-insights-staging")
    assert not foreign.removed


def test_docker_runner_reports_a_failed_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_runners, "ensure_app_image", lambda *_a: "img")
    client = FakeClient({})

    def refuse(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("port busy")

    monkeypatch.setattr(client.containers, "run", refuse)
    with pytest.raises(AppServingError, match="cannot start container energy-insights-x-dev"):
        DockerAppRunner(client, tmp_path, namespace="x").start("dev", tmp_path, "d", 1, {})

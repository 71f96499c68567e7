"""DockerEngine wiring and connect(): an actionable EngineUnavailable when no daemon answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import CATALOG
from pipeline.engines.base import EngineUnavailable, StageContext
from pipeline.engines.docker import DockerEngine
from pipeline.engines.docker.engine import daemon_address, daemon_is_local
from pipeline.results import Status
from tests.unit.ci.engines.fake_docker import FakeClient, result_json, tar_of

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "unix:///var/run/docker.sock (DOCKER_HOST is not set)"),
        ({"DOCKER_HOST": ""}, "unix:///var/run/docker.sock (DOCKER_HOST is not set)"),
        ({"DOCKER_HOST": "tcp://10.0.0.1:2375"}, "DOCKER_HOST=tcp://10.0.0.1:2375"),
    ],
)
def test_daemon_address_names_what_was_tried(environ: dict[str, str], expected: str) -> None:
    assert daemon_address(environ) == expected


@pytest.mark.parametrize(
    ("environ", "local"),
    [
        ({}, True),
        ({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}, True),
        ({"DOCKER_HOST": "tcp://10.0.0.1:2375"}, False),
        ({"DOCKER_HOST": "ssh://builder"}, False),
    ],
)
def test_only_a_unix_socket_daemon_counts_as_local(environ: dict[str, str], local: bool) -> None:
    assert daemon_is_local(environ) is local


def test_connect_without_a_daemon_says_where_it_looked_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    with pytest.raises(EngineUnavailable) as caught:
        DockerEngine.connect()
    message = str(caught.value)
    assert f"DOCKER_HOST=unix://{tmp_path}/no-such.sock" in message
    assert "apt-get install -y docker.io" in message
    assert "dockerd" in message and "--engine host" in message


def test_the_engine_delegates_to_images_and_containers(tmp_path: Path) -> None:
    client = FakeClient()
    engine = DockerEngine(client, ca_bundle=None)
    assert (engine.name, engine.containerized, engine.ca_bundle) == ("docker", True, None)
    toolchain = CATALOG.toolchains["python"]
    client.api.images.add(toolchain.base_image)
    digest = engine.toolchain_digest(toolchain, ROOT)
    tag = engine.prepare(toolchain, ROOT)
    assert tag == f"pipeline-python:{digest[:12]}"

    (tmp_path / "a.py").write_text("")
    client.api.archives["/src/build/reports/lint"] = tar_of(
        {"lint/result.json": result_json("lint", "passed")}
    )
    ctx = StageContext(tmp_path, CATALOG, tag)
    result = engine.run_stage(CATALOG.stages["lint"], ctx)
    assert result.status is Status.PASSED
    ((_, kwargs),) = client.api.called("create_container")
    assert kwargs["host_config"]["network_mode"] == "none", "lint declares no network"
    engine.close()
    assert client.closed

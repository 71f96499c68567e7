"""docker-py errors become the docker engine's own errors, with a next step for the user."""

from __future__ import annotations

import pytest

from pipeline.engines.base import EngineError, EngineUnavailable
from pipeline.engines.docker.errors import (
    ContainerError,
    DockerUnavailable,
    ImageBuildError,
    container_error,
    describe,
    image_error,
)
from tests.unit.ci.engines.fake_docker import api_error


def test_describe_prefers_the_daemon_explanation_and_status() -> None:
    assert describe(api_error(404, "No such container: abc\nmore")) == (
        "No such container: abc (HTTP 404)"
    )
    assert describe(ConnectionError("Connection aborted")) == "Connection aborted"
    assert describe(RuntimeError()) == "RuntimeError"


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (api_error(404, "No such container"), "rerun the stage"),
        (api_error(409, "Conflict. The container name is already in use"), "docker rm -f"),
        (api_error(500, "write /var/lib/docker: no space left on device"), "docker system prune"),
        (api_error(500, "driver failed"), "daemon's log"),
        (api_error(499, "odd"), "rerun with"),
        (ConnectionError("Connection refused"), "apt-get install -y docker.io"),
    ],
    ids=["404", "409", "disk", "500", "other-4xx", "connection"],
)
def test_container_errors_name_what_failed_and_what_to_do(error: Exception, hint: str) -> None:
    converted = container_error(error, "starting pipeline-lint-1")
    assert isinstance(converted, ContainerError)
    assert str(converted).startswith("docker engine: starting pipeline-lint-1 failed: ")
    assert hint in str(converted)


def test_image_errors_are_build_errors_and_all_are_engine_errors() -> None:
    converted = image_error(api_error(500, "boom"), "building pipeline-python:abc")
    assert isinstance(converted, ImageBuildError)
    assert isinstance(converted, EngineError)
    assert issubclass(DockerUnavailable, EngineUnavailable)

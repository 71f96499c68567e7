from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pipeline.engines.docker import base_image
from pipeline.release import app_image, local_app
from pipeline.release.errors import AppServingError
from pipeline.release.local_state import read_app

DIGEST_OF_ZIP = hashlib.sha256(b"zip").hexdigest()


class FakeRunner:
    name = "host"

    def __init__(self, alive: bool = True) -> None:
        self.started: list[tuple[str, int, Mapping[str, str]]] = []
        self._alive = alive

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        self.started.append((env, port, environ))
        return "42"

    def alive(self, handle: str) -> bool:
        return self._alive

    def stop(self, handle: str) -> bool:
        return True

    def logs(self, handle: str) -> str:
        return "Traceback: boom"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    return tmp_path


def deployed(digest: str) -> Any:
    return lambda url, region, function: {"EI_ARTIFACT_DIGEST": digest, "EI_ENV": "dev"}


def test_serve_starts_the_app_and_records_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_app, "function_environment", deployed(DIGEST_OF_ZIP))
    monkeypatch.setattr(local_app, "wait_until_answering", lambda url, alive: None)
    runner = FakeRunner()
    served = local_app.serve(repo, "dev", runner, "http://127.0.0.1:5", port=8111, caller_env={})
    assert (served.url, served.digest, served.handle) == (
        "http://127.0.0.1:8111",
        DIGEST_OF_ZIP,
        "42",
    )
    assert read_app(repo, "dev") == served
    ((env, port, environ),) = runner.started
    assert (env, port) == ("dev", 8111)
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5"
    assert environ["AWS_REGION"] == "eu-west-1"


def test_serve_refuses_a_build_that_is_not_deployed(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_app, "function_environment", deployed("f" * 64))
    with pytest.raises(AppServingError, match="deploy this build"):
        local_app.serve(repo, "dev", FakeRunner(), "http://127.0.0.1:5", caller_env={})


def test_serve_shows_the_output_of_an_app_that_died(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_app, "function_environment", deployed(DIGEST_OF_ZIP))
    with pytest.raises(AppServingError, match="Traceback: boom"):
        local_app.serve(repo, "dev", FakeRunner(alive=False), "http://127.0.0.1:5", caller_env={})


@pytest.mark.emulator
def test_function_environment_of_a_missing_function(moto_endpoint: str) -> None:
    with pytest.raises(AppServingError, match="deploy the environment first"):
        local_app.function_environment(moto_endpoint, "eu-west-1", "no-such-function")


class FakeApi:
    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self.chunks = chunks
        self.built: list[dict[str, Any]] = []

    def build(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.built.append(kwargs)
        return self.chunks


class FakeDocker:
    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self.api = FakeApi(chunks)


@pytest.fixture
def lock_repo(repo: Path) -> Path:
    (repo / "uv.lock").write_text('[[package]]\nname = "uvicorn"\nversion = "0.54.0"\n')
    return repo


def test_app_image_is_reused_when_present(lock_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_image, "image_exists", lambda client, ref: True)
    client = FakeDocker([])
    bundle = lock_repo / "build/artifacts/lambda.zip"
    tag = app_image.ensure_app_image(client, lock_repo, bundle, "a" * 64, print)
    assert tag == "energy-insights-app:aaaaaaaaaaaa"
    assert client.api.built == []


@pytest.mark.parametrize(
    ("chunks", "error"),
    [([{"stream": "Step 1/2\n"}], None), ([{"error": "pip failed"}], "pip failed")],
)
def test_app_image_build(
    lock_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunks: list[dict[str, Any]],
    error: str | None,
) -> None:
    monkeypatch.setattr(base_image, "image_exists", lambda client, ref: False)
    monkeypatch.setattr(base_image, "ensure_base_image", lambda client, toolchain: "base:1")
    client = FakeDocker(chunks)
    bundle = lock_repo / "build/artifacts/lambda.zip"
    if error is None:
        app_image.ensure_app_image(client, lock_repo, bundle, "a" * 64, print)
        (built,) = client.api.built
        assert built["tag"] == "energy-insights-app:aaaaaaaaaaaa"
        assert built["labels"] == {"energy-insights.digest": "a" * 64}
    else:
        with pytest.raises(AppServingError, match=error):
            app_image.ensure_app_image(client, lock_repo, bundle, "a" * 64, print)

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from infra.targets.local_apps import AppServingError
from pipeline.engines.docker import base_image
from pipeline.engines.docker.ca_bundle import CaBundle
from pipeline.release import app_image
from pipeline.release.app_image import (
    build_context,
    dockerfile,
    image_tag,
    server_argv,
    server_pins,
)

LOCK = """
version = 1

[[package]]
name = "uvicorn"
version = "0.54.0"
dependencies = [
    { name = "click" },
    { name = "h11" },
    { name = "typing-extensions", marker = "python_full_version < '3.11'" },
]

[[package]]
name = "click"
version = "8.5.1"
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]

[[package]]
name = "h11"
version = "0.16.0"
"""
DIGEST = "ab" * 32


def test_image_is_named_by_the_digest() -> None:
    assert image_tag(DIGEST) == "energy-insights-app:abababababab"


def test_server_pins_follow_unconditional_dependencies() -> None:
    assert server_pins(LOCK) == ("click==8.5.1", "h11==0.16.0", "uvicorn==0.54.0")


def test_server_pins_from_the_real_lock() -> None:
    pins = server_pins((Path(__file__).parents[4] / "uv.lock").read_text())
    assert any(pin.startswith("uvicorn==") for pin in pins)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [[[", "uv.lock cannot be read"),
        ('[[package]]\nname = "x"\nversion = "1"\n', "uv.lock has no 'uvicorn'"),
    ],
)
def test_server_pins_errors(text: str, message: str) -> None:
    with pytest.raises(AppServingError, match=message):
        server_pins(text)


@pytest.mark.parametrize("with_ca", [True, False])
def test_dockerfile(with_ca: bool) -> None:
    text = dockerfile(
        "pipeline-base:bookworm-py3.11", ("uvicorn==0.54.0",), DIGEST, with_ca=with_ca
    )
    lines = text.splitlines()
    assert lines[0] == "FROM pipeline-base:bookworm-py3.11"
    assert ("COPY ca-bundle.crt /etc/pipeline/ca-bundle.crt" in lines) is with_ca
    assert "pip install --quiet --no-deps uvicorn==0.54.0" in text
    assert "python3 -m zipfile -e /tmp/lambda.zip /var/task" in text
    assert "ENV PYTHONPATH=/var/task" in text
    assert f"LABEL energy-insights.digest={DIGEST}" in lines


def test_server_runs_the_app_factory_on_the_loopback() -> None:
    argv = server_argv()
    assert argv[:2] == ("/bin/sh", "-c")
    assert "app.main:create_app --factory --host 127.0.0.1" in argv[2]
    assert '--port "$PORT"' in argv[2]


@pytest.mark.parametrize("with_ca", [True, False])
def test_build_context_holds_dockerfile_bundle_and_ca(with_ca: bool) -> None:
    ca = CaBundle(Path("/x.crt"), b"CERT") if with_ca else None
    data = build_context("FROM x\n", b"ZIP", ca)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        bundle = tar.extractfile("lambda.zip")
        assert bundle is not None and bundle.read() == b"ZIP"
    assert names == ["Dockerfile", "lambda.zip", *(["ca-bundle.crt"] if with_ca else [])]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    return tmp_path


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

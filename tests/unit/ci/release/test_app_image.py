from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pipeline.engines.docker.ca_bundle import CaBundle
from pipeline.release.app_image import (
    build_context,
    dockerfile,
    image_tag,
    server_argv,
    server_pins,
)
from pipeline.release.errors import AppServingError

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

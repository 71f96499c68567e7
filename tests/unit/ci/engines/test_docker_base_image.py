"""Which base a toolchain image starts FROM: local, pulled, reused fallback, or mmdebstrap."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.catalog import Toolchain
from pipeline.engines.docker import base_image
from pipeline.engines.docker.base_image import ensure_base_image, fallback_tag, mmdebstrap_argv
from pipeline.engines.docker.errors import BaseImageError, ImageBuildError
from tests.unit.ci.engines.fake_docker import FakeClient, api_error

TOOLCHAIN = Toolchain("python", "python:3.11-slim-bookworm", ".", ("uv.lock",))
FALLBACK = "pipeline-base:bookworm-py3.11"


def offline_client() -> FakeClient:
    client = FakeClient()
    client.api.fail["pull"] = api_error(500, 'Get "https://registry-1.docker.io/v2/": no such host')
    return client


def test_fallback_tag_and_mmdebstrap_argv() -> None:
    assert fallback_tag("3.11") == FALLBACK
    argv = mmdebstrap_argv(Path("/tmp/x.tar"))
    assert argv[:2] == ["mmdebstrap", "--variant=apt"]
    assert "--include=python3,python3-venv,python3-pip,ca-certificates,git" in argv
    assert argv[-2:] == ["bookworm", "/tmp/x.tar"]


def test_a_local_base_is_used_without_pulling() -> None:
    client = FakeClient()
    client.api.images.add(TOOLCHAIN.base_image)
    assert ensure_base_image(client, TOOLCHAIN) == TOOLCHAIN.base_image
    assert not client.api.called("pull")


def test_a_pullable_base_is_pulled() -> None:
    client = FakeClient()
    logged: list[str] = []
    assert ensure_base_image(client, TOOLCHAIN, logged.append) == TOOLCHAIN.base_image
    assert client.api.called("pull") == [(("python",), {"tag": "3.11-slim-bookworm"})]
    assert logged == ["base image: python:3.11-slim-bookworm (pulled)"]


def test_an_existing_fallback_is_reused_and_the_log_says_why() -> None:
    client = offline_client()
    client.api.images.add(FALLBACK)
    logged: list[str] = []
    assert ensure_base_image(client, TOOLCHAIN, logged.append) == FALLBACK
    assert "reused" in logged[0] and "no such host" in logged[0]


def test_without_registry_mmdebstrap_builds_and_imports_the_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append(argv)
        Path(argv[-1]).write_bytes(b"rootfs")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(base_image.shutil, "which", lambda name: "/usr/bin/mmdebstrap")
    monkeypatch.setattr(base_image.subprocess, "run", fake_run)
    client = offline_client()
    logged: list[str] = []
    assert ensure_base_image(client, TOOLCHAIN, logged.append) == FALLBACK
    assert ran and ran[0][0] == "mmdebstrap"
    ((args, kwargs),) = client.api.called("import_image")
    assert args[0].endswith("rootfs.tar")
    assert (kwargs["repository"], kwargs["tag"]) == ("pipeline-base", "bookworm-py3.11")
    assert "ENV LANG=C.UTF-8" in kwargs["changes"]
    assert any("mmdebstrap" in line for line in logged)


def test_missing_mmdebstrap_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_image.shutil, "which", lambda name: None)
    with pytest.raises(BaseImageError, match="apt-get install -y mmdebstrap"):
        ensure_base_image(offline_client(), TOOLCHAIN)


def test_a_failing_mmdebstrap_shows_its_last_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_image.shutil, "which", lambda name: "/usr/bin/mmdebstrap")
    monkeypatch.setattr(
        base_image.subprocess,
        "run",
        lambda argv, **kw: subprocess.CompletedProcess(argv, 1, "", "E: cannot reach mirror\n"),
    )
    with pytest.raises(BaseImageError, match=r"(?s)exit code 1.*cannot reach mirror"):
        ensure_base_image(offline_client(), TOOLCHAIN)


def test_a_hanging_mmdebstrap_times_out_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(argv: list[str], **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(argv, 1)

    monkeypatch.setattr(base_image.shutil, "which", lambda name: "/usr/bin/mmdebstrap")
    monkeypatch.setattr(base_image.subprocess, "run", hang)
    with pytest.raises(BaseImageError, match=r"deb\.debian\.org"):
        ensure_base_image(offline_client(), TOOLCHAIN)


def test_another_python_cannot_come_from_debian_bookworm() -> None:
    toolchain = dataclasses.replace(TOOLCHAIN, python="3.12")
    with pytest.raises(BaseImageError, match=r"only ships Python 3\.11"):
        ensure_base_image(offline_client(), toolchain)


def test_an_unexpected_inspect_error_is_converted() -> None:
    client = FakeClient()
    client.api.fail["inspect_image"] = api_error(500, "daemon hiccup")
    with pytest.raises(ImageBuildError, match="inspecting image"):
        ensure_base_image(client, TOOLCHAIN)

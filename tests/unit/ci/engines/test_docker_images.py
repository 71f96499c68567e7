"""ensure_toolchain_image against a fake docker-py: build once per digest, then a fast cache hit."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pipeline.catalog import Toolchain
from pipeline.engines.docker.ca_bundle import CaBundle
from pipeline.engines.docker.errors import ImageBuildError
from pipeline.engines.docker.images import BuildLines, digest_for, ensure_toolchain_image
from tests.unit.ci.engines.fake_docker import FakeClient, api_error

TOOLCHAIN = Toolchain(
    name="python",
    base_image="python:3.11-slim-bookworm",
    project=".",
    lock_files=("pyproject.toml", "uv.lock"),
    groups=("dev",),
)
BUNDLE = CaBundle(Path("/ca.crt"), b"pem")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "uv.lock").write_text("version = 1\n")
    return tmp_path


def client_with_base() -> FakeClient:
    client = FakeClient()
    client.api.images.add(TOOLCHAIN.base_image)
    return client


def test_first_call_builds_from_lock_files_and_ca_then_second_is_a_cache_hit(repo: Path) -> None:
    client = client_with_base()
    client.api.build_chunks = [{"stream": "Step 1/9 : FROM x\n"}, {"stream": "done\n"}]
    logged: list[str] = []
    tag = ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=BUNDLE, log=logged.append)
    assert tag == f"pipeline-python:{digest_for(TOOLCHAIN, repo, BUNDLE)[:12]}"
    ((_, kwargs),) = client.api.called("build")
    assert kwargs["tag"] == tag and kwargs["pull"] is False
    assert kwargs["labels"]["pipeline.toolchain"] == "python"
    with tarfile.open(fileobj=kwargs["fileobj"]) as tar:
        assert sorted(tar.getnames()) == [
            "Dockerfile",
            "ca-bundle.crt",
            "project/pyproject.toml",
            "project/uv.lock",
        ]
        dockerfile = tar.extractfile("Dockerfile")
        assert dockerfile is not None
        assert dockerfile.read().decode().startswith(f"FROM {TOOLCHAIN.base_image}\n")
    assert "Step 1/9 : FROM x" in logged
    assert any("present locally" in line for line in logged)

    before = len(client.api.calls)
    assert ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=BUNDLE) == tag
    assert [name for name, _, _ in client.api.calls[before:]] == ["inspect_image"], (
        "a present image costs one lookup: no pull, no build"
    )
    assert len(client.api.called("build")) == 1


def test_source_changes_do_not_change_the_tag_but_lock_changes_do(repo: Path) -> None:
    client = client_with_base()
    first = ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None)
    (repo / "app.py").write_text("print('new source')\n")
    assert ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None) == first
    (repo / "uv.lock").write_text("version = 2\n")
    assert ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None) != first
    assert len(client.api.called("build")) == 2


def test_a_build_error_names_the_image_and_shows_the_log_tail(repo: Path) -> None:
    client = client_with_base()
    client.api.build_chunks = [
        {"stream": "\x1b[91merror: Failed to fetch\x1b[0m\n"},
        {"error": "The command returned a non-zero code: 2", "errorDetail": {"message": "exit 2"}},
    ]
    with pytest.raises(
        ImageBuildError, match=r"building pipeline-python:\w{12} failed: exit 2"
    ) as e:
        ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None)
    assert "error: Failed to fetch" in str(e.value) and "\x1b" not in str(e.value)


def test_a_daemon_error_during_build_is_converted(repo: Path) -> None:
    client = client_with_base()
    client.api.fail["build"] = api_error(500, "no space left on device")
    with pytest.raises(ImageBuildError, match="docker system prune"):
        ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None)


def test_build_lines_reassemble_split_and_coloured_chunks() -> None:
    seen: list[str] = []
    lines = BuildLines(seen.append)
    for text in ["\x1b[91mDown", "loading\x1b[0m x\n\n", "tail without newline"]:
        lines.feed(text)
    lines.flush()
    assert seen == ["Downloading x", "tail without newline"]
    assert lines.tail() == "Downloading x\ntail without newline"


def test_build_context_is_deterministic(repo: Path) -> None:
    from pipeline.engines.docker.images import build_context
    from pipeline.engines.docker.recipe import read_lock_files

    locks = read_lock_files(TOOLCHAIN, repo)
    assert build_context("FROM x\n", locks, BUNDLE) == build_context("FROM x\n", locks, BUNDLE)
    with tarfile.open(fileobj=io.BytesIO(build_context("FROM x\n", locks, None))) as tar:
        assert "ca-bundle.crt" not in tar.getnames()


def test_without_a_sink_only_the_summary_reaches_stderr(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = client_with_base()
    client.api.build_chunks = [{"stream": "Step 1/9 : FROM x\n"}]
    ensure_toolchain_image(client, TOOLCHAIN, repo, ca_bundle=None)
    err = capsys.readouterr().err
    assert "docker engine: base image: python:3.11-slim-bookworm (present locally)" in err
    assert "docker engine: building toolchain image pipeline-python:" in err
    assert "Step 1/9" not in err

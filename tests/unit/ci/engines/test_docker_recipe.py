"""The toolchain image recipe: digest stability, what changes it, the Dockerfile, lock files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.catalog import UV_VERSION, Toolchain
from pipeline.engines.docker.ca_bundle import CaBundle
from pipeline.engines.docker.errors import LockFileMissing
from pipeline.engines.docker.recipe import (
    LockFile,
    dockerfile,
    image_tag,
    read_lock_files,
    toolchain_digest,
)

TOOLCHAIN = Toolchain(
    name="python",
    base_image="python:3.11-slim-bookworm",
    project=".",
    lock_files=("pyproject.toml", "uv.lock"),
    groups=("dev",),
)
LOCKS = (
    LockFile("pyproject.toml", "pyproject.toml", b"[project]\n"),
    LockFile("uv.lock", "uv.lock", b"version = 1\n"),
)
BUNDLE = CaBundle(Path("/etc/ssl/certs/ca-certificates.crt"), b"-----BEGIN CERT-----\n")


def test_digest_is_stable_and_independent_of_lock_file_order() -> None:
    first = toolchain_digest(TOOLCHAIN, LOCKS, BUNDLE)
    assert first == toolchain_digest(TOOLCHAIN, LOCKS, BUNDLE)
    assert first == toolchain_digest(TOOLCHAIN, tuple(reversed(LOCKS)), BUNDLE)
    assert len(first) == 64


@pytest.mark.parametrize(
    ("toolchain", "locks", "bundle"),
    [
        (TOOLCHAIN, (LOCKS[0], dataclasses.replace(LOCKS[1], content=b"version = 2\n")), BUNDLE),
        (TOOLCHAIN, (LOCKS[0], dataclasses.replace(LOCKS[1], path="other.lock")), BUNDLE),
        (dataclasses.replace(TOOLCHAIN, groups=("dev", "local")), LOCKS, BUNDLE),
        (dataclasses.replace(TOOLCHAIN, apt_packages=("git",)), LOCKS, BUNDLE),
        (dataclasses.replace(TOOLCHAIN, python="3.12"), LOCKS, BUNDLE),
        (dataclasses.replace(TOOLCHAIN, base_image="python:3.11-bookworm"), LOCKS, BUNDLE),
        (dataclasses.replace(TOOLCHAIN, project="ci/other"), LOCKS, BUNDLE),
        (TOOLCHAIN, LOCKS, None),
        (TOOLCHAIN, LOCKS, CaBundle(BUNDLE.path, b"another proxy CA\n")),
    ],
    ids=["lock-content", "lock-name", "groups", "apt", "python", "base", "project", "no-ca", "ca"],
)
def test_digest_changes_with_every_input(
    toolchain: Toolchain, locks: tuple[LockFile, ...], bundle: CaBundle | None
) -> None:
    assert toolchain_digest(toolchain, locks, bundle) != toolchain_digest(TOOLCHAIN, LOCKS, BUNDLE)


def test_digest_ignores_where_the_ca_bundle_lives_and_apt_package_order() -> None:
    moved = CaBundle(Path("/elsewhere.crt"), BUNDLE.content)
    assert toolchain_digest(TOOLCHAIN, LOCKS, moved) == toolchain_digest(TOOLCHAIN, LOCKS, BUNDLE)
    a = dataclasses.replace(TOOLCHAIN, apt_packages=("git", "curl"))
    b = dataclasses.replace(TOOLCHAIN, apt_packages=("curl", "git"))
    assert toolchain_digest(a, LOCKS, None) == toolchain_digest(b, LOCKS, None)


def test_image_tag_names_the_toolchain_and_twelve_digest_characters() -> None:
    assert image_tag(TOOLCHAIN, "0123456789abcdef" * 4) == "pipeline-python:0123456789ab"


def test_dockerfile_syncs_the_lock_only_into_the_venv_with_pinned_uv() -> None:
    text = dockerfile(TOOLCHAIN, "pipeline-base:bookworm-py3.11", with_ca=True)
    assert text.startswith("FROM pipeline-base:bookworm-py3.11\n")
    assert f"uv=={UV_VERSION}" in text
    assert "uv sync --frozen --no-install-project --no-default-groups --group dev" in text
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in text
    assert "--python python3.11" in text
    assert "COPY ca-bundle.crt /etc/pipeline/ca-bundle.crt" in text
    assert "SSL_CERT_FILE=/etc/pipeline/ca-bundle.crt" in text
    assert "apt-get" not in text
    assert "PATH=/opt/venv/bin:" in text


def test_dockerfile_without_ca_and_with_apt_packages() -> None:
    text = dockerfile(dataclasses.replace(TOOLCHAIN, apt_packages=("git",)), "b", with_ca=False)
    assert "ca-bundle" not in text and "SSL_CERT_FILE" not in text
    assert "for p in git; do dpkg -s" in text and "apt-get update" in text


def test_read_lock_files_maps_paths_into_the_project(tmp_path: Path) -> None:
    project = tmp_path / "ci" / "tc"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\n")
    (project / "uv.lock").write_text("version = 1\n")
    toolchain = dataclasses.replace(
        TOOLCHAIN, project="ci/tc", lock_files=("ci/tc/pyproject.toml", "ci/tc/uv.lock")
    )
    locks = read_lock_files(toolchain, tmp_path)
    assert [(lock.path, lock.in_project) for lock in locks] == [
        ("ci/tc/pyproject.toml", "pyproject.toml"),
        ("ci/tc/uv.lock", "uv.lock"),
    ]
    assert locks[1].content == b"version = 1\n"


def test_a_missing_lock_file_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    with pytest.raises(LockFileMissing, match=r"'uv.lock' does not exist.*uv lock"):
        read_lock_files(TOOLCHAIN, tmp_path)


def test_a_lock_file_outside_the_project_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("")
    toolchain = dataclasses.replace(TOOLCHAIN, project="ci/tc", lock_files=("uv.lock",))
    with pytest.raises(LockFileMissing, match="outside its project folder"):
        read_lock_files(toolchain, tmp_path)

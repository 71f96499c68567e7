"""Finding and checking the artifact on this machine, before anything touches AWS."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra.deploy.artifact_store import check_digest, resolve_local
from infra.deploy.errors import DeployUsageError, DigestMismatch


@pytest.fixture
def zip_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "bundle.zip"
    path.write_bytes(b"PK fake zip")
    return path, hashlib.sha256(b"PK fake zip").hexdigest()


def test_file_alone_is_deployed_by_its_own_digest(
    zip_file: tuple[Path, str], tmp_path: Path
) -> None:
    path, digest = zip_file
    assert resolve_local(path, None, tmp_path).digest == digest


def test_file_and_matching_digest(zip_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = zip_file
    assert resolve_local(path, digest, tmp_path).path == path


def test_digest_mismatch_names_both_digests(zip_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = zip_file
    with pytest.raises(DigestMismatch) as caught:
        resolve_local(path, "0" * 64, tmp_path)
    assert digest in str(caught.value)
    assert "0" * 64 in str(caught.value)
    assert caught.value.exit_code == 2


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(DeployUsageError, match="does not exist"):
        resolve_local(tmp_path / "nope.zip", None, tmp_path)


def test_neither_file_nor_digest_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(DeployUsageError, match="--artifact PATH and/or --digest"):
        resolve_local(None, None, tmp_path)


def test_digest_alone_is_found_in_the_build_dir(zip_file: tuple[Path, str], tmp_path: Path) -> None:
    path, digest = zip_file
    assert resolve_local(None, digest, tmp_path).path == path
    assert resolve_local(None, "f" * 64, tmp_path).path is None
    assert resolve_local(None, digest, tmp_path / "absent").path is None


@pytest.mark.parametrize("bad", ["", "abc", "A" * 64, "g" * 64, "a" * 63, "a" * 65])
def test_check_digest_refuses_non_sha256(bad: str) -> None:
    with pytest.raises(DeployUsageError, match="not a sha256 digest"):
        check_digest(bad)


def test_check_digest_accepts_sha256() -> None:
    assert check_digest("a" * 64) == "a" * 64

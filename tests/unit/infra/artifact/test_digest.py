from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra.artifact.digest import ArtifactMissing, sha256_of, single_artifact
from infra.errors import EXIT_USAGE


@pytest.mark.parametrize(("zips", "ok"), [(0, False), (1, True), (2, False)])
def test_single_artifact(tmp_path: Path, zips: int, ok: bool) -> None:
    folder = tmp_path / "build" / "artifacts"
    folder.mkdir(parents=True)
    for i in range(zips):
        (folder / f"lambda{i}.zip").write_bytes(b"zip")
    if ok:
        assert single_artifact(tmp_path).name == "lambda0.zip"
    else:
        with pytest.raises(ArtifactMissing, match="run `pipeline build`") as caught:
            single_artifact(tmp_path)
        assert caught.value.exit_code == EXIT_USAGE


def test_sha256_of(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(b"x" * 3_000_000)
    assert sha256_of(path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()

"""Where a promotion finds its artifact by digest: own bucket, another environment's bucket
(fetched and checked), a local build folder; never a rebuild."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from infra.deploy.errors import ArtifactNotFound
from infra.rollout.binding.stack import ArtifactPlaces, find_artifact, local_artifact
from infra.templates.contract import artifact_key

DATA = b"the bundle"
DIGEST = hashlib.sha256(DATA).hexdigest()


class FakeBuckets:
    def __init__(self, objects: dict[str, dict[str, bytes]]) -> None:
        self.objects = objects

    def exists(self, bucket: str) -> bool:
        return bucket in self.objects

    def has_object(self, bucket: str, key: str) -> bool:
        return key in self.objects.get(bucket, {})

    def get(self, bucket: str, key: str) -> bytes:
        return self.objects[bucket][key]


def places(tmp_path: Path) -> ArtifactPlaces:
    return ArtifactPlaces("prod-art", ("staging-art",), (tmp_path / "build",), tmp_path / "got")


def find(buckets: FakeBuckets, tmp_path: Path) -> Any:
    return find_artifact(buckets, places(tmp_path), DIGEST)  # type: ignore[arg-type]


def test_already_in_the_own_bucket_needs_no_file(tmp_path: Path) -> None:
    found = find(FakeBuckets({"prod-art": {artifact_key(DIGEST): DATA}}), tmp_path)
    assert (found.digest, found.path) == (DIGEST, None)


def test_fetched_from_the_previous_environment_by_digest(tmp_path: Path) -> None:
    found = find(FakeBuckets({"staging-art": {artifact_key(DIGEST): DATA}}), tmp_path)
    assert found.path == tmp_path / "got" / f"{DIGEST}.zip"
    assert found.path.read_bytes() == DATA


def test_a_local_build_of_that_digest(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "other.zip").write_bytes(b"another build")
    (tmp_path / "build" / "bundle.zip").write_bytes(DATA)
    assert find(FakeBuckets({}), tmp_path).path == tmp_path / "build" / "bundle.zip"
    assert local_artifact(tmp_path / "missing", DIGEST) is None


def test_not_found_names_every_place_looked(tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFound) as caught:
        find(FakeBuckets({"prod-art": {}}), tmp_path)
    said = str(caught.value)
    for place in (f"s3://prod-art/{artifact_key(DIGEST)}", "s3://staging-art/", "build"):
        assert place in said

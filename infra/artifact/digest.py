"""The release digest: a bundle's sha256, and the one bundle a build left in its folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from infra.errors import UsageError

ARTIFACTS_DIR = Path("build/artifacts")


class ArtifactMissing(UsageError):
    """The build folder holds no Lambda zip, or more than one."""


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file (the digest that moves dev -> staging -> prod)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def single_artifact(repo: Path, folder: Path = ARTIFACTS_DIR) -> Path:
    """The one Lambda zip the build stage wrote; ArtifactMissing when there are 0 or many."""
    found = sorted((repo / folder).glob("*.zip"))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise ArtifactMissing(
            f"{folder} holds {what} Lambda zip(s): run `pipeline build` to build exactly one"
        )
    return found[0]

"""The Lambda artifact by digest: find it (local file or already uploaded), check its sha256,
and upload it to the environment's artifact bucket under the contract's key."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from infra.aws import AwsClients, aws_call
from infra.aws.errors import AwsCallFailed
from infra.deploy.errors import ArtifactNotFound, DeployUsageError, DigestMismatch
from infra.templates.contract import DIGEST_PATTERN, artifact_key

DEFAULT_BUILD_DIR = Path("build/artifacts")
_DIGEST = re.compile(DIGEST_PATTERN)
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class Artifact:
    """A digest and, when it is on this machine, the file holding it."""

    digest: str
    path: Path | None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_digest(digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise DeployUsageError(
            f"--digest {digest!r} is not a sha256 digest: expected 64 lowercase hex characters"
        )
    return digest


def resolve_local(path: Path | None, digest: str | None, build_dir: Path) -> Artifact:
    """The artifact named on the command line, checked; searched in `build_dir` by digest."""
    if digest is not None:
        check_digest(digest)
    if path is not None:
        if not path.is_file():
            raise DeployUsageError(
                f"--artifact {path} does not exist; build it with `python -m infra build`"
            )
        actual = sha256_of(path)
        if digest is not None and actual != digest:
            raise DigestMismatch(str(path), digest, actual)
        return Artifact(actual, path)
    if digest is None:
        raise DeployUsageError("name the artifact: --artifact PATH and/or --digest SHA256")
    for candidate in sorted(build_dir.glob("*.zip")) if build_dir.is_dir() else []:
        if sha256_of(candidate) == digest:
            return Artifact(digest, candidate)
    return Artifact(digest, None)


class ArtifactBucket:
    """The artifact bucket of one environment."""

    def __init__(self, clients: AwsClients, bucket: str) -> None:
        self._clients = clients
        self.bucket = bucket

    def location(self, digest: str) -> str:
        return f"s3://{self.bucket}/{artifact_key(digest)}"

    def has(self, digest: str) -> bool:
        try:
            with aws_call("s3 HeadObject (artifact)", self._clients.endpoint):
                self._clients.s3.head_object(Bucket=self.bucket, Key=artifact_key(digest))
        except AwsCallFailed as exc:
            if exc.code in _MISSING or exc.code == "NoSuchBucket":
                return False
            raise
        return True

    def ensure_uploaded(self, artifact: Artifact, build_dir: Path) -> bool:
        """Upload unless the digest is already there (keys are content addressed).

        Returns True when it uploaded. Raises ArtifactNotFound naming every place it looked.
        """
        if self.has(artifact.digest):
            return False
        if artifact.path is None:
            raise ArtifactNotFound(
                artifact.digest, (f"{build_dir}/*.zip", self.location(artifact.digest))
            )
        with aws_call("s3 PutObject (artifact)", self._clients.endpoint):
            self._clients.s3.put_object(
                Bucket=self.bucket,
                Key=artifact_key(artifact.digest),
                Body=artifact.path.read_bytes(),
                ContentType="application/zip",
                Metadata={"sha256": artifact.digest},
            )
        return True

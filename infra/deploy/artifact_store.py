"""The Lambda artifact by digest: find it (local file or already uploaded), check its sha256,
and upload it to the environment's artifact bucket under the contract's key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from infra.artifact.digest import ARTIFACTS_DIR, sha256_of
from infra.aws.s3 import BucketNotOurs, Buckets, BucketState
from infra.config.deploy import partition_of
from infra.deploy.bucket_policy import BucketFix, tls_only_policy
from infra.deploy.errors import DeployError, DeployUsageError, DigestMismatch
from infra.templates.contract import DIGEST_PATTERN, artifact_key, template_key

DEFAULT_BUILD_DIR = ARTIFACTS_DIR
_DIGEST = re.compile(DIGEST_PATTERN)


@dataclass(frozen=True)
class Artifact:
    """A digest and, when it is on this machine, the file holding it."""

    digest: str
    path: Path | None


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
                f"--artifact {path} does not exist; build it with `pipeline build`"
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
    """The artifact bucket of one environment: Lambda zips under content-addressed keys."""

    def __init__(self, buckets: Buckets, bucket: str, account_id: str | None = None) -> None:
        self._buckets = buckets
        self.bucket = bucket
        self._account_id = account_id

    def location(self, digest: str) -> str:
        return f"s3://{self.bucket}/{artifact_key(digest)}"

    def exists(self) -> bool:
        """True when it exists; a bucket of that name that is not this account's is refused:
        the deployer never uploads code to a bucket it does not own."""
        try:
            return self._buckets.exists(self.bucket, self._account_id)
        except BucketNotOurs as exc:
            raise DeployError(
                f"artifact bucket {exc}: give the deploy role s3:ListBucket on it, or pick "
                "another name_prefix if the name is taken"
            ) from None

    def security(self) -> BucketState:
        return self._buckets.security(self.bucket)

    def has(self, digest: str) -> bool:
        return self._buckets.has_object(self.bucket, artifact_key(digest))

    def create(self) -> None:
        self._buckets.create(self.bucket)

    def fix(self, fix: BucketFix, partition: str) -> None:
        """Bring the bucket one step closer to the reports bucket's policy."""
        if fix is BucketFix.BLOCK_PUBLIC_ACCESS:
            self._buckets.block_public_access(self.bucket)
        elif fix is BucketFix.ENABLE_VERSIONING:
            self._buckets.enable_versioning(self.bucket)
        elif fix is BucketFix.ENCRYPT:
            self._buckets.encrypt_by_default(self.bucket)
        elif fix is BucketFix.ENFORCE_OWNERSHIP:
            self._buckets.enforce_owner(self.bucket)
        else:
            current = self._buckets.security(self.bucket).policy
            self._buckets.put_policy(self.bucket, tls_only_policy(self.bucket, partition, current))

    def upload(self, artifact: Artifact) -> None:
        """Upload the zip under its digest's key (the plan decided it is not there yet)."""
        if artifact.path is None:
            raise DeployUsageError(f"artifact {artifact.digest} has no local file to upload")
        self._buckets.put(
            self.bucket,
            artifact_key(artifact.digest),
            artifact.path.read_bytes(),
            "application/zip",
            {"sha256": artifact.digest},
        )

    def has_template(self, digest: str) -> bool:
        return self._buckets.has_object(self.bucket, template_key(digest))

    def template_location(self, digest: str) -> str:
        return f"s3://{self.bucket}/{template_key(digest)}"

    def template_url(self, digest: str, region: str) -> str:
        """The HTTPS URL CloudFormation reads a TemplateURL from (the bucket's region)."""
        suffix = "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
        return f"https://{self.bucket}.s3.{region}.{suffix}/{template_key(digest)}"

    def upload_template(self, digest: str, body: str) -> None:
        self._buckets.put(
            self.bucket,
            template_key(digest),
            body.encode(),
            "application/json",
            {"sha256": digest},
        )

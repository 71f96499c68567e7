"""S3 buckets and objects: the artifact bucket the deployer uploads Lambda zips to, and the
buckets verification checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed, AwsError

MISSING = frozenset({"404", "NoSuchBucket", "NoSuchKey", "NotFound"})
NOT_OURS = frozenset({"403", "AccessDenied"})
ALREADY_OURS = frozenset({"BucketAlreadyOwnedByYou"})
BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class BucketNotOurs(AwsError):
    """The bucket exists but is another account's (or denies us ListBucket)."""


@dataclass(frozen=True)
class BucketState:
    """A bucket's security settings, as read from S3."""

    public_access_blocked: bool  # all four block-public-access flags on
    versioning: str  # "Enabled", "Suspended" or "" (never enabled)
    encrypted: bool  # a default encryption rule (SSE-S3 or SSE-KMS)
    ownership_enforced: bool  # ObjectOwnership = BucketOwnerEnforced
    policy: Mapping[str, Any] | None


class Buckets:
    """The S3 calls of the release side."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def exists(self, bucket: str, expected_owner: str | None = None) -> bool:
        """True when the bucket exists (and, with `expected_owner`, is that account's: else
        BucketNotOurs)."""
        owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}
        try:
            with aws_call("s3 HeadBucket", self._clients.endpoint):
                self._clients.s3.head_bucket(Bucket=bucket, **owner)
        except AwsCallFailed as exc:
            if exc.code in MISSING:
                return False
            if exc.code in NOT_OURS:
                raise BucketNotOurs(
                    f"bucket {bucket} exists but is not account {expected_owner}'s, or denies "
                    "this role s3:ListBucket"
                ) from None
            raise
        return True

    def security(self, bucket: str) -> BucketState:
        """Public access block, versioning, default encryption, ownership and policy."""
        s3 = self._clients.s3
        block = self._read(
            "GetPublicAccessBlock",
            lambda: s3.get_public_access_block(Bucket=bucket),
            "NoSuchPublicAccessBlockConfiguration",
        )
        flags = (block or {}).get("PublicAccessBlockConfiguration", {})
        versioning = self._read(
            "GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket=bucket), ""
        )
        encryption = self._read(
            "GetBucketEncryption",
            lambda: s3.get_bucket_encryption(Bucket=bucket),
            "ServerSideEncryptionConfigurationNotFoundError",
        )
        rules = (encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        ownership = self._read(
            "GetBucketOwnershipControls",
            lambda: s3.get_bucket_ownership_controls(Bucket=bucket),
            "OwnershipControlsNotFoundError",
        )
        owners = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
        policy = self._read(
            "GetBucketPolicy", lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy"
        )
        return BucketState(
            public_access_blocked=all(flags.get(flag) is True for flag in BLOCK_FLAGS),
            versioning=str((versioning or {}).get("Status", "")),
            encrypted=any(
                r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules
            ),
            ownership_enforced=any(
                r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in owners
            ),
            policy=json.loads(policy["Policy"]) if policy else None,
        )

    def block_public_access(self, bucket: str) -> None:
        with aws_call("s3 PutPublicAccessBlock", self._clients.endpoint):
            self._clients.s3.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration=dict.fromkeys(BLOCK_FLAGS, True),  # type: ignore[arg-type]
            )

    def enable_versioning(self, bucket: str) -> None:
        with aws_call("s3 PutBucketVersioning", self._clients.endpoint):
            self._clients.s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
            )

    def encrypt_by_default(self, bucket: str) -> None:
        """SSE-S3 for every new object."""
        with aws_call("s3 PutBucketEncryption", self._clients.endpoint):
            self._clients.s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )

    def enforce_owner(self, bucket: str) -> None:
        """BucketOwnerEnforced: ACLs off, every object the bucket owner's."""
        with aws_call("s3 PutBucketOwnershipControls", self._clients.endpoint):
            self._clients.s3.put_bucket_ownership_controls(
                Bucket=bucket,
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            )

    def put_policy(self, bucket: str, document: Mapping[str, Any]) -> None:
        with aws_call("s3 PutBucketPolicy", self._clients.endpoint):
            self._clients.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    def _read(self, operation: str, call: Callable[[], Any], absent: str) -> Any:
        try:
            with aws_call(f"s3 {operation}", self._clients.endpoint):
                return call()
        except AwsCallFailed as exc:
            if absent and exc.code == absent:
                return None
            raise

    def has_object(self, bucket: str, key: str) -> bool:
        """True when the object exists; False when it or its bucket does not."""
        try:
            with aws_call("s3 HeadObject", self._clients.endpoint):
                self._clients.s3.head_object(Bucket=bucket, Key=key)
        except AwsCallFailed as exc:
            if exc.code in MISSING:
                return False
            raise
        return True

    def create(self, bucket: str) -> None:
        """Create the bucket in the client's region (one we already own counts as made); its
        security settings are the caller's next calls."""
        endpoint = self._clients.endpoint
        s3 = self._clients.s3
        try:
            with aws_call("s3 CreateBucket", endpoint):
                if endpoint.region == "us-east-1":
                    s3.create_bucket(Bucket=bucket)
                else:
                    s3.create_bucket(
                        Bucket=bucket,
                        CreateBucketConfiguration={"LocationConstraint": endpoint.region},  # type: ignore[typeddict-item]
                    )
        except AwsCallFailed as exc:
            if exc.code not in ALREADY_OURS:
                raise

    def put(
        self,
        bucket: str,
        key: str,
        body: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        with aws_call("s3 PutObject", self._clients.endpoint):
            self._clients.s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                Metadata=dict(metadata or {}),
            )

    def get(self, bucket: str, key: str) -> bytes:
        """The object's bytes (a promoted artifact fetched by digest)."""
        with aws_call("s3 GetObject", self._clients.endpoint):
            body: bytes = self._clients.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

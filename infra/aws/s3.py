"""S3 buckets and objects: the artifact bucket the deployer uploads Lambda zips to, and the
buckets verification checks."""

from __future__ import annotations

from collections.abc import Mapping

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed

MISSING = frozenset({"404", "NoSuchBucket", "NoSuchKey", "NotFound"})
ALREADY_OURS = frozenset({"BucketAlreadyOwnedByYou"})


class Buckets:
    """The S3 calls of the release side."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def exists(self, bucket: str) -> bool:
        try:
            with aws_call("s3 HeadBucket", self._clients.endpoint):
                self._clients.s3.head_bucket(Bucket=bucket)
        except AwsCallFailed as exc:
            if exc.code in MISSING:
                return False
            raise
        return True

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

    def create_private(self, bucket: str) -> None:
        """Create a bucket that blocks public access, keeps versions and encrypts at rest
        (SSE-S3); a bucket we already own is configured the same way."""
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
        with aws_call("s3 PutPublicAccessBlock", endpoint):
            s3.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        with aws_call("s3 PutBucketVersioning", endpoint):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        with aws_call("s3 PutBucketEncryption", endpoint):
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )

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

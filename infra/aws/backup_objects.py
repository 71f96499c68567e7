"""The S3 and CloudFormation side of data safety: a bucket's versioning and lifecycle, an
object's versions (to restore a deleted report), the backup snapshot objects, and the live
stack's template and parameters (what a backup snapshots)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed

_NO_LIFECYCLE = "NoSuchLifecycleConfiguration"


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a key, or a delete marker; `is_latest` is the one S3 serves."""

    key: str
    version_id: str
    is_latest: bool
    is_delete_marker: bool
    last_modified: datetime
    etag: str = ""


@dataclass(frozen=True)
class BucketProtection:
    """Whether deleted objects can come back, and for how long."""

    versioning: str  # Enabled | Suspended | "" (never enabled)
    noncurrent_expiry_days: int | None  # None: no enabled rule expires old versions


@dataclass(frozen=True)
class LiveStack:
    """What CloudFormation holds for a stack: the template as deployed and its parameters."""

    name: str
    status: str
    template_body: str
    parameters: Mapping[str, str]


class BackupObjects:
    """Object versions and snapshot objects in S3 buckets."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients
        self._s3 = clients.s3

    def protection(self, bucket: str) -> BucketProtection:
        endpoint = self._clients.endpoint
        with aws_call("s3 GetBucketVersioning", endpoint):
            versioning = self._s3.get_bucket_versioning(Bucket=bucket).get("Status", "")
        try:
            with aws_call("s3 GetBucketLifecycleConfiguration", endpoint):
                rules = self._s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        except AwsCallFailed as exc:
            if exc.code != _NO_LIFECYCLE:
                raise
            rules = []
        days = [
            rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
            for rule in rules
            if rule.get("Status") == "Enabled"
            and "NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {})
        ]
        return BucketProtection(str(versioning), min(days) if days else None)

    def protect(self, bucket: str, noncurrent_expiry_days: int) -> None:
        """Versioning on and old versions expiring after the days given: what the template's
        bucket declares (for the emulator, whose CloudFormation ignores both)."""
        endpoint = self._clients.endpoint
        with aws_call("s3 PutBucketVersioning", endpoint):
            self._s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
            )
        rule: Any = {  # the template's rule (infra.templates.storage), in S3's API terms
            "ID": "expire-old-versions",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_expiry_days},
            "Expiration": {"ExpiredObjectDeleteMarker": True},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
        with aws_call("s3 PutBucketLifecycleConfiguration", endpoint):
            self._s3.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
            )

    def versions(self, bucket: str, key: str) -> tuple[ObjectVersion, ...]:
        """Every version and delete marker of exactly `key`, newest first (S3's order)."""
        found: list[ObjectVersion] = []
        args: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
        while True:
            with aws_call("s3 ListObjectVersions", self._clients.endpoint):
                page = self._s3.list_object_versions(**args)
            for entry, marker in [(v, False) for v in page.get("Versions", [])] + [
                (m, True) for m in page.get("DeleteMarkers", [])
            ]:
                if entry["Key"] == key:
                    found.append(
                        ObjectVersion(
                            key=key,
                            version_id=str(entry["VersionId"]),
                            is_latest=bool(entry["IsLatest"]),
                            is_delete_marker=marker,
                            last_modified=entry["LastModified"].astimezone(UTC),
                            etag=str(entry.get("ETag", "")),
                        )
                    )
            if not page.get("IsTruncated"):
                # Newest first; the sort is stable, so S3's own newest-first order of the
                # versions survives ties (LastModified has whole seconds only).
                return tuple(sorted(found, key=lambda v: v.last_modified, reverse=True))
            args["KeyMarker"] = page["NextKeyMarker"]
            args["VersionIdMarker"] = page["NextVersionIdMarker"]

    def delete_version(self, bucket: str, key: str, version_id: str) -> None:
        """Permanently delete one version (used on delete markers only)."""
        with aws_call("s3 DeleteObject (version)", self._clients.endpoint):
            self._s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)

    def copy_version(self, bucket: str, key: str, version_id: str) -> str:
        """Make an old version current again by copying it over the key; the new version id."""
        with aws_call("s3 CopyObject (version)", self._clients.endpoint):
            copied = self._s3.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": bucket, "Key": key, "VersionId": version_id},
            )
        return str(copied.get("VersionId", ""))

    def current_version(self, bucket: str, key: str) -> str | None:
        """The version S3 serves for `key`, or None when it is deleted or absent."""
        try:
            with aws_call("s3 HeadObject", self._clients.endpoint):
                head = self._s3.head_object(Bucket=bucket, Key=key)
        except AwsCallFailed as exc:
            if exc.code in ("404", "NoSuchKey", "NotFound", "405", "MethodNotAllowed"):
                return None
            raise
        return str(head.get("VersionId", "null"))

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        with aws_call("s3 PutObject (backup snapshot)", self._clients.endpoint):
            self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, bucket: str, key: str) -> bytes:
        with aws_call("s3 GetObject (backup snapshot)", self._clients.endpoint):
            return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete the current objects under `prefix` (the bucket keeps old versions)."""
        deleted = 0
        args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        while True:
            with aws_call("s3 ListObjectsV2 (backup snapshot)", self._clients.endpoint):
                page = self._s3.list_objects_v2(**args)
            keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
            if keys:
                with aws_call("s3 DeleteObjects (backup snapshot)", self._clients.endpoint):
                    self._s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})  # type: ignore[typeddict-item]
                deleted += len(keys)
            if not page.get("IsTruncated"):
                return deleted
            args["ContinuationToken"] = page["NextContinuationToken"]

    def live_stack(self, stack: str) -> LiveStack | None:
        """The deployed template (as submitted) and parameters; None when there is no stack."""
        cloudformation = self._clients.cloudformation
        try:
            endpoint = self._clients.endpoint
            with aws_call("cloudformation DescribeStacks (backup snapshot)", endpoint):
                described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
            with aws_call("cloudformation GetTemplate (backup snapshot)", endpoint):
                body = cloudformation.get_template(StackName=stack, TemplateStage="Original")
        except AwsCallFailed as exc:
            if exc.code == "ValidationError" and "does not exist" in str(exc):
                return None
            raise
        # boto3 parses a JSON template into a dict although the stubs say str.
        template: Any = body.get("TemplateBody", "")
        return LiveStack(
            name=stack,
            status=described["StackStatus"],
            template_body=template
            if isinstance(template, str)
            else json.dumps(template, indent=2, sort_keys=True, default=str),
            parameters={
                p["ParameterKey"]: p.get("ParameterValue", "")
                for p in described.get("Parameters", [])
            },
        )

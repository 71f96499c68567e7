"""The S3/CloudFormation side of data safety on in-process moto: bucket protection, object
versions newest first, snapshot objects, and a missing stack."""

from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.backup_objects import BackupObjects

BUCKET = "energy-insights-dev-reports-123456789012-eu-west-1"
KEY = "reports/r-1/summary.csv"


@pytest.fixture
def objects(clients: AwsClients) -> BackupObjects:
    clients.s3.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return BackupObjects(clients)


def test_protection_reads_versioning_and_the_noncurrent_expiry(
    objects: BackupObjects, clients: AwsClients
) -> None:
    assert objects.protection(BUCKET).versioning == ""
    assert objects.protection(BUCKET).noncurrent_expiry_days is None
    clients.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    clients.s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "x",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                }
            ]
        },
    )

    protection = objects.protection(BUCKET)

    assert (protection.versioning, protection.noncurrent_expiry_days) == ("Enabled", 30)


def test_versions_of_exactly_one_key_newest_first(
    objects: BackupObjects, clients: AwsClients
) -> None:
    clients.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = clients.s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"1")["VersionId"]
    second = clients.s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"2")["VersionId"]
    clients.s3.put_object(Bucket=BUCKET, Key=KEY + ".bak", Body=b"x")  # same prefix, other key
    clients.s3.delete_object(Bucket=BUCKET, Key=KEY)

    versions = objects.versions(BUCKET, KEY)

    real = [v.version_id for v in versions if not v.is_delete_marker]
    assert real == [second, first]
    assert [v.is_latest for v in versions if v.is_delete_marker] == [True]
    assert objects.current_version(BUCKET, KEY) is None


def test_snapshot_objects_are_written_read_and_deleted_by_prefix(objects: BackupObjects) -> None:
    objects.put(BUCKET, "backups/b1/a.json", b"{}", "application/json")
    objects.put(BUCKET, "backups/b1/b.json", b"[]", "application/json")
    objects.put(BUCKET, "backups/b2/a.json", b"{}", "application/json")

    assert objects.get(BUCKET, "backups/b1/b.json") == b"[]"
    assert objects.delete_prefix(BUCKET, "backups/b1/") == 2
    assert objects.get(BUCKET, "backups/b2/a.json") == b"{}"


def test_no_stack_is_none(objects: BackupObjects) -> None:
    assert objects.live_stack("energy-insights-dev") is None

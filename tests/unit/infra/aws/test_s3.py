from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.errors import AwsCallFailed
from infra.aws.s3 import Buckets, BucketState


def test_create_secure_then_objects(clients: AwsClients) -> None:
    buckets = Buckets(clients)
    assert not buckets.exists("artifacts")
    assert not buckets.has_object("artifacts", "k")  # no bucket: no object, not an error
    buckets.create("artifacts")
    buckets.create("artifacts")  # ours already: not an error
    assert buckets.exists("artifacts")
    assert buckets.security("artifacts") == BucketState(False, "", False, False, None)
    buckets.block_public_access("artifacts")
    buckets.enable_versioning("artifacts")
    buckets.encrypt_by_default("artifacts")
    buckets.enforce_owner("artifacts")
    assert buckets.security("artifacts") == BucketState(True, "Enabled", True, True, None)
    s3 = clients.s3
    assert s3.get_bucket_versioning(Bucket="artifacts")["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket="artifacts")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_encryption(Bucket="artifacts")["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert not buckets.has_object("artifacts", "k")
    buckets.put("artifacts", "k", b"zip", "application/zip", {"sha256": "d"})
    assert buckets.has_object("artifacts", "k")
    assert s3.head_object(Bucket="artifacts", Key="k")["Metadata"] == {"sha256": "d"}


def test_other_errors_are_raised(clients: AwsClients) -> None:
    with pytest.raises(AwsCallFailed):
        Buckets(clients).put("no-such-bucket", "k", b"", "text/plain")

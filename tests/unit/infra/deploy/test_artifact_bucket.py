"""The artifact bucket gets the reports bucket's policy, and keeps it: a drifted bucket is fixed
on the next deploy and each fix reported; a bucket this account does not own is refused."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.aws import AwsClients, Endpoint
from infra.deploy.bootstrap import (
    BucketFix,
    BucketState,
    bucket_fixes,
    denies_insecure_transport,
    ensure_artifact_bucket,
    tls_only_policy,
)
from infra.deploy.connect import Connection
from infra.deploy.errors import DeployError

BUCKET = "energy-insights-dev-artifacts-123456789012-eu-west-1"
TLS = tls_only_policy(BUCKET, "aws", None)
GOOD = BucketState(True, "Enabled", True, True, TLS)


@pytest.mark.parametrize(
    ("state", "fixes"),
    [
        (GOOD, ()),
        (BucketState(False, "Enabled", True, True, TLS), (BucketFix.BLOCK_PUBLIC_ACCESS,)),
        (BucketState(True, "Suspended", True, True, TLS), (BucketFix.ENABLE_VERSIONING,)),
        (BucketState(True, "", True, True, TLS), (BucketFix.ENABLE_VERSIONING,)),
        (BucketState(True, "Enabled", False, True, TLS), (BucketFix.ENCRYPT,)),
        (BucketState(True, "Enabled", True, False, TLS), (BucketFix.ENFORCE_OWNERSHIP,)),
        (BucketState(True, "Enabled", True, True, None), (BucketFix.REQUIRE_TLS,)),
        (BucketState(False, "", False, False, None), tuple(BucketFix)),
    ],
)
def test_bucket_fixes(state: BucketState, fixes: tuple[BucketFix, ...]) -> None:
    assert bucket_fixes(state) == fixes


def _deny(**changes: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(changes)
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("policy", "denies"),
    [
        (None, False),
        ({"Statement": []}, False),
        (_deny(), True),
        (_deny(Action=["s3:*"]), True),
        (_deny(Principal={"AWS": "*"}), True),
        (_deny(Condition={"Bool": {"aws:SecureTransport": False}}), True),
        (_deny(Effect="Allow"), False),
        (_deny(Action="s3:GetObject"), False),  # only some actions: not TLS-only
        (_deny(Principal={"AWS": "arn:aws:iam::1:root"}), False),
        (_deny(Condition={"Bool": {"aws:SecureTransport": "true"}}), False),
    ],
)
def test_denies_insecure_transport(policy: dict[str, Any] | None, denies: bool) -> None:
    assert denies_insecure_transport(policy) is denies


def test_the_tls_statement_is_added_and_other_statements_are_kept() -> None:
    other = {"Sid": "AllowCi", "Effect": "Allow", "Principal": {"AWS": "x"}, "Action": "s3:*"}
    merged = tls_only_policy("b", "aws-cn", {"Statement": [other]})
    assert merged["Statement"][0] == other
    assert merged["Statement"][1]["Resource"] == ["arn:aws-cn:s3:::b", "arn:aws-cn:s3:::b/*"]
    assert denies_insecure_transport(merged)
    again = tls_only_policy("b", "aws-cn", merged)
    assert again == merged, "applying it twice changes nothing"


def state_of_without_policy(clients: AwsClients) -> dict[str, Any]:
    s3 = clients.s3
    return {
        "block": s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"],
        "versioning": s3.get_bucket_versioning(Bucket=BUCKET).get("Status"),
        "sse": s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"][
            "Rules"
        ][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "owner": s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"],
    }


def state_of(clients: AwsClients) -> dict[str, Any]:
    policy = json.loads(clients.s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    return {**state_of_without_policy(clients), "policy": policy}


@pytest.fixture
def on_aws(in_process: Connection) -> AwsClients:
    """The in-process moto (still mocked), treated as AWS, so the TLS-only policy is applied."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    return AwsClients(session, Endpoint(region="eu-west-1", emulator=False))


def test_a_new_bucket_gets_the_whole_policy(on_aws: AwsClients) -> None:
    said: list[str] = []
    assert ensure_artifact_bucket(on_aws, BUCKET, "123456789012", said.append)
    got = state_of(on_aws)
    assert all(got["block"].values()) and len(got["block"]) == 4
    assert (got["versioning"], got["sse"]) == ("Enabled", "AES256")
    assert got["owner"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert denies_insecure_transport(got["policy"])
    assert said == [], "a new bucket is made right, not fixed"
    assert not ensure_artifact_bucket(on_aws, BUCKET, "123456789012", said.append)
    assert said == [], "a compliant bucket is left alone"


def test_on_the_local_emulator_the_tls_policy_is_left_off_and_said_so(
    in_process: Connection,
) -> None:
    said: list[str] = []
    assert ensure_artifact_bucket(in_process.clients, BUCKET, "123456789012", said.append)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        in_process.clients.s3.get_bucket_policy(Bucket=BUCKET)
    assert state_of_without_policy(in_process.clients)["versioning"] == "Enabled"
    assert said == [
        f"artifact bucket {BUCKET}: no TLS-only policy on the local emulator (it serves plain "
        "HTTP; the stack's reports bucket policy is skipped there too)"
    ]
    said.clear()
    ensure_artifact_bucket(in_process.clients, BUCKET, "123456789012", said.append)
    assert said == [], "said once, when the bucket is made"


def test_an_existing_bucket_that_drifted_is_fixed_and_each_fix_is_reported(
    on_aws: AwsClients,
) -> None:
    s3 = on_aws.s3
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    other = {
        "Sid": "AllowReadFromCi",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Statement": [other]}))
    said: list[str] = []
    assert not ensure_artifact_bucket(on_aws, BUCKET, "123456789012", said.append)
    got = state_of(on_aws)
    assert got["versioning"] == "Enabled"
    assert denies_insecure_transport(got["policy"])
    assert other in got["policy"]["Statement"], "someone else's statement is kept"
    assert "did not enable versioning: fixed" in " ".join(said)
    assert "did not deny every request without TLS (bucket policy): fixed" in " ".join(said)
    assert all(line.startswith("WARNING: artifact bucket ") for line in said)
    said.clear()
    ensure_artifact_bucket(on_aws, BUCKET, "123456789012", said.append)
    assert said == []


class ForeignBucket:
    """S3 answering HeadBucket with 403: the name is taken by another account."""

    def head_bucket(self, **kwargs: Any) -> None:
        assert kwargs["ExpectedBucketOwner"] == "123456789012"
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")


def test_a_bucket_of_another_account_is_refused() -> None:
    class Clients:
        s3 = ForeignBucket()
        endpoint = Endpoint("eu-west-1", emulator=False)

    with pytest.raises(DeployError, match=r"exists but is not this account's \(123456789012\)"):
        ensure_artifact_bucket(Clients(), BUCKET, "123456789012")  # type: ignore[arg-type]

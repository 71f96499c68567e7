"""The artifact bucket gets the reports bucket's policy, and keeps it: a drifted bucket is fixed
on the next deploy and each fix reported; a bucket this account does not own is refused."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.aws import AwsClients, Endpoint
from infra.aws.s3 import Buckets, BucketState
from infra.config import EnvironmentConfig, load_environment
from infra.deploy.artifact_store import ArtifactBucket
from infra.deploy.bucket_policy import (
    NEW_BUCKET,
    BucketFix,
    bucket_fixes,
    denies_insecure_transport,
    tls_only_policy,
)
from infra.deploy.errors import DeployError
from infra.targets.base import Connection
from tests.unit.infra.deploy.test_deployer_in_process import request, run

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
        (NEW_BUCKET, tuple(BucketFix)),
    ],
)
def test_bucket_fixes(state: BucketState, fixes: tuple[BucketFix, ...]) -> None:
    assert bucket_fixes(state, on_emulator=False) == fixes


def test_on_the_emulator_tls_is_never_required() -> None:
    """It serves plain HTTP and moto ignores policy conditions: a TLS-only policy would deny all."""
    assert BucketFix.REQUIRE_TLS not in bucket_fixes(NEW_BUCKET, on_emulator=True)
    assert bucket_fixes(BucketState(True, "Enabled", True, True, None), on_emulator=True) == ()


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


def secure(bucket: ArtifactBucket) -> tuple[BucketFix, ...]:
    """What the deployer's plan and apply do: every fix the bucket needs, applied."""
    fixes = bucket_fixes(bucket.security(), on_emulator=False)
    for fix in fixes:
        bucket.fix(fix, "aws")
    return fixes


def test_a_new_bucket_gets_the_whole_policy(on_aws: AwsClients) -> None:
    bucket = ArtifactBucket(Buckets(on_aws), BUCKET, "123456789012")
    assert not bucket.exists()
    bucket.create()
    assert secure(bucket) == tuple(BucketFix)
    got = state_of(on_aws)
    assert all(got["block"].values()) and len(got["block"]) == 4
    assert (got["versioning"], got["sse"]) == ("Enabled", "AES256")
    assert got["owner"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert denies_insecure_transport(got["policy"])
    assert secure(bucket) == (), "a compliant bucket is left alone"


def test_a_drifted_bucket_keeps_other_statements(on_aws: AwsClients) -> None:
    s3 = on_aws.s3
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    other = {
        "Sid": "AllowReadFromCi",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Statement": [other]}))
    secure(ArtifactBucket(Buckets(on_aws), BUCKET, "123456789012"))
    got = state_of(on_aws)
    assert denies_insecure_transport(got["policy"])
    assert other in got["policy"]["Statement"], "someone else's statement is kept"


def test_a_deploy_fixes_drift_as_a_planned_step_and_warns_each_fix(
    in_process: Connection,
    clock: Any,
    make_zip: Any,
) -> None:
    dev: EnvironmentConfig = load_environment("dev")
    from infra.templates.stack import render_template

    template = render_template(dev)
    first = run(in_process, clock, request(dev, template, make_zip("one")))
    bucket = dev.names.artifact_bucket(in_process.account_id, dev.region)
    in_process.clients.s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    lines: list[str] = []
    dry = run(in_process, clock, request(dev, template, make_zip("one"), dry_run=True), lines)
    assert any(f"fix drift of the artifact bucket {bucket}: enable versioning" in x for x in lines)
    versioning = in_process.clients.s3.get_bucket_versioning(Bucket=bucket)
    assert versioning["Status"] == "Suspended", "a dry run fixes nothing"
    lines.clear()
    run(in_process, clock, request(dev, template, make_zip("one")), lines)
    assert f"WARNING: artifact bucket {bucket} did not enable versioning: fixed" in lines
    assert in_process.clients.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert first.record is not None and dry.record is None


def test_on_the_local_emulator_the_plan_says_no_tls_policy(
    in_process: Connection, clock: Any, make_zip: Any
) -> None:
    dev = load_environment("dev")
    from infra.templates.stack import render_template

    lines: list[str] = []
    run(in_process, clock, request(dev, render_template(dev), make_zip("one")), lines)
    assert any("no TLS-only policy on the local emulator" in line for line in lines)
    bucket = dev.names.artifact_bucket(in_process.account_id, dev.region)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        in_process.clients.s3.get_bucket_policy(Bucket=bucket)
    assert in_process.clients.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


class ForeignBucket:
    """S3 answering HeadBucket with 403: the name is taken by another account."""

    def head_bucket(self, **kwargs: Any) -> None:
        assert kwargs["ExpectedBucketOwner"] == "123456789012"
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")


def test_a_bucket_of_another_account_is_refused() -> None:
    class Clients:
        s3 = ForeignBucket()
        endpoint = Endpoint("eu-west-1", emulator=False)

    bucket = ArtifactBucket(Buckets(Clients()), BUCKET, "123456789012")  # type: ignore[arg-type]
    with pytest.raises(DeployError, match="is not account 123456789012's"):
        bucket.exists()

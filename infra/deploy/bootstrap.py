"""What must exist before the first lock can be taken: the artifact bucket and the deployments
table. Both are ensured idempotently on every (non-dry) deploy; see infra/deploy/README.md.

- The artifact bucket is not in the stack (the stack's function reads its code from it, so it
  must hold the zip before the stack is created): direct, idempotent S3 calls that give it the
  reports bucket's policy (public access blocked, versioning, SSE-S3, owner-enforced objects,
  TLS-only bucket policy); an existing bucket is re-checked on every deploy and any shortfall
  is fixed and reported; a bucket this account does not own is refused.
- The deployments table IS in the stack (it lives and dies with the environment), so on the
  first ever deploy the stack is created with that one resource only (`bootstrap_template`).
  The full change set that follows then adds everything else under the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from infra.aws import AwsClients, aws_call
from infra.aws.errors import AwsCallFailed
from infra.config.deploy import partition_of
from infra.deploy.errors import DeployError

_EXISTS = frozenset({"BucketAlreadyOwnedByYou"})
_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
TLS_ONLY_SID = "DenyInsecureTransport"  # the reports bucket's statement (infra/templates)


def bootstrap_template(template: Mapping[str, Any], table_name: str) -> str:
    """The stack reduced to its deployments table (same logical id and properties)."""
    resources = template.get("Resources", {})
    chosen = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
        and resource.get("Properties", {}).get("TableName") == table_name
    }
    if len(chosen) != 1:
        raise DeployError(
            f"the template must declare exactly one AWS::DynamoDB::Table named {table_name} "
            f"(the deployments table the deploy lock lives in); found {len(chosen)}"
        )
    body = {
        "AWSTemplateFormatVersion": template.get("AWSTemplateFormatVersion", "2010-09-09"),
        "Description": f"{template.get('Description', 'stack')} (bootstrap: deployments table)",
        "Resources": chosen,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


class BucketFix(StrEnum):
    """One way the artifact bucket falls short of the reports bucket's policy."""

    BLOCK_PUBLIC_ACCESS = "block all public access"
    ENABLE_VERSIONING = "enable versioning"
    ENCRYPT = "encrypt new objects by default (SSE-S3)"
    ENFORCE_OWNERSHIP = "enforce bucket-owner object ownership (ACLs off)"
    REQUIRE_TLS = "deny every request without TLS (bucket policy)"


@dataclass(frozen=True)
class BucketState:
    """What the artifact bucket's security settings are now, as read from S3."""

    public_access_blocked: bool  # all four block-public-access flags on
    versioning: str  # "Enabled", "Suspended" or "" (never enabled)
    encrypted: bool  # a default encryption rule (SSE-S3 or SSE-KMS)
    ownership_enforced: bool  # ObjectOwnership = BucketOwnerEnforced
    policy: Mapping[str, Any] | None


def bucket_fixes(state: BucketState) -> tuple[BucketFix, ...]:
    """What must change for the bucket to meet the policy (pure; empty: it already does)."""
    wanted = (
        (BucketFix.BLOCK_PUBLIC_ACCESS, state.public_access_blocked),
        (BucketFix.ENABLE_VERSIONING, state.versioning == "Enabled"),
        (BucketFix.ENCRYPT, state.encrypted),
        (BucketFix.ENFORCE_OWNERSHIP, state.ownership_enforced),
        (BucketFix.REQUIRE_TLS, denies_insecure_transport(state.policy)),
    )
    return tuple(fix for fix, met in wanted if not met)


def denies_insecure_transport(policy: Mapping[str, Any] | None) -> bool:
    """True when the policy denies every action to everyone unless the request used TLS."""
    statements = (policy or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        condition = statement.get("Condition", {}).get("Bool", {})
        if (
            statement.get("Effect") == "Deny"
            and statement.get("Principal") in ("*", {"AWS": "*"})
            and "s3:*" in ([actions] if isinstance(actions, str) else actions)
            and str(condition.get("aws:SecureTransport", "")).lower() == "false"
        ):
            return True
    return False


def tls_only_policy(
    bucket: str, partition: str, existing: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The existing policy (statements kept) plus the reports bucket's TLS-only statement."""
    arn = f"arn:{partition}:s3:::{bucket}"
    statement = {
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    kept = [s for s in (existing or {}).get("Statement", []) if s.get("Sid") != TLS_ONLY_SID]
    return {"Version": "2012-10-17", "Statement": [*kept, statement]}


def ensure_artifact_bucket(
    clients: AwsClients,
    bucket: str,
    account_id: str | None = None,
    emit: Callable[[str], None] = lambda _line: None,
) -> bool:
    """Create the artifact bucket unless it exists (True = made), then bring it to the reports
    bucket's policy: an existing bucket that falls short is fixed, and each fix is reported;
    one that is not this account's is refused (DeployError). The local emulator serves plain
    HTTP, so there the TLS-only policy would lock the deployer out: it is left off, and said so."""
    created = _create_unless_present(clients, bucket, account_id)
    fixes = bucket_fixes(_read_state(clients, bucket))
    if clients.endpoint.is_emulator and BucketFix.REQUIRE_TLS in fixes:
        fixes = tuple(fix for fix in fixes if fix is not BucketFix.REQUIRE_TLS)
        if created:
            emit(
                f"artifact bucket {bucket}: no TLS-only policy on the local emulator (it serves "
                "plain HTTP; the stack's reports bucket policy is skipped there too)"
            )
    for fix in fixes:
        _apply(clients, bucket, fix)
        if not created:
            emit(f"WARNING: artifact bucket {bucket} did not {fix.value}: fixed")
    return created


def _create_unless_present(clients: AwsClients, bucket: str, account_id: str | None) -> bool:
    endpoint = clients.endpoint
    owner = {"ExpectedBucketOwner": account_id} if account_id else {}
    try:
        with aws_call("s3 HeadBucket (artifact bucket)", endpoint):
            clients.s3.head_bucket(Bucket=bucket, **owner)
        return False
    except AwsCallFailed as exc:
        if exc.code in ("403", "AccessDenied"):
            raise DeployError(
                f"artifact bucket {bucket} exists but is not this account's ({account_id}) or "
                "denies this role s3:ListBucket: the deployer will not upload code to a bucket "
                "it does not own. Give the deploy role s3:ListBucket on it, or pick another "
                "name_prefix if the name is taken"
            ) from exc
        if exc.code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    try:
        with aws_call("s3 CreateBucket (artifact bucket)", endpoint):
            if endpoint.region == "us-east-1":
                clients.s3.create_bucket(Bucket=bucket)
            else:
                clients.s3.create_bucket(
                    Bucket=bucket,
                    CreateBucketConfiguration={"LocationConstraint": endpoint.region},  # type: ignore[typeddict-item]
                )
    except AwsCallFailed as exc:
        if exc.code not in _EXISTS:
            raise
    return True


def _read_state(clients: AwsClients, bucket: str) -> BucketState:
    s3 = clients.s3

    def read(operation: str, call: Callable[[], Any], absent: frozenset[str]) -> Any:
        try:
            with aws_call(f"s3 {operation} (artifact bucket)", clients.endpoint):
                return call()
        except AwsCallFailed as exc:
            if exc.code in absent:
                return None
            raise

    block = read(
        "GetPublicAccessBlock",
        lambda: s3.get_public_access_block(Bucket=bucket),
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    )
    flags = (block or {}).get("PublicAccessBlockConfiguration", {})
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "")
    encryption = read(
        "GetBucketEncryption",
        lambda: s3.get_bucket_encryption(Bucket=bucket),
        frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
    )
    rules = (encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    ownership = read(
        "GetBucketOwnershipControls",
        lambda: s3.get_bucket_ownership_controls(Bucket=bucket),
        frozenset({"OwnershipControlsNotFoundError"}),
    )
    owners = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
    policy = read(
        "GetBucketPolicy",
        lambda: s3.get_bucket_policy(Bucket=bucket),
        frozenset({"NoSuchBucketPolicy"}),
    )
    return BucketState(
        public_access_blocked=all(flags.get(flag) is True for flag in _BLOCK_FLAGS),
        versioning=str(versioning),
        encrypted=any(
            r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules
        ),
        ownership_enforced=any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in owners),
        policy=json.loads(policy["Policy"]) if policy else None,
    )


def _apply(clients: AwsClients, bucket: str, fix: BucketFix) -> None:
    s3 = clients.s3
    with aws_call(f"s3 fix artifact bucket: {fix.value}", clients.endpoint):
        if fix is BucketFix.BLOCK_PUBLIC_ACCESS:
            s3.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration=dict.fromkeys(_BLOCK_FLAGS, True),  # type: ignore[arg-type]
            )
        elif fix is BucketFix.ENABLE_VERSIONING:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        elif fix is BucketFix.ENCRYPT:
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        elif fix is BucketFix.ENFORCE_OWNERSHIP:
            s3.put_bucket_ownership_controls(
                Bucket=bucket,
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            )
        else:
            current = _read_state(clients, bucket).policy
            partition = partition_of(clients.endpoint.region)
            document = tls_only_policy(bucket, partition, current)
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


def table_exists(clients: AwsClients, table: str) -> bool:
    try:
        with aws_call("dynamodb DescribeTable", clients.endpoint):
            clients.dynamodb.describe_table(TableName=table)
    except AwsCallFailed as exc:
        if exc.code == "ResourceNotFoundException":
            return False
        raise
    return True

"""What must exist before the first lock can be taken: the artifact bucket and the deployments
table. Both are ensured idempotently on every (non-dry) deploy; see infra/deploy/README.md.

- The artifact bucket is not in the stack (the stack's function reads its code from it, so it
  must hold the zip before the stack is created): direct, idempotent S3 calls.
- The deployments table IS in the stack (it lives and dies with the environment), so on the
  first ever deploy the stack is created with that one resource only (`bootstrap_template`).
  The full change set that follows then adds everything else under the lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.aws import AwsClients, aws_call
from infra.aws.errors import AwsCallFailed
from infra.deploy.errors import DeployError

_EXISTS = frozenset({"BucketAlreadyOwnedByYou"})


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


def ensure_artifact_bucket(clients: AwsClients, bucket: str) -> bool:
    """Create the private, versioned, encrypted artifact bucket unless it exists (True = made)."""
    endpoint = clients.endpoint
    try:
        with aws_call("s3 HeadBucket (artifact bucket)", endpoint):
            clients.s3.head_bucket(Bucket=bucket)
        return False
    except AwsCallFailed as exc:
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
    with aws_call("s3 PutPublicAccessBlock (artifact bucket)", endpoint):
        clients.s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    with aws_call("s3 PutBucketVersioning (artifact bucket)", endpoint):
        clients.s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        )
    with aws_call("s3 PutBucketEncryption (artifact bucket)", endpoint):
        clients.s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    return True


def table_exists(clients: AwsClients, table: str) -> bool:
    try:
        with aws_call("dynamodb DescribeTable", clients.endpoint):
            clients.dynamodb.describe_table(TableName=table)
    except AwsCallFailed as exc:
        if exc.code == "ResourceNotFoundException":
            return False
        raise
    return True

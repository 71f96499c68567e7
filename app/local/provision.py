"""Create the app's table and bucket in the local emulator (idempotent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from app.local.environment import EMULATOR_KEY
from app.storage.clients import build_clients
from app.storage.table import PK, SK

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

LOCAL_TABLE = "energy-insights-local"
LOCAL_BUCKET = "energy-insights-reports-local"
LOCAL_REGION = "eu-west-1"


def create_table(client: DynamoDBClient, name: str) -> None:
    """The single table: string PK/SK, on-demand billing (as the CloudFormation stack has it)."""
    try:
        client.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": PK, "AttributeType": "S"},
                {"AttributeName": SK, "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": PK, "KeyType": "HASH"},
                {"AttributeName": SK, "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise


def create_bucket(client: S3Client, name: str, region: str = LOCAL_REGION) -> None:
    try:
        client.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise


def provision(endpoint: str, table: str = LOCAL_TABLE, bucket: str = LOCAL_BUCKET) -> None:
    """Create both resources in the emulator at `endpoint` with fake credentials."""
    clients = build_clients(
        endpoint_url=endpoint, region=LOCAL_REGION, credentials=(EMULATOR_KEY, EMULATOR_KEY)
    )
    create_table(clients.dynamodb, table)
    create_bucket(clients.s3, bucket)

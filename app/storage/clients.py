"""boto3 clients, built once per process.

The endpoint is not configured here: boto3 >= 1.28 reads AWS_ENDPOINT_URL (and the per-service
AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3) itself, which is how the local emulator is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

# Short timeouts: a Lambda invocation must answer 503 rather than hang on a dead dependency.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 3.0
MAX_ATTEMPTS = 3
MAX_POOL = 64


@dataclass(frozen=True)
class AwsClients:
    dynamodb: DynamoDBClient
    s3: S3Client


def build_clients(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    credentials: tuple[str, str] | None = None,
) -> AwsClients:
    """New clients from the environment (boto3 is imported here to keep cold imports lean);
    the keywords override it (local tooling: the emulator's endpoint and fake credentials)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        max_pool_connections=MAX_POOL,
    )
    key_id, secret = credentials or (None, None)
    session = boto3.session.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=region
    )
    return AwsClients(
        dynamodb=session.client("dynamodb", config=config, endpoint_url=endpoint_url),
        s3=session.client("s3", config=config, endpoint_url=endpoint_url),
    )


@functools.cache
def aws_clients() -> AwsClients:
    """The process-wide clients, built on first use."""
    return build_clients()

"""Typed boto3 clients for one region and endpoint, created lazily from one injected session."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_budgets import BudgetsClient
    from mypy_boto3_ce import CostExplorerClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sts import STSClient


@dataclass(frozen=True)
class Endpoint:
    """Where the clients talk to: AWS's own endpoints (url None) or another URL; `emulator`
    when the other side is moto (its fidelity gaps apply)."""

    region: str
    url: str | None = None
    emulator: bool = False

    @property
    def is_emulator(self) -> bool:
        return self.emulator or self.url is not None


class AwsClients:
    """One client per service, made on first use. The emulator answers in milliseconds, so
    towards it calls fail fast instead of retrying."""

    def __init__(self, session: boto3.Session, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._session = session
        attempts = 2 if endpoint.is_emulator else 5
        self._config = Config(
            region_name=endpoint.region,
            connect_timeout=2 if endpoint.is_emulator else 10,
            read_timeout=30 if endpoint.is_emulator else 60,
            retries={"max_attempts": attempts, "mode": "standard"},
        )

    @cached_property
    def cloudformation(self) -> CloudFormationClient:
        return self._session.client(
            "cloudformation", endpoint_url=self.endpoint.url, config=self._config
        )

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return self._session.client("dynamodb", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def s3(self) -> S3Client:
        return self._session.client("s3", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def lambda_(self) -> LambdaClient:
        return self._session.client("lambda", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def sts(self) -> STSClient:
        return self._session.client("sts", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        return self._session.client(
            "cloudwatch", endpoint_url=self.endpoint.url, config=self._config
        )

    @cached_property
    def logs(self) -> CloudWatchLogsClient:
        return self._session.client("logs", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def sns(self) -> SNSClient:
        return self._session.client("sns", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def budgets(self) -> BudgetsClient:
        return self._session.client("budgets", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def cognito_idp(self) -> CognitoIdentityProviderClient:
        return self._session.client(
            "cognito-idp", endpoint_url=self.endpoint.url, config=self._config
        )

    @cached_property
    def ce(self) -> CostExplorerClient:
        """Cost Explorer (one global endpoint, us-east-1; the emulator answers with no data)."""
        return self._session.client("ce", endpoint_url=self.endpoint.url, config=self._config)

    @cached_property
    def autoscaling(self) -> ApplicationAutoScalingClient:
        """Application Auto Scaling (a DynamoDB table's provisioned-capacity scaling)."""
        return self._session.client(
            "application-autoscaling", endpoint_url=self.endpoint.url, config=self._config
        )

"""The one boundary between the deployer and botocore: clients built from an injected session
and endpoint, and every botocore error converted to the deployer's domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    TokenRetrievalError,
)
from botocore.parsers import ResponseParserError

from infra.deploy.errors import AwsCallFailed, CredentialsError, EmulatorUnreachable

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

# Error codes meaning "your credentials are not valid", across services.
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "AuthFailure",
    }
)
_UNREACHABLE = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError)


@dataclass(frozen=True)
class Endpoint:
    """Where the clients talk to: AWS's own endpoints (url None) or another URL; `emulator`
    when the other side is moto (its fidelity gaps apply: see verify.py)."""

    region: str
    url: str | None = None
    emulator: bool = False

    @property
    def is_emulator(self) -> bool:
        return self.emulator or self.url is not None


class AwsClients:
    """Typed boto3 clients for one region/endpoint, created lazily from one session."""

    def __init__(self, session: boto3.Session, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._session = session
        # The emulator answers in milliseconds: fail fast when it is gone instead of retrying.
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


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def aws_call(operation: str, endpoint: Endpoint) -> Iterator[None]:
    """Run botocore calls, converting their errors to domain errors naming `operation`."""
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError, TokenRetrievalError) as exc:
        raise CredentialsError(
            f"no usable AWS credentials for {operation} ({type(exc).__name__}); configure the "
            "standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO or a role), "
            "or deploy to the emulator with --target local"
        ) from None
    except _UNREACHABLE as exc:
        if endpoint.url is not None:
            raise EmulatorUnreachable(endpoint.url, f"{operation}: {type(exc).__name__}") from None
        raise AwsCallFailed(operation, type(exc).__name__, "AWS did not answer; retry") from None
    except ReadTimeoutError as exc:
        raise AwsCallFailed(operation, type(exc).__name__, "no answer in time; retry") from None
    except ClientError as exc:
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if code in CREDENTIAL_CODES:
            raise CredentialsError(
                f"AWS refused the credentials for {operation} ({code}): they are invalid or "
                "expired; refresh them (e.g. `aws sso login`) and retry"
            ) from None
        raise AwsCallFailed(operation, code, message) from None
    except ResponseParserError as exc:
        # The emulator answers some internal errors in the wrong protocol (JSON for XML).
        raise AwsCallFailed(operation, "UnparseableResponse", str(exc)[-300:]) from None
    except BotoCoreError as exc:
        raise AwsCallFailed(operation, type(exc).__name__, str(exc)) from None

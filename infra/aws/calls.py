"""`aws_call`: run botocore calls and convert every botocore error into `infra.aws.errors`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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

from infra.aws.clients import Endpoint
from infra.aws.errors import AwsCallFailed, CredentialsError, EmulatorUnreachable

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
            "or use the emulator with --target local"
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

"""botocore errors become the deployer's domain errors at the boundary."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from infra.aws import Endpoint, aws_call
from infra.aws.errors import AwsCallFailed, CredentialsError, EmulatorUnreachable

AWS = Endpoint(region="eu-west-1")
LOCAL = Endpoint(region="eu-west-1", url="http://127.0.0.1:1")


def client_error(code: str, message: str = "msg") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def raise_in_call(exc: BaseException, endpoint: Endpoint) -> None:
    with aws_call("svc Op", endpoint):
        raise exc


@pytest.mark.parametrize(
    "code",
    ["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch"],
)
def test_credential_codes_become_credentials_error(code: str) -> None:
    with pytest.raises(CredentialsError, match=code) as caught:
        raise_in_call(client_error(code), AWS)
    assert caught.value.exit_code == 2


def test_missing_credentials() -> None:
    with pytest.raises(CredentialsError, match="--target local"):
        raise_in_call(NoCredentialsError(), AWS)


def test_other_client_errors_keep_operation_and_code() -> None:
    with pytest.raises(AwsCallFailed) as caught:
        raise_in_call(client_error("ConditionalCheckFailedException", "nope"), AWS)
    assert caught.value.code == "ConditionalCheckFailedException"
    assert str(caught.value) == "AWS svc Op failed: ConditionalCheckFailedException: nope"


def test_connection_refused_on_the_emulator_is_emulator_unreachable() -> None:
    exc = EndpointConnectionError(endpoint_url=str(LOCAL.url))
    with pytest.raises(EmulatorUnreachable, match=r"not reachable at http://127\.0\.0\.1:1"):
        raise_in_call(exc, LOCAL)


def test_connection_refused_on_aws_is_a_failed_call() -> None:
    exc = EndpointConnectionError(endpoint_url="https://cloudformation.eu-west-1.amazonaws.com")
    with pytest.raises(AwsCallFailed, match="did not answer"):
        raise_in_call(exc, AWS)


def test_read_timeout_and_unparseable_answers() -> None:
    with pytest.raises(AwsCallFailed, match="no answer in time"):
        raise_in_call(ReadTimeoutError(endpoint_url="x"), AWS)
    with pytest.raises(AwsCallFailed, match="UnparseableResponse"):
        raise_in_call(ResponseParserError("bad xml"), LOCAL)

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from infra.aws import AwsClients
from infra.aws.lambda_ import InvalidRouting, LambdaFunctions, check_routing
from tests.unit.infra.aws.conftest import REGION

FUNCTION = "energy-insights-dev-api"


def bundle(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


@pytest.fixture
def functions(clients: AwsClients) -> LambdaFunctions:
    iam = boto3.client("iam", region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t")
    role = iam.create_role(
        RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    clients.lambda_.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.11",
        Role=role,
        Handler="handler.main",
        Code={"ZipFile": bundle("one")},
        Environment={"Variables": {"EI_ENV": "dev"}},
    )
    return LambdaFunctions(clients)


@pytest.mark.parametrize(
    ("version", "weights", "problem"),
    [
        ("1", {}, None),
        ("2", {"3": 0.0}, None),
        ("2", {"3": 0.999}, None),
        ("$LATEST", {}, "only published numeric versions"),
        ("2", {"$LATEST": 0.1}, "only published numeric versions"),
        ("2", {"3": 1.0}, "must be in \\[0, 1\\)"),
        ("2", {"3": -0.01}, "must be in \\[0, 1\\)"),
        ("2", {"3": float("nan")}, "must be in \\[0, 1\\)"),
        ("2", {"2": 0.1}, "primary version and extra too"),
        ("2", {"3": 0.1, "4": 0.1}, "at most one"),
    ],
)
def test_check_routing(version: str, weights: dict[str, float], problem: str | None) -> None:
    if problem is None:
        check_routing(version, weights)
    else:
        with pytest.raises(InvalidRouting, match=problem):
            check_routing(version, weights)


def test_versions_publish_and_environment(functions: LambdaFunctions) -> None:
    assert [v.version for v in functions.versions(FUNCTION)] == ["$LATEST"]
    assert functions.publish(FUNCTION) == "1"
    assert [v.version for v in functions.versions(FUNCTION)] == ["$LATEST", "1"]
    assert functions.environment(FUNCTION) == {"EI_ENV": "dev"}


def test_alias_lifecycle_with_weights(functions: LambdaFunctions, clients: AwsClients) -> None:
    assert functions.alias(FUNCTION, "live") is None
    first = functions.publish(FUNCTION)
    created = functions.create_alias(FUNCTION, "live", first)
    assert (created.version, dict(created.weights)) == (first, {})
    clients.lambda_.update_function_code(FunctionName=FUNCTION, ZipFile=bundle("two"))
    second = functions.publish(FUNCTION)
    assert second != first
    canary = functions.update_alias(FUNCTION, "live", first, {second: 0.1})
    assert dict(canary.weights) == {second: 0.1}
    read = functions.alias(FUNCTION, "live")
    assert read is not None
    assert (read.version, dict(read.weights)) == (first, {second: 0.1})
    done = functions.update_alias(FUNCTION, "live", second)
    assert (done.version, dict(done.weights)) == (second, {})


def test_invalid_routing_never_reaches_the_emulator(functions: LambdaFunctions) -> None:
    version = functions.publish(FUNCTION)
    functions.create_alias(FUNCTION, "live", version)
    with pytest.raises(InvalidRouting):
        functions.update_alias(FUNCTION, "live", version, {"$LATEST": 1.5})
    read = functions.alias(FUNCTION, "live")
    assert read is not None
    assert dict(read.weights) == {}


def test_delete_version_refuses_latest(functions: LambdaFunctions) -> None:
    with pytest.raises(InvalidRouting, match="not a published one"):
        functions.delete_version(FUNCTION, "$LATEST")
    version = functions.publish(FUNCTION)
    functions.delete_version(FUNCTION, version)
    assert [v.version for v in functions.versions(FUNCTION)] == ["$LATEST"]

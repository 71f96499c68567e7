"""The Lambda alias shifter on in-process moto: our own validation comes before the call
(moto accepts invalid routing), and every change is read back."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from infra.aws import AwsClients
from infra.aws.lambda_ import LambdaFunctions
from infra.rollout.errors import ShiftFailed
from infra.rollout.shifters.base import Weights
from infra.rollout.shifters.lambda_alias import LambdaAliasShifter
from tests.unit.infra.rollout.conftest import REGION

FUNCTION = "energy-insights-prod-api"


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
        FunctionName=FUNCTION, Runtime="python3.11", Role=role, Handler="handler.main",
        Code={"ZipFile": bundle("one")},
    )  # fmt: skip
    functions = LambdaFunctions(clients)
    for text in ("one", "two"):
        clients.lambda_.update_function_code(FunctionName=FUNCTION, ZipFile=bundle(text))
        functions.publish(FUNCTION)
    functions.create_alias(FUNCTION, "live", "1")
    return functions


def test_weights_move_between_stable_and_canary(functions: LambdaFunctions) -> None:
    shifter = LambdaAliasShifter(functions, FUNCTION, "live", "1", "2")
    assert shifter.read_weight() == Weights("1", "2", 0)
    for percent in (10, 50, 100, 0, 33):
        assert shifter.set_weight(percent) == Weights("1", "2", percent)
        alias = functions.alias(FUNCTION, "live")
        assert alias is not None
        if percent == 100:
            assert (alias.version, dict(alias.weights)) == ("2", {})
        elif percent:
            assert (alias.version, dict(alias.weights)) == ("1", {"2": percent / 100})
        else:
            assert (alias.version, dict(alias.weights)) == ("1", {})


def test_promote_and_reset(functions: LambdaFunctions) -> None:
    shifter = LambdaAliasShifter(functions, FUNCTION, "live", "1", "2")
    shifter.set_weight(50)
    assert shifter.promote().canary_percent == 100
    assert shifter.promote().canary_percent == 100
    assert shifter.reset().canary_percent == 0
    alias = functions.alias(FUNCTION, "live")
    assert alias is not None and alias.version == "1"


@pytest.mark.parametrize(
    ("stable", "canary", "says"),
    [
        ("$LATEST", "2", "stable version '\\$LATEST' .* is not a published version number"),
        ("1", "1.5", "canary version '1.5'"),
        ("2", "2", "stable and canary are both version 2"),
    ],
)
def test_versions_are_checked_before_any_call(
    functions: LambdaFunctions, stable: str, canary: str, says: str
) -> None:
    with pytest.raises(ShiftFailed, match=says):
        LambdaAliasShifter(functions, FUNCTION, "live", stable, canary)


def test_an_unpublished_version_is_refused_before_the_call(functions: LambdaFunctions) -> None:
    shifter = LambdaAliasShifter(functions, FUNCTION, "live", "1", "9")
    with pytest.raises(ShiftFailed, match=r"version 9 of .* is not published \(have: 1, 2\)"):
        shifter.set_weight(10)
    alias = functions.alias(FUNCTION, "live")
    assert alias is not None and dict(alias.weights) == {}  # moto would have taken it


def test_an_alias_changed_by_hand_is_refused(functions: LambdaFunctions) -> None:
    functions.update_alias(FUNCTION, "live", "2", {"1": 0.2})
    shifter = LambdaAliasShifter(functions, FUNCTION, "live", "1", "2")
    with pytest.raises(ShiftFailed, match="changed outside this rollout"):
        shifter.set_weight(10)


def test_a_missing_alias_says_to_deploy(functions: LambdaFunctions) -> None:
    shifter = LambdaAliasShifter(functions, FUNCTION, "blue", "1", "2")
    with pytest.raises(ShiftFailed, match=r"alias blue .* does not exist: deploy the stack first"):
        shifter.read_weight()

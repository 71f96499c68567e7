"""Pure parts of post-apply verification."""

from __future__ import annotations

import base64
import hashlib

import pytest

from infra.deploy.verify import (
    Check,
    Verification,
    code_sha256,
    key_schema_problem,
    skipped_by_emulator,
)


def test_code_sha256_is_lambdas_base64_form_of_the_hex_digest() -> None:
    data = b"zip bytes"
    hexdigest = hashlib.sha256(data).hexdigest()
    assert code_sha256(hexdigest) == base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.mark.parametrize(
    ("schema", "ok"),
    [
        ((("pk", "HASH"), ("sk", "RANGE")), True),
        ((("pk", "HASH"),), False),
        ((("id", "HASH"), ("sk", "RANGE")), False),
        ((("sk", "RANGE"), ("pk", "HASH")), False),
        ((), False),
    ],
)
def test_key_schema_problem(schema: tuple[tuple[str, str], ...], ok: bool) -> None:
    assert (key_schema_problem(schema, "pk", "sk") == "") is ok


def test_skipped_by_emulator_names_skipped_types_and_aws_only_resources() -> None:
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api"},
            "Alias": {"Type": "AWS::Lambda::Alias"},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm"},
            "Perm": {"Type": "AWS::Lambda::Permission", "Condition": "OnAws"},
            "Table": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    assert skipped_by_emulator(template) == (
        "Alarm (AWS::CloudWatch::Alarm)",
        "Alias (AWS::Lambda::Alias)",
        "Api (AWS::ApiGatewayV2::Api)",
        "Perm (AWS::Lambda::Permission, AWS only)",
    )


def test_verification_lists_failures_and_says_what_was_not_deployed() -> None:
    result = Verification(
        (Check("table t", True, "exists"), Check("alias f:live", False, "not found")),
        ("Api (AWS::ApiGatewayV2::Api)",),
        "",
    )
    assert result.failures == ("alias f:live: not found",)
    lines = result.lines()
    assert lines[0] == "  ok   table t: exists"
    assert lines[1] == "  FAIL alias f:live: not found"
    assert "NOT DEPLOYED" in lines[2]
    assert "Api (AWS::ApiGatewayV2::Api)" in lines[2]

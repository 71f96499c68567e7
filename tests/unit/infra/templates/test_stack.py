"""The synthesized stack: security properties, wiring, and the contract the deployer reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.settings import Var
from infra.config import LAMBDA_PYTHON, load_environment
from infra.templates import build_template, contract, render_template
from infra.templates.function import ENV_TRACE_DISABLED, TRACE_ACTIONS
from infra.templates.storage import (
    DATA_PARTITION_KEY,
    DATA_SORT_KEY,
    DEPLOYMENTS_PARTITION_KEY,
    DEPLOYMENTS_SORT_KEY,
)
from tests.unit.infra.templates.conftest import resources_of_type

DATA_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket")


def only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.values()))


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    result: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return result


def test_tables_have_pitr_sse_and_on_demand_billing(template: dict[str, Any]) -> None:
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    assert set(tables) == {"DataTable", "DeploymentsTable"}
    keys = {
        "DataTable": [DATA_PARTITION_KEY, DATA_SORT_KEY],
        "DeploymentsTable": [DEPLOYMENTS_PARTITION_KEY, DEPLOYMENTS_SORT_KEY],
    }
    for logical_id, table in tables.items():
        p = table["Properties"]
        assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert p["SSESpecification"] == {"SSEEnabled": True}
        assert p["BillingMode"] == "PAY_PER_REQUEST"
        assert [k["AttributeName"] for k in p["KeySchema"]] == keys[logical_id]


def test_data_table_keys_are_the_apps() -> None:
    from app.storage.table import PK, SK

    assert (DATA_PARTITION_KEY, DATA_SORT_KEY) == (PK, SK)


def test_bucket_is_versioned_encrypted_and_not_public(template: dict[str, Any]) -> None:
    bucket = props(template, "ReportsBucket")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_bucket_policy_denies_requests_without_tls(template: dict[str, Any]) -> None:
    policy = only(resources_of_type(template, "AWS::S3::BucketPolicy"))["Properties"]
    assert policy["Bucket"] == {"Ref": "ReportsBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["ReportsBucket", "Arn"]},
        {"Fn::Sub": "${ReportsBucket.Arn}/*"},
    ]


def allow_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = props(template, "FunctionRole")
    return [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def test_role_has_no_wildcard_actions_and_no_wildcard_resources(template: dict[str, Any]) -> None:
    assert "ManagedPolicyArns" not in props(template, "FunctionRole")
    for statement in allow_statements(template):
        actions = statement["Action"]
        assert actions, statement
        assert all("*" not in action for action in actions), statement
        if statement.get("Sid") == "WriteTraces":  # X-Ray has no resource-level permissions
            assert set(actions) == set(TRACE_ACTIONS)
            continue
        assert "*" not in statement["Resource"], statement


def test_data_permissions_are_scoped_to_the_stacks_table_and_bucket(
    template: dict[str, Any],
) -> None:
    by_sid = {s["Sid"]: s for s in allow_statements(template)}
    assert by_sid["UseDataTable"]["Resource"] == [{"Fn::GetAtt": ["DataTable", "Arn"]}]
    assert by_sid["ListReportsBucket"]["Resource"] == [{"Fn::GetAtt": ["ReportsBucket", "Arn"]}]
    assert by_sid["ReadWriteReports"]["Resource"] == [{"Fn::Sub": "${ReportsBucket.Arn}/*"}]
    assert by_sid["WriteOwnLogs"]["Resource"] == [{"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}]
    dynamo = [a for s in allow_statements(template) for a in s["Action"] if a.startswith("dynamo")]
    assert "dynamodb:DeleteTable" not in dynamo
    assert "dynamodb:Scan" not in dynamo


def test_function_runs_the_one_python_from_s3_by_digest(template: dict[str, Any]) -> None:
    function = props(template, "Function")
    assert function["Runtime"] == f"python{LAMBDA_PYTHON}"
    assert function["Code"] == {
        "S3Bucket": {"Ref": contract.PARAM_ARTIFACT_BUCKET},
        "S3Key": {"Fn::Sub": "lambda/${ArtifactDigest}.zip"},
    }
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}


def test_function_environment_matches_the_variables_the_app_reads(
    template: dict[str, Any],
) -> None:
    variables = props(template, "Function")["Environment"]["Variables"]
    app_vars = {var.value for var in Var}
    assert set(variables) - {ENV_TRACE_DISABLED} <= app_vars
    required = {Var.ENV, Var.TABLE, Var.BUCKET, Var.JWT_ISSUER, Var.JWT_AUDIENCE}
    assert {var.value for var in required} <= set(variables)
    assert variables[Var.TABLE.value] == {"Ref": "DataTable"}
    assert variables[Var.BUCKET.value] == {"Ref": "ReportsBucket"}
    assert variables[Var.DIGEST.value] == {"Ref": contract.PARAM_ARTIFACT_DIGEST}
    assert variables[Var.JWT_JWKS_URL.value] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
        "/.well-known/jwks.json"
    }
    assert variables[Var.JWT_AUDIENCE.value] == {"Ref": "UserPoolClient"}


def test_prod_function_refuses_fault_injection(templates: dict[str, dict[str, Any]]) -> None:
    variables = props(templates["prod"], "Function")["Environment"]["Variables"]
    assert variables[contract.ENV_FAULT_ALLOW_PROD] == "false"
    assert variables[contract.ENV_APP_ENV] == "prod"


@pytest.mark.parametrize(("env", "reserved"), [("dev", None), ("staging", 20), ("prod", 100)])
def test_sizing_comes_from_the_config(
    templates: dict[str, dict[str, Any]], env: str, reserved: int | None
) -> None:
    config = load_environment(env)
    function = props(templates[env], "Function")
    assert function["MemorySize"] == config.function.memory_mb
    assert function["Timeout"] == config.function.timeout_s
    assert function.get("ReservedConcurrentExecutions") == reserved
    skipped = {
        s["id"] for s in templates[env]["Resources"]["Function"]["Metadata"]["checkov"]["skip"]
    }
    assert ("CKV_AWS_115" in skipped) is (reserved is None)


def test_log_groups_keep_logs_for_the_configured_days(template: dict[str, Any]) -> None:
    config = load_environment(template["Outputs"][contract.OUT_ENVIRONMENT]["Value"])
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    assert set(groups) == {
        "FunctionLogGroup",
        "AccessLogGroup",
        "NotifierLogGroup",
        "TokenClaimsLogGroup",
    }
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {
        config.log_retention_days
    }
    assert groups["FunctionLogGroup"]["Properties"]["LogGroupName"] == (
        config.names.function_log_group
    )


def test_alias_serves_the_new_version_unless_a_live_version_is_pinned(
    template: dict[str, Any],
) -> None:
    alias = props(template, "LiveAlias")
    assert alias["Name"] == "live"
    assert alias["FunctionVersion"] == {
        "Fn::If": [
            "ServeNewVersion",
            {"Fn::GetAtt": ["FunctionVersion", "Version"]},
            {"Ref": contract.PARAM_LIVE_VERSION},
        ]
    }


def test_replaced_versions_stay_published_for_canary_and_rollback(
    template: dict[str, Any],
) -> None:
    version = template["Resources"]["FunctionVersion"]
    assert (version["DeletionPolicy"], version["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert version["Properties"]["Description"]["Fn::Sub"].startswith("artifact ${ArtifactDigest}")


def test_a_settings_change_publishes_a_new_version() -> None:
    dev = load_environment("dev")
    bigger = dev.model_copy(
        update={"function": dev.function.model_copy(update={"memory_mb": 1024})}
    )

    def description(config: Any) -> str:
        data = build_template(config).to_dict()
        return str(data["Resources"]["FunctionVersion"]["Properties"]["Description"])

    assert description(dev) != description(bigger)
    assert description(dev) == description(load_environment("dev"))


def test_http_api_requires_a_jwt_except_on_health_and_version(template: dict[str, Any]) -> None:
    authorizer = props(template, "JwtAuthorizer")
    assert authorizer["AuthorizerType"] == "JWT"
    # The stack's own user pool issues the tokens (infra/templates/identity.py).
    assert authorizer["JwtConfiguration"] == {
        "Audience": [{"Ref": "UserPoolClient"}],
        "Issuer": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"},
    }
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in resources_of_type(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert routes["$default"]["AuthorizationType"] == "JWT"
    assert routes["$default"]["AuthorizerId"] == {"Ref": "JwtAuthorizer"}
    assert {k for k, r in routes.items() if r["AuthorizationType"] == "NONE"} == {
        "GET /health",
        "GET /version",
    }


def test_api_invokes_the_live_alias(template: dict[str, Any]) -> None:
    integration = props(template, "LambdaIntegration")
    assert integration["IntegrationUri"] == {"Ref": "LiveAlias"}
    assert integration["TimeoutInMillis"] <= 30_000
    permission = template["Resources"]["ApiInvokePermission"]
    assert permission["Condition"] == "OnAws"
    assert permission["Properties"]["FunctionName"] == {"Fn::Sub": "${Function}:live"}
    stage = props(template, "DefaultStage")
    assert stage["StageName"] == "$default"
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["AccessLogGroup", "Arn"]}


def test_parameters_and_outputs_are_the_contract(template: dict[str, Any]) -> None:
    assert sorted(template["Parameters"]) == sorted(contract.PARAMETERS)
    assert sorted(template["Outputs"]) == sorted(contract.OUTPUTS)


def test_no_output_trips_the_emulator(template: dict[str, Any]) -> None:
    """moto: GetAtt Version.Version wipes all outputs; GetAtt on a skipped type fails create."""
    unsupported = {"AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::ApiGatewayV2::Api"}
    for key, output in template["Outputs"].items():
        value = output["Value"]
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            target = template["Resources"][value["Fn::GetAtt"][0]]["Type"]
            assert target not in unsupported, key


def test_stateful_resources_are_retained_outside_dev(
    templates: dict[str, dict[str, Any]],
) -> None:
    for env, expected in (("dev", "Delete"), ("staging", "Retain"), ("prod", "Retain")):
        for logical_id in ("DataTable", "DeploymentsTable", "ReportsBucket"):
            resource = templates[env]["Resources"][logical_id]
            assert resource["DeletionPolicy"] == expected, (env, logical_id)
            assert resource["UpdateReplacePolicy"] == expected, (env, logical_id)


def test_every_scanner_suppression_is_justified(template: dict[str, Any]) -> None:
    for logical_id, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["id"].startswith("CKV"), logical_id
            assert len(skip["comment"]) > 40, (logical_id, skip)


def test_rendering_is_stable_sorted_json() -> None:
    dev = load_environment("dev")
    text = render_template(dev)
    assert text == render_template(load_environment("dev"))
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    ("digest", "ok"),
    [("a" * 64, True), ("0" * 63, False), ("A" * 64, False), ("g" * 64, False), ("", False)],
)
def test_artifact_key_accepts_only_sha256_hex(digest: str, ok: bool) -> None:
    if ok:
        assert contract.artifact_key(digest) == f"lambda/{digest}.zip"
    else:
        with pytest.raises(ValueError, match="64 lowercase hex"):
            contract.artifact_key(digest)

"""The pool's token customization in the stack: resource server with the API's scopes, a group
per role, and the pre-token-generation trigger (AWS only: the emulator runs no triggers)."""

from __future__ import annotations

import ast
from typing import Any

from app.authz import Scope
from infra.operations.users import token_claims_function
from infra.operations.users.grants import RESOURCE_SERVER, Role, roles_setting
from infra.templates.parameters import ON_AWS_CONDITION
from infra.templates.token_claims import POOL_TIER, TRIGGER_SOURCE, TRIGGER_VERSION
from tests.unit.infra.templates.conftest import resources_of_type

INLINE_CODE_LIMIT = 4096  # characters CloudFormation takes as Code.ZipFile


def test_the_resource_server_declares_every_scope_the_api_checks(
    template: dict[str, Any],
) -> None:
    servers = resources_of_type(template, "AWS::Cognito::UserPoolResourceServer")
    assert list(servers) == ["ApiResourceServer"]
    props = servers["ApiResourceServer"]["Properties"]
    assert props["Identifier"] == RESOURCE_SERVER
    assert props["UserPoolId"] == {"Ref": "UserPool"}
    assert sorted(s["ScopeName"] for s in props["Scopes"]) == sorted(s.value for s in Scope)


def test_one_group_per_role_admin_first(template: dict[str, Any]) -> None:
    groups = {
        g["Properties"]["GroupName"]: g["Properties"]["Precedence"]
        for g in resources_of_type(template, "AWS::Cognito::UserPoolGroup").values()
    }
    assert set(groups) == {role.value for role in Role}
    # Cognito: the lowest precedence wins when a user is in several groups.
    assert groups["admin"] < groups["writer"] < groups["reader"]


def test_the_trigger_exists_on_aws_only_and_the_pool_calls_it(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for name in ("TokenClaimsFunction", "TokenClaimsRole", "TokenClaimsLogGroup"):
        assert resources[name]["Condition"] == ON_AWS_CONDITION, name
    assert resources["TokenClaimsInvoke"]["Condition"] == ON_AWS_CONDITION
    assert resources["TokenClaimsInvoke"]["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
    pool = resources["UserPool"]["Properties"]
    assert pool["UserPoolTier"] == POOL_TIER
    condition, on_aws, elsewhere = pool["LambdaConfig"]["Fn::If"]
    assert condition == ON_AWS_CONDITION
    assert elsewhere == {"Ref": "AWS::NoValue"}
    assert on_aws["PreTokenGenerationConfig"] == {
        "LambdaArn": {"Fn::GetAtt": ["TokenClaimsFunction", "Arn"]},
        "LambdaVersion": TRIGGER_VERSION,
    }
    function = resources["TokenClaimsFunction"]["Properties"]
    assert function["Environment"]["Variables"] == {
        "ROLES": roles_setting(),
        "RESOURCE_SERVER": RESOURCE_SERVER,
    }
    assert function["Code"]["ZipFile"] == TRIGGER_SOURCE
    assert function["Handler"] == "index.handler"


def test_the_inline_trigger_is_small_and_uses_the_standard_library_only() -> None:
    assert len(TRIGGER_SOURCE) <= INLINE_CODE_LIMIT
    imported: set[str] = set()
    for node in ast.walk(ast.parse(TRIGGER_SOURCE)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(str(node.module).split(".")[0])
    assert imported <= {"json", "os", "typing"}


def test_the_trigger_writes_a_v2_access_token_response(monkeypatch: Any) -> None:
    monkeypatch.setenv("ROLES", roles_setting())
    monkeypatch.setenv("RESOURCE_SERVER", RESOURCE_SERVER)
    event: dict[str, Any] = {
        "version": "2",
        "request": {"groupConfiguration": {"groupsToOverride": ["reader", "site:plant-7"]}},
        "response": {},
    }
    answer = token_claims_function.handler(event, None)
    assert answer["response"] == {
        "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {
                "scopesToAdd": [f"{RESOURCE_SERVER}/readings:read"],
                "claimsToAddOrOverride": {"sites": ["plant-7"]},
            }
        }
    }


def test_a_user_in_no_group_gets_no_scopes_and_no_sites(monkeypatch: Any) -> None:
    monkeypatch.setenv("ROLES", roles_setting())
    monkeypatch.setenv("RESOURCE_SERVER", RESOURCE_SERVER)
    answer = token_claims_function.handler({"request": {}}, None)
    access = answer["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access == {"scopesToAdd": [], "claimsToAddOrOverride": {"sites": []}}

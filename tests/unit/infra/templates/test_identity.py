"""The identity provider in the stack: pool and client from the config, trusted by the
authorizer and the function; an external issuer instead when the config says so."""

from __future__ import annotations

from typing import Any

import pytest
from troposphere import Template

from infra.config import load_environment
from infra.config.identity import IdentityConfig
from infra.config.model import JwtConfig
from infra.operations.users.local_identity import api_pool_parameters
from infra.templates.identity import add_identity, client_properties, pool_properties
from infra.templates.stack import build_template


@pytest.mark.parametrize(
    ("env", "policy", "protection", "length"),
    [
        ("dev", "Delete", "INACTIVE", 12),
        ("staging", "Retain", "ACTIVE", 12),
        ("prod", "Retain", "ACTIVE", 14),
    ],
)
def test_pool_follows_the_config(env: str, policy: str, protection: str, length: int) -> None:
    resources = build_template(load_environment(env)).to_dict()["Resources"]
    pool = resources["UserPool"]
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == policy
    props = pool["Properties"]
    assert props["DeletionProtection"] == protection
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] == length
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert props["UserPoolName"] == f"energy-insights-{env}-users"
    client = resources["UserPoolClient"]["Properties"]
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    assert client["GenerateSecret"] is False
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]


@pytest.mark.parametrize(("mfa", "enabled"), [("off", None), ("optional", ["SOFTWARE_TOKEN_MFA"])])
def test_mfa_factors_only_when_mfa_is_on(mfa: str, enabled: list[str] | None) -> None:
    config = load_environment("dev").model_copy(
        update={"identity": IdentityConfig(mfa=mfa)}  # type: ignore[arg-type]
    )
    assert pool_properties(config).get("EnabledMfas") == enabled


def test_the_local_pool_uses_the_same_properties_through_the_api() -> None:
    config = load_environment("staging")
    params = api_pool_parameters(config)
    assert params["PoolName"] == "energy-insights-staging-users"
    assert "UserPoolName" not in params and "EnabledMfas" not in params
    template_props = pool_properties(config)
    assert params["Policies"] == template_props["Policies"]
    assert client_properties(config)["AccessTokenValidity"] == 1


def test_an_external_issuer_replaces_the_pool() -> None:
    config = load_environment("dev").model_copy(
        update={
            "identity": IdentityConfig(provider="external"),
            "jwt": JwtConfig(issuer="https://auth.example.com/", audience="api"),
        }
    )
    template = Template()
    issuer = add_identity(template, config)
    assert template.resources == {}
    assert (issuer.issuer, issuer.audience) == ("https://auth.example.com/", "api")
    assert issuer.jwks_url == "https://auth.example.com/.well-known/jwks.json"
    authorizer: dict[str, Any] = build_template(config).to_dict()["Resources"]["JwtAuthorizer"]
    assert authorizer["Properties"]["JwtConfiguration"]["Issuer"] == "https://auth.example.com/"

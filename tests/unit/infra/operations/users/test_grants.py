"""Role and site groups -> access token scopes and sites: the inline trigger, the rule in
grants.py and the app's authorization agree."""

from __future__ import annotations

import json

import pytest

from app.authz import Scope, decide, principal_of
from infra.errors import UsageError
from infra.operations.users import token_claims_function
from infra.operations.users.grants import (
    RESOURCE_SERVER,
    ROLE_SCOPES,
    Role,
    parse_role,
    roles_setting,
    site_group,
    token_grants,
)

GROUPS = [
    ([], (), ()),
    (["reader"], ("readings:read",), ()),
    (["reader", "site:a-1"], ("readings:read",), ("a-1",)),
    (
        ["writer", "site:b", "site:a"],
        ("readings:read", "readings:write", "reports:write"),
        ("a", "b"),
    ),
    (["admin"], tuple(sorted(s.value for s in Scope)), ()),
    (["reader", "writer"], ("readings:read", "readings:write", "reports:write"), ()),
    (["unrelated", "site:a"], (), ("a",)),
]


@pytest.mark.parametrize(("groups", "scopes", "sites"), GROUPS)
def test_token_grants(groups: list[str], scopes: tuple[str, ...], sites: tuple[str, ...]) -> None:
    assert token_grants(groups) == (scopes, sites)


@pytest.mark.parametrize(("groups", "scopes", "sites"), GROUPS)
def test_the_inline_trigger_grants_the_same(
    groups: list[str], scopes: tuple[str, ...], sites: tuple[str, ...]
) -> None:
    access = token_claims_function.grants(groups, json.loads(roles_setting()), RESOURCE_SERVER)
    assert access["scopesToAdd"] == [f"{RESOURCE_SERVER}/{s}" for s in scopes]
    assert access["claimsToAddOrOverride"] == {"sites": list(sites)}


def test_the_app_authorizes_what_the_trigger_grants() -> None:
    access = token_claims_function.grants(
        ["writer", site_group("plant-1")], json.loads(roles_setting()), RESOURCE_SERVER
    )
    claims = {
        "sub": "user-1",
        "scope": " ".join(["aws.cognito.signin.user.admin", *access["scopesToAdd"]]),
        **access["claimsToAddOrOverride"],
    }
    principal = principal_of(claims, RESOURCE_SERVER)
    assert decide(principal, Scope.READINGS_WRITE, "plant-1").allowed
    assert not decide(principal, Scope.READINGS_WRITE, "plant-2").allowed
    assert not decide(principal, Scope.SITES_ADMIN, "plant-1").allowed


def test_roles_setting_lists_each_roles_scopes() -> None:
    assert json.loads(roles_setting()) == {
        role.value: [s.value for s in scopes] for role, scopes in ROLE_SCOPES.items()
    }
    assert set(ROLE_SCOPES[Role.ADMIN]) == set(Scope)


def test_parse_role() -> None:
    assert parse_role("") is None
    assert parse_role("writer") is Role.WRITER
    with pytest.raises(UsageError, match=r"'boss'.*reader, writer, admin"):
        parse_role("boss")


def test_site_group_refuses_ids_the_api_never_accepts() -> None:
    assert site_group("plant-1") == "site:plant-1"
    with pytest.raises(UsageError, match="'a b'"):
        site_group("a b")

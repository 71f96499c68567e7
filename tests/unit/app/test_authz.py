"""Authorization decisions, table-tested: scopes (bare and prefixed), the sites claim, decide."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from app.authz import (
    ALL_SCOPES,
    ROUTE_SCOPES,
    Principal,
    Refusal,
    Scope,
    decide,
    principal_of,
    raw_scopes,
    recognised_scopes,
    sites_of,
)

RS = "energy-insights"


@pytest.mark.parametrize(
    ("claims", "scopes"),
    [
        ({"scope": "a b"}, {"a", "b"}),
        ({"scope": "  a   b "}, {"a", "b"}),
        ({"scp": ["a", "b"]}, {"a", "b"}),
        ({"scope": "a", "scp": ["b"]}, {"a"}),  # `scope` wins
        ({"scope": 3}, set()),
        ({"scope": None}, set()),
        ({}, set()),
    ],
)
def test_raw_scopes(claims: dict[str, Any], scopes: set[str]) -> None:
    assert raw_scopes(claims) == frozenset(scopes)


@pytest.mark.parametrize(
    ("raw", "resource_server", "expected"),
    [
        (["readings:read"], RS, {Scope.READINGS_READ}),
        (["energy-insights/readings:read"], RS, {Scope.READINGS_READ}),
        ([f"{RS}/{s.value}" for s in Scope], RS, set(Scope)),
        ([s.value for s in Scope], RS, set(Scope)),
        (["other-api/readings:read"], RS, set()),  # another resource server's scope
        (["energy-insights/energy-insights/readings:read"], RS, set()),
        (["energy-insights/"], RS, set()),
        (["readings:read/energy-insights"], RS, set()),
        (["Readings:Read", "readings:*", "*", "readings"], RS, set()),  # exact names only
        (["openid", "email", "aws.cognito.signin.user.admin"], RS, set()),
        (["https://api.example.com/sites:admin"], "https://api.example.com", {Scope.SITES_ADMIN}),
        (["energy-insights/sites:admin"], "https://api.example.com", set()),
        ([], RS, set()),
    ],
)
def test_recognised_scopes(raw: list[str], resource_server: str, expected: set[Scope]) -> None:
    assert recognised_scopes(raw, resource_server) == frozenset(expected)


@pytest.mark.parametrize(
    ("claim", "sites"),
    [
        (["a", "b"], {"a", "b"}),
        (["a", "a"], {"a"}),
        ([], set()),
        (None, set()),  # the claim is missing
        ("a", set()),  # a string is not a list: no guessing at separators
        ("a b", set()),
        ({"a": True}, set()),
        (["a", "*"], set()),  # no wildcard, and one bad entry voids the claim
        (["a", ""], set()),
        (["a", 7], set()),
        (["a", "b/c"], set()),
        (["x" * 64], {"x" * 64}),  # the longest site id
        (["x" * 65], set()),
        (["site_1-A"], {"site_1-A"}),
    ],
)
def test_sites_of(claim: Any, sites: set[str]) -> None:
    claims = {} if claim is None else {"sites": claim}
    assert sites_of(claims) == frozenset(sites)


def test_principal_of() -> None:
    claims = {"sub": "u1", "scope": f"{RS}/readings:read openid", "sites": ["a"]}
    assert principal_of(claims, RS) == Principal(
        "u1", frozenset({Scope.READINGS_READ}), frozenset({"a"})
    )


def who(scopes: set[Scope], sites: set[str]) -> Principal:
    return Principal("u", frozenset(scopes), frozenset(sites))


CASES = [
    # (granted scopes, granted sites, required scope, addressed site, refusal)
    *[(set(Scope), {"a"}, scope, "a", None) for scope in Scope],
    *[(set(Scope) - {scope}, {"a"}, scope, "a", Refusal.MISSING_SCOPE) for scope in Scope],
    *[(set(Scope), {"a"}, scope, "b", Refusal.FOREIGN_SITE) for scope in Scope],
    *[(set(Scope) - {scope}, {"a"}, scope, "b", Refusal.MISSING_SCOPE) for scope in Scope],
    *[({scope}, {"a", "b"}, scope, "b", None) for scope in Scope],
    *[({scope}, set(), scope, None, None) for scope in Scope],  # a route with no site in its path
    *[(set(), {"a"}, scope, None, Refusal.MISSING_SCOPE) for scope in Scope],
    *[(set(Scope), set(), scope, "a", Refusal.FOREIGN_SITE) for scope in Scope],
    (set(Scope), {"a"}, Scope.READINGS_READ, "A", Refusal.FOREIGN_SITE),  # ids are exact
]


@pytest.mark.parametrize(("scopes", "sites", "scope", "site", "refusal"), CASES)
def test_decide(
    scopes: set[Scope], sites: set[str], scope: Scope, site: str | None, refusal: Refusal | None
) -> None:
    decision = decide(who(scopes, sites), scope, site)
    assert decision.refusal is refusal
    assert decision.allowed is (refusal is None)
    if refusal is Refusal.MISSING_SCOPE:
        assert scope.value in decision.message
    if refusal is Refusal.FOREIGN_SITE:
        assert f"site '{site}'" in decision.message


@pytest.mark.parametrize(("held", "needed"), list(itertools.product(Scope, Scope)))
def test_no_scope_implies_another(held: Scope, needed: Scope) -> None:
    assert decide(who({held}, {"a"}), needed, "a").allowed is (held is needed)


def test_every_scope_guards_some_route() -> None:
    assert set(ROUTE_SCOPES.values()) == set(ALL_SCOPES)

"""Signing in: a real token is accepted; missing, forged, expired and foreign tokens are
refused with a bare 401 that never echoes the token."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import body
from tests.e2e.identity import Identity


def refused(anonymous: httpx.Client, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = anonymous.get(path, headers=headers)
    assert response.status_code == 401, f"{path} with {token and 'a bad token'}: {response.text}"
    assert response.headers.get("www-authenticate", "").startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    if token:
        assert token not in response.text
    return response


def test_health_and_version_are_public(anonymous: httpx.Client) -> None:
    assert body(anonymous.get("/health"), 200)["status"] == "ok"
    version = body(anonymous.get("/version"), 200)
    assert set(version) >= {"version", "commit", "artifact_digest", "environment"}


def test_a_token_from_the_identity_provider_is_accepted(
    api: httpx.Client, sites: tuple[str, ...]
) -> None:
    site = sites[0]
    body(api.put(f"/sites/{site}", json={"name": "E2E sign-in"}), 200)
    assert body(api.get(f"/sites/{site}"), 200)["name"] == "E2E sign-in"


def test_no_token_is_refused(anonymous: httpx.Client, sites: tuple[str, ...]) -> None:
    refused(anonymous, f"/sites/{sites[0]}", None)
    refused(anonymous, "/reports/" + "0" * 32, None)


def test_a_forged_signature_is_refused(
    anonymous: httpx.Client, identity: Identity, sites: tuple[str, ...]
) -> None:
    head, _, signature = identity.token(sites).rpartition(".")
    forged = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    refused(anonymous, f"/sites/{sites[0]}", forged)
    refused(anonymous, f"/sites/{sites[0]}", "not-a-jwt")


def test_an_expired_token_is_refused(
    anonymous: httpx.Client, identity: Identity, sites: tuple[str, ...]
) -> None:
    expired = identity.expired_token(sites)
    if expired is None:
        pytest.skip(f"the {identity.kind} identity cannot mint an expired token")
    refused(anonymous, f"/sites/{sites[0]}", expired)


def test_a_token_for_another_api_is_refused(
    anonymous: httpx.Client, identity: Identity, sites: tuple[str, ...]
) -> None:
    foreign = identity.foreign_audience_token(sites)
    if foreign is None:
        pytest.skip(f"the {identity.kind} identity cannot mint a token for another audience")
    refused(anonymous, f"/sites/{sites[0]}", foreign)

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from app.auth import (
    LEEWAY_S,
    JwksKeys,
    KeysUnavailable,
    StaticKey,
    TokenRejected,
    TokenVerifier,
    audience_matches,
    bearer_token,
    token_use_problem,
)
from app.authz import ALL_SCOPES
from app.settings import ExtraIssuer

from .support import AUDIENCE, ISSUER, SITES, keys, other_keys, settings, token

COGNITO = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"

USE = "token_use"  # the claim; as a name, scanners do not read `"token..": ".."` as a secret


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(settings().auth)


def test_valid_token(verifier: TokenVerifier) -> None:
    principal = verifier.verify(token(subject="alice"))
    assert principal.subject == "alice"
    assert principal.scopes == frozenset(ALL_SCOPES)
    assert principal.sites == frozenset(SITES)


def sign(claims: dict[str, Any]) -> str:
    key = load_pem_private_key(keys().private_pem.encode(), None)
    return jwt.encode(claims, key, algorithm="RS256")  # type: ignore[arg-type]


def claims_of(signed: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(signed, options={"verify_signature": False})
    return decoded


@pytest.mark.parametrize(
    ("overrides", "ok"),
    [
        ({"issuer": "https://evil.test"}, False),
        ({"audience": "someone-else"}, False),
        ({"keys": other_keys()}, False),
        ({"ttl_s": -(LEEWAY_S - 5)}, True),  # expired, but within the clock-skew leeway
        ({"ttl_s": -(LEEWAY_S + 5)}, False),
        ({"extra": {"aud": [AUDIENCE, "other"]}}, True),
        ({"extra": {"aud": ["other"]}}, False),
        ({"extra": {"aud": 7}}, False),
        ({"extra": {"nbf": int(time.time()) + 3600}}, False),
    ],
)
def test_claims_are_checked(verifier: TokenVerifier, overrides: dict[str, Any], ok: bool) -> None:
    signed = token(**overrides)
    if ok:
        assert verifier.verify(signed).subject
    else:
        with pytest.raises(TokenRejected):
            verifier.verify(signed)


@pytest.mark.parametrize(("client_id", "ok"), [(AUDIENCE, True), ("other-client", False)])
def test_cognito_access_tokens_match_on_client_id(
    verifier: TokenVerifier, client_id: str, ok: bool
) -> None:
    claims = claims_of(token())
    claims.pop("aud")
    claims["client_id"] = client_id
    if ok:
        assert verifier.verify(sign(claims)).subject
    else:
        with pytest.raises(TokenRejected):
            verifier.verify(sign(claims))


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "sub"])
def test_required_claims(verifier: TokenVerifier, missing: str) -> None:
    claims = claims_of(token())
    claims.pop(missing)
    with pytest.raises(TokenRejected):
        verifier.verify(sign(claims))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hs256_with_public_key() -> str:
    """The algorithm-confusion attack: HMAC 'signed' with the RSA public key as the secret."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_of(token())).encode())
    mac = hmac.new(keys().public_pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{b64(mac.digest())}"


@pytest.mark.parametrize(
    "forged",
    [
        jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x"}, "s" * 32, algorithm="HS256"),
        hs256_with_public_key(),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "not-a-jwt",
        "",
    ],
)
def test_forged_or_garbage_tokens_are_rejected(verifier: TokenVerifier, forged: str) -> None:
    with pytest.raises(TokenRejected):
        verifier.verify(forged)


@pytest.mark.parametrize(
    ("header", "result"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("BEARER abc", "abc"),
        (None, None),
        ("", None),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer   ", None),
    ],
)
def test_bearer_token(header: str | None, result: str | None) -> None:
    if result is None:
        with pytest.raises(TokenRejected):
            bearer_token(header)
    else:
        assert bearer_token(header) == result


@pytest.mark.parametrize(
    ("claims", "issuer", "problem"),
    [
        ({USE: "access"}, ISSUER, None),
        ({USE: "access"}, COGNITO, None),
        ({}, ISSUER, None),  # other issuers need not say
        ({}, COGNITO, "token_use missing"),  # Cognito always says: its absence is suspect
        (
            {USE: "id"},
            COGNITO,
            "token_use 'id' is not 'access'",
        ),
        ({USE: "id"}, ISSUER, "token_use 'id' is not 'access'"),
        (
            {USE: "ACCESS"},
            COGNITO,
            "token_use 'ACCESS' is not 'access'",
        ),
        ({USE: ["access"]}, COGNITO, "token_use \"['access']\" is not 'access'"),
        ({}, COGNITO + "/extra", None),  # not a user pool issuer
    ],
)
def test_token_use_problem(claims: dict[str, Any], issuer: str, problem: str | None) -> None:
    assert token_use_problem(claims, issuer) == problem


@pytest.mark.parametrize(("token_use", "ok"), [("access", True), ("id", False), (None, False)])
def test_cognito_id_tokens_are_rejected(token_use: str | None, ok: bool) -> None:
    from dataclasses import replace

    verifier = TokenVerifier(replace(settings().auth, issuer=COGNITO))
    claims = {**claims_of(token(issuer=COGNITO)), "token_use": token_use}
    if token_use is None:
        claims.pop("token_use")
    if ok:
        assert verifier.verify(sign(claims)).subject
    else:
        with pytest.raises(TokenRejected):
            verifier.verify(sign(claims))


@pytest.mark.parametrize(
    ("claims", "ok"),
    [
        ({"aud": AUDIENCE}, True),
        ({"aud": [AUDIENCE]}, True),
        ({"aud": "x", "client_id": AUDIENCE}, False),
        ({"client_id": AUDIENCE}, True),
        ({}, False),
    ],
)
def test_audience_matches(claims: dict[str, Any], ok: bool) -> None:
    assert audience_matches(claims, AUDIENCE) is ok


class FailingJwks:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_signing_key_from_jwt(self, token: str) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (jwt.PyJWKClientConnectionError("down"), KeysUnavailable),
        (jwt.PyJWKClientError("no kid"), TokenRejected),
        (jwt.DecodeError("bad header"), TokenRejected),
    ],
)
def test_jwks_failures_are_classified(error: Exception, expected: type[Exception]) -> None:
    source = JwksKeys("https://cognito.test/jwks.json")
    source._client = FailingJwks(error)  # type: ignore[assignment]
    with pytest.raises(expected):
        source.key_for("token")


def test_verifier_builds_a_jwks_source_from_settings() -> None:
    auth = replace(settings().auth, public_key_pem=None, jwks_url="https://cognito.test/jwks")
    verifier = TokenVerifier(auth)
    assert isinstance(verifier._trusted[auth.issuer].keys, JwksKeys)


def test_a_second_issuer_is_verified_with_its_own_keys_and_audience() -> None:
    """The local target: the release key and the emulator's user pool, side by side."""
    pool = ExtraIssuer(COGNITO, "pool-client", "http://127.0.0.1:1/jwks.json")
    verifier = TokenVerifier(
        replace(settings().auth, extra=pool), extra_keys=StaticKey(other_keys().public_pem)
    )
    first = verifier.verify(token(subject="dev-key"))
    assert first.scopes == frozenset(ALL_SCOPES)
    pool_claims = {USE: "access", "client_id": "pool-client"}
    pooled = token(
        keys=other_keys(),
        issuer=COGNITO,
        audience=None,
        subject="pool-user",
        scopes=(),
        sites=(),
        extra=pool_claims,
    )
    principal = verifier.verify(pooled)
    assert (principal.subject, principal.scopes, principal.sites) == (
        "pool-user",
        frozenset(),
        frozenset(),
    )
    # each issuer only with its own keys and audience
    for forged in (
        token(keys=keys(), issuer=COGNITO, audience=None, extra=pool_claims),
        token(
            keys=other_keys(),
            issuer=COGNITO,
            audience=None,
            extra={**pool_claims, "client_id": "x"},
        ),
        token(keys=other_keys()),
    ):
        with pytest.raises(TokenRejected):
            verifier.verify(forged)
    with pytest.raises(TokenRejected, match="InvalidIssuerError"):
        verifier.verify(token(issuer="https://elsewhere.test"))

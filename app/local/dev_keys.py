"""A throwaway RSA keypair and signed dev tokens for local runs (never used on AWS).

The tokens look like Cognito access tokens (`token_use: access`, scopes in `scope`) plus the
`sites` claim the API authorizes sites by.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from app.authz import ALL_SCOPES, SITES_CLAIM

LOCAL_ISSUER = "energy-insights-local"
LOCAL_AUDIENCE = "energy-insights-api"
DEV_SUBJECT = "local-developer"
DEV_TOKEN_TTL_S = 12 * 3600
# The site the smoke suite uses unless told otherwise (tests/smoke: --site / SMOKE_SITE).
SMOKE_SITE = "smoke"
# What the dev token of `up` grants: the README's `demo` site, and the smoke suite's site so
# `pytest tests/smoke --base-url ... --token <dev token>` runs against a local stack.
DEMO_SITES: tuple[str, ...] = ("demo", SMOKE_SITE)


@dataclass(frozen=True)
class DevKeys:
    private_pem: str
    public_pem: str


def generate_keys() -> DevKeys:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return DevKeys(private_pem=private_pem, public_pem=public_pem)


def mint_token(
    keys: DevKeys,
    *,
    issuer: str = LOCAL_ISSUER,
    audience: str = LOCAL_AUDIENCE,
    subject: str = DEV_SUBJECT,
    ttl_s: int = DEV_TOKEN_TTL_S,
    now: float | None = None,
    scopes: Iterable[str] = ALL_SCOPES,
    sites: Iterable[str] = DEMO_SITES,
    extra: dict[str, object] | None = None,
) -> str:
    """An RS256 access token the app accepts when configured with keys.public_pem, granting
    `scopes` on `sites` (by default every scope on the demo sites)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": issued,
        "exp": issued + ttl_s,
        "token_use": "access",  # pragma: allowlist secret
        "scope": " ".join(str(scope) for scope in scopes),
        SITES_CLAIM: list(sites),
        **(extra or {}),
    }
    private_key = serialization.load_pem_private_key(keys.private_pem.encode(), password=None)
    assert isinstance(private_key, RSAPrivateKey)
    return jwt.encode(claims, private_key, algorithm="RS256")

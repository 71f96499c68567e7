"""Bearer JWT verification (RS256): signature, issuer, audience, expiry and token type.

On AWS the keys come from the Cognito user pool's JWKS URL; locally from one PEM public key.
Reasons for a rejection are logged by the caller at debug level only; the client sees a bare 401.
What a verified token may do is decided in app.authz.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from app.authz import Principal, principal_of
from app.settings import AuthSettings

ALGORITHMS = ["RS256"]
LEEWAY_S = 30
REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub"]
# The API takes access tokens; Cognito also issues ID tokens (for the client app, not for APIs).
ACCEPTED_TOKEN_USE = "access"  # noqa: S105  # nosec B105 - a token type, not a secret  # pragma: allowlist secret
_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z0-9_-]+$")


class AuthError(Exception):
    """Base of authentication failures."""


class TokenRejected(AuthError):
    """The token is missing, malformed, expired, or not ours. The reason is for logs only."""


class KeysUnavailable(AuthError):
    """The JWKS endpoint could not be reached: a dependency outage, not the client's fault."""


class KeySource(Protocol):
    def key_for(self, token: str) -> Any: ...


class StaticKey:
    """One PEM public key (local runs and tests)."""

    def __init__(self, pem: str) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        self._key = load_pem_public_key(pem.encode())

    def key_for(self, token: str) -> Any:
        return self._key


class JwksKeys:
    """Keys from a JWKS URL (Cognito), cached by PyJWKClient for the life of the process."""

    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=2)

    def key_for(self, token: str) -> Any:
        try:
            return self._client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable("the JWKS endpoint did not answer") from exc
        except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
            raise TokenRejected(f"no usable signing key: {type(exc).__name__}") from exc


def key_source(settings: AuthSettings) -> KeySource:
    if settings.public_key_pem is not None:
        return StaticKey(settings.public_key_pem)
    assert settings.jwks_url is not None  # guaranteed by load_auth
    return JwksKeys(settings.jwks_url)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise TokenRejected("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Authorization is not a bearer token")
    return token.strip()


def audience_matches(claims: Mapping[str, Any], audience: str) -> bool:
    """`aud` (ID tokens, most IdPs) or Cognito access tokens' `client_id` must name us."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        return aud == audience
    if isinstance(aud, list):
        return audience in aud
    return aud is None and claims.get("client_id") == audience


def token_use_problem(claims: Mapping[str, Any], issuer: str) -> str | None:
    """Why the token's type is refused, or None: `token_use` must be `access` when present,
    and is required when the issuer is a Cognito user pool (which always sets it)."""
    token_use = claims.get("token_use")
    if token_use is None:
        return "token_use missing" if _COGNITO_ISSUER.match(issuer) else None
    if token_use != ACCEPTED_TOKEN_USE:
        return f"token_use {str(token_use)[:20]!r} is not {ACCEPTED_TOKEN_USE!r}"
    return None


@dataclass(frozen=True)
class Trusted:
    """One issuer the verifier accepts: its audience and where its keys come from."""

    issuer: str
    audience: str
    keys: KeySource


def trusted_issuers(
    settings: AuthSettings, keys: KeySource | None, extra_keys: KeySource | None = None
) -> dict[str, Trusted]:
    """The configured issuer and the extra one, by `iss` (`keys`/`extra_keys` replace where
    their keys come from: tests)."""
    trusted = {
        settings.issuer: Trusted(
            settings.issuer, settings.audience, keys if keys is not None else key_source(settings)
        )
    }
    extra = settings.extra
    if extra is not None:
        source = extra_keys if extra_keys is not None else JwksKeys(extra.jwks_url)
        trusted[extra.issuer] = Trusted(extra.issuer, extra.audience, source)
    return trusted


class TokenVerifier:
    """Checks a bearer token against the configured issuer(s), audience and keys."""

    def __init__(
        self,
        settings: AuthSettings,
        keys: KeySource | None = None,
        extra_keys: KeySource | None = None,
    ) -> None:
        self._settings = settings
        self._trusted = trusted_issuers(settings, keys, extra_keys)

    def verify(self, token: str) -> Principal:
        trusted = self._trusted.get(_claimed_issuer(token)) or self._trusted[self._settings.issuer]
        try:
            claims = jwt.decode(
                token,
                trusted.keys.key_for(token),
                algorithms=ALGORITHMS,
                issuer=trusted.issuer,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenRejected(type(exc).__name__) from exc
        if not audience_matches(claims, trusted.audience):
            raise TokenRejected("InvalidAudienceError")
        problem = token_use_problem(claims, trusted.issuer)
        if problem is not None:
            raise TokenRejected(problem)
        return principal_of(claims, self._settings.resource_server)


def _claimed_issuer(token: str) -> str:
    """The unverified `iss`, only to pick whose keys verify the token ("" if unreadable)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else ""

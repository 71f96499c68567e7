"""Who the E2E suite signs in as: the environment's identity provider, behind one interface.

- `dev-key` (local target): tokens minted with the local signing key (E2E_SIGNING_KEY, a PEM),
  so the suite can also make expired and wrong-audience tokens.
- `token`: a token handed in (E2E_TOKEN); it must allow the suite's sites (E2E_SITES, and the
  never-created one: `infra.perf.suite_sites.e2e_token_sites`). Correctly signed tokens the API
  must refuse may come with it (E2E_EXPIRED_TOKEN, E2E_FOREIGN_TOKEN: the pipeline's e2e stage
  mints all three host-side from the local keypair, so no signing key enters the stage).
- `cognito`: the AWS user pool's test user (initiate_auth); it arrives with the operations
  issue (#10). Until then choosing it stops the suite with that message.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.authz import ALL_SCOPES
from app.local.dev_keys import LOCAL_AUDIENCE, LOCAL_ISSUER, DevKeys, mint_token

SCOPES: tuple[str, ...] = tuple(ALL_SCOPES)


class IdentityUnavailable(Exception):
    """The requested identity provider cannot give the suite a token; says what to set."""


class Identity(Protocol):
    kind: str

    def token(self, sites: Sequence[str]) -> str:
        """A valid token for `sites` with every scope the flows need."""
        ...

    def expired_token(self, sites: Sequence[str]) -> str | None:
        """A correctly signed token past its expiry (and leeway); None if this provider
        cannot make one."""
        ...

    def foreign_audience_token(self, sites: Sequence[str]) -> str | None:
        """A correctly signed, unexpired token for another API; None if it cannot make one."""
        ...


@dataclass(frozen=True)
class DevKeyIdentity:
    private_pem: str = field(repr=False)
    issuer: str = LOCAL_ISSUER
    audience: str = LOCAL_AUDIENCE
    kind: str = "dev-key"

    def _mint(
        self, sites: Sequence[str], audience: str, ttl_s: int, now: float | None = None
    ) -> str:
        keys = DevKeys(private_pem=self.private_pem, public_pem="")
        return mint_token(
            keys,
            issuer=self.issuer,
            audience=audience,
            subject="e2e-suite",
            ttl_s=ttl_s,
            now=now,
            scopes=SCOPES,
            sites=sites,
        )

    def token(self, sites: Sequence[str]) -> str:
        return self._mint(sites, self.audience, 900)

    def expired_token(self, sites: Sequence[str]) -> str:
        # Issued two hours ago for one hour: expired well beyond the API's 30 s leeway.
        return self._mint(sites, self.audience, 3600, now=time.time() - 7200)

    def foreign_audience_token(self, sites: Sequence[str]) -> str:
        return self._mint(sites, "some-other-api", 900)


@dataclass(frozen=True)
class StaticIdentity:
    value: str = field(repr=False)
    expired: str | None = field(default=None, repr=False)
    foreign: str | None = field(default=None, repr=False)
    kind: str = "token"

    def token(self, sites: Sequence[str]) -> str:
        return self.value

    def expired_token(self, sites: Sequence[str]) -> str | None:
        return self.expired

    def foreign_audience_token(self, sites: Sequence[str]) -> str | None:
        return self.foreign


def identity_from(environ: Mapping[str, str]) -> Identity:
    """E2E_IDENTITY (default: dev-key when E2E_SIGNING_KEY is set, else token)."""
    key = environ.get("E2E_SIGNING_KEY", "").strip()
    token = environ.get("E2E_TOKEN", "").strip()
    kind = environ.get("E2E_IDENTITY", "").strip() or ("dev-key" if key else "token")
    if kind == "dev-key":
        if not key:
            raise IdentityUnavailable("E2E_IDENTITY=dev-key needs E2E_SIGNING_KEY (a PEM)")
        return DevKeyIdentity(
            key,
            issuer=environ.get("E2E_JWT_ISSUER", LOCAL_ISSUER),
            audience=environ.get("E2E_JWT_AUDIENCE", LOCAL_AUDIENCE),
        )
    if kind == "token":
        if not token:
            raise IdentityUnavailable(
                "no identity for the E2E suite: set E2E_SIGNING_KEY (local target) or "
                "E2E_TOKEN (a token the API accepts for E2E_SITES)"
            )
        expired = environ.get("E2E_EXPIRED_TOKEN", "").strip() or None
        foreign = environ.get("E2E_FOREIGN_TOKEN", "").strip() or None
        return StaticIdentity(token, expired, foreign)
    if kind == "cognito":
        raise IdentityUnavailable(
            "E2E_IDENTITY=cognito: signing in through the Cognito user pool arrives with the "
            "operations issue (#10); until then pass a test user's token as E2E_TOKEN"
        )
    raise IdentityUnavailable(f"E2E_IDENTITY={kind!r}: choose dev-key, token or cognito")

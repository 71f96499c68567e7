"""Where the load's bearer token comes from: minted with the local dev keypair for the load's
own sites, or a token given as a secret (AWS: the identity provider's test user)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.local.dev_keys import LOCAL_AUDIENCE, LOCAL_ISSUER, DevKeys, mint_token


class TokenSource(Protocol):
    def token(self, sites: Sequence[str], scopes: Sequence[str], ttl_s: int) -> str:
        """A token the API accepts for `sites` with `scopes`, valid for at least `ttl_s`."""
        ...


@dataclass(frozen=True)
class StaticToken:
    """A token handed in as a secret; it must already allow the load's sites and scopes."""

    value: str = field(repr=False)

    def token(self, sites: Sequence[str], scopes: Sequence[str], ttl_s: int) -> str:
        return self.value


@dataclass(frozen=True)
class DevKeyTokens:
    """Tokens signed with the local keypair (the local target only).

    Each token grants exactly `scopes` on `sites` (the app's per-site authorization).
    """

    private_pem: str = field(repr=False)
    issuer: str = LOCAL_ISSUER
    audience: str = LOCAL_AUDIENCE
    subject: str = "perf-load"

    def token(self, sites: Sequence[str], scopes: Sequence[str], ttl_s: int) -> str:
        keys = DevKeys(private_pem=self.private_pem, public_pem="")
        return mint_token(
            keys,
            issuer=self.issuer,
            audience=self.audience,
            subject=self.subject,
            ttl_s=ttl_s,
            scopes=scopes,
            sites=sites,
        )

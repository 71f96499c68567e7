"""Authorization: which scope each route needs, which sites a token may use, and the decision.

Pure functions over a verified token's claims; the HTTP layer turns a refusal into a 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.readings import SITE_ID_PATTERN

# The claim that lists the site ids a token may use (a JSON array of site ids).
SITES_CLAIM = "sites"

_SITE_ID = re.compile(SITE_ID_PATTERN)


class Scope(StrEnum):
    """What a token may do; each route needs exactly one (see ROUTE_SCOPES)."""

    READINGS_READ = "readings:read"
    READINGS_WRITE = "readings:write"
    REPORTS_WRITE = "reports:write"
    SITES_ADMIN = "sites:admin"


ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)

# (method, route template) -> the scope it needs. /health, /version and /docs are public.
ROUTE_SCOPES: Mapping[tuple[str, str], Scope] = {
    ("PUT", "/sites/{site_id}"): Scope.SITES_ADMIN,
    ("GET", "/sites/{site_id}"): Scope.READINGS_READ,
    ("POST", "/sites/{site_id}/readings"): Scope.READINGS_WRITE,
    ("GET", "/sites/{site_id}/readings"): Scope.READINGS_READ,
    ("GET", "/sites/{site_id}/summary"): Scope.READINGS_READ,
    ("POST", "/sites/{site_id}/reports"): Scope.REPORTS_WRITE,
    ("GET", "/reports/{report_id}"): Scope.READINGS_READ,
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token subject, the scopes we recognise, the sites it may use."""

    subject: str
    scopes: frozenset[Scope]
    sites: frozenset[str]


class Refusal(StrEnum):
    MISSING_SCOPE = "missing_scope"
    FOREIGN_SITE = "foreign_site"


@dataclass(frozen=True)
class Decision:
    """Allowed when `refusal` is None; otherwise `message` tells the client what is missing."""

    refusal: Refusal | None = None
    message: str = ""

    @property
    def allowed(self) -> bool:
        return self.refusal is None


ALLOWED = Decision()


def raw_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """`scope` (space-separated, OAuth2/Cognito) or `scp` (a list, some IdPs)."""
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list):
        return frozenset(str(s) for s in raw)
    return frozenset()


def recognised_scopes(raw: Iterable[str], resource_server: str) -> frozenset[Scope]:
    """Our scopes, bare (`readings:read`) or under our resource server only
    (`<resource_server>/readings:read`); any other prefix or name grants nothing."""
    by_name = {scope.value: scope for scope in Scope}
    prefix = f"{resource_server}/"
    found: set[Scope] = set()
    for name in raw:
        bare = name.removeprefix(prefix)
        if bare in by_name:
            found.add(by_name[bare])
    return frozenset(found)


def sites_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """The site ids of the `sites` claim; a claim that is not a list of site ids grants none."""
    raw = claims.get(SITES_CLAIM)
    if not isinstance(raw, list):
        return frozenset()
    if not all(isinstance(site, str) and _SITE_ID.fullmatch(site) for site in raw):
        return frozenset()
    return frozenset(raw)


def principal_of(claims: Mapping[str, Any], resource_server: str) -> Principal:
    """The Principal of verified claims (`sub` is required by the verifier)."""
    return Principal(
        subject=str(claims["sub"]),
        scopes=recognised_scopes(raw_scopes(claims), resource_server),
        sites=sites_of(claims),
    )


def decide(principal: Principal, scope: Scope, site_id: str | None = None) -> Decision:
    """May `principal` use `scope` (on `site_id`, when the route addresses a site)?"""
    if scope not in principal.scopes:
        return Decision(Refusal.MISSING_SCOPE, f"the token lacks the scope '{scope.value}'")
    if site_id is not None and site_id not in principal.sites:
        return Decision(
            Refusal.FOREIGN_SITE,
            f"the token does not grant access to site '{site_id}' "
            f"(its '{SITES_CLAIM}' claim lists the sites it may use)",
        )
    return ALLOWED

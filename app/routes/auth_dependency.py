"""FastAPI dependencies: the Authorization header to a Principal (or 401), then the route's
scope and site checked against it (or 403). The decisions themselves are in app.authz."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from app.auth import bearer_token
from app.authz import Decision, Principal, Refusal, Scope, decide
from app.http_errors import Forbidden
from app.routes.params import SiteId
from app.services import Services, services

# Declares the security scheme in the OpenAPI document; the header is parsed by bearer_token.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An RS256 access token: scopes in `scope`, site ids in the `sites` claim.",
)


def principal(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    return svc.verifier.verify(bearer_token(request.headers.get("authorization")))


def required_scope(security: SecurityScopes) -> Scope:
    """The one scope the route declared with `Security(..., scopes=[...])`."""
    (name,) = security.scopes
    return Scope(name)


def enforce(decision: Decision, scope: Scope) -> None:
    if decision.refusal is Refusal.MISSING_SCOPE:
        raise Forbidden(decision.message, scope.value)
    if decision.refusal is not None:
        raise Forbidden(decision.message)


def scope_granted(
    security: SecurityScopes, who: Annotated[Principal, Depends(principal)]
) -> Principal:
    """The route's scope, for routes that address no site (their site is checked after lookup)."""
    scope = required_scope(security)
    enforce(decide(who, scope), scope)
    return who


def site_granted(
    security: SecurityScopes, site_id: SiteId, who: Annotated[Principal, Depends(principal)]
) -> Principal:
    """The route's scope, on the site the path addresses."""
    scope = required_scope(security)
    enforce(decide(who, scope, site_id), scope)
    return who

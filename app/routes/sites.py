"""PUT/GET /sites/{site_id}: site metadata."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Security

from app.authz import Principal, Scope
from app.contract.responses import AUTHENTICATED, documented
from app.http_errors import NotFound
from app.routes.auth_dependency import site_granted
from app.routes.params import SiteId
from app.services import Services, services
from app.sites import Site, SiteIn

router = APIRouter()


def existing_site(svc: Services, site_id: str) -> Site:
    """The stored site, or NotFound telling the client how to create it."""
    site = svc.table.get_site(site_id)
    if site is None:
        raise NotFound(f"site '{site_id}' not found: create it with PUT /sites/{site_id}")
    return site


@router.put(
    "/sites/{site_id}",
    response_model=None,
    responses=documented(*AUTHENTICATED, 400, 404, 422, ok=(200, Site, "The stored site.")),
    description="Create or replace a site. Needs `sites:admin` on the site.",
)
def put_site(
    site_id: SiteId,
    body: SiteIn,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Security(site_granted, scopes=[Scope.SITES_ADMIN])],
) -> Site:
    return svc.table.put_site(site_id, body, svc.clock())


@router.get(
    "/sites/{site_id}",
    response_model=None,
    responses=documented(*AUTHENTICATED, 404, 422, ok=(200, Site, "The site.")),
    description="A site's metadata. Needs `readings:read` on the site.",
)
def get_site(
    site_id: SiteId,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Security(site_granted, scopes=[Scope.READINGS_READ])],
) -> Site:
    return existing_site(svc, site_id)

"""PUT/GET /sites/{site_id}: site metadata."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app.http_errors import NotFound
from app.readings import SITE_ID_PATTERN
from app.routes.auth_dependency import Authenticated
from app.services import Services, services
from app.sites import Site, SiteIn

router = APIRouter()

SiteId = Annotated[str, Path(pattern=SITE_ID_PATTERN, description="letters, digits, _ and -")]


def existing_site(svc: Services, site_id: str) -> Site:
    """The stored site, or NotFound telling the client how to create it."""
    site = svc.table.get_site(site_id)
    if site is None:
        raise NotFound(f"site '{site_id}' not found: create it with PUT /sites/{site_id}")
    return site


@router.put("/sites/{site_id}")
def put_site(
    site_id: SiteId,
    body: SiteIn,
    svc: Annotated[Services, Depends(services)],
    _: Authenticated,
) -> Site:
    return svc.table.put_site(site_id, body, svc.clock())


@router.get("/sites/{site_id}")
def get_site(
    site_id: SiteId, svc: Annotated[Services, Depends(services)], _: Authenticated
) -> Site:
    return existing_site(svc, site_id)

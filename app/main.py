"""The one FastAPI app: served by uvicorn locally and by Mangum on Lambda."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRouter

from app import http_errors
from app.contract import document
from app.middleware import RequestEnvelope
from app.observability import set_log_level
from app.routes import health, readings, reports, sites
from app.services import Services
from app.settings import Feature, Settings, load_settings

ROUTERS = (health.router, sites.router, readings.router, reports.router)
# Routers that belong to a feature flag: switched off, every route of theirs answers 404.
FEATURE_OF: dict[int, Feature] = {id(reports.router): Feature.REPORTS}


def feature_on(feature: Feature) -> Callable[[Request], None]:
    """A dependency refusing every route of a switched-off feature with a 404 that says so."""

    def check(request: Request) -> None:
        svc: Services = request.app.state.services
        if not svc.settings.features.enabled(feature):
            raise http_errors.NotFound(
                f"{feature.value} are switched off in this environment "
                f"(feature flag {feature.value!r} is false in its config)"
            )

    return check


def _include(app: FastAPI, router: APIRouter) -> None:
    feature = FEATURE_OF.get(id(router))
    dependencies = [Depends(feature_on(feature))] if feature is not None else []
    app.include_router(router, dependencies=dependencies)


def create_app(settings: Settings | None = None, svc: Services | None = None) -> FastAPI:
    """Build the app; settings default to the environment (SettingsError names a bad variable)."""
    if svc is None:
        svc = Services(settings if settings is not None else load_settings())
    services = svc

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services.warm()  # uvicorn startup, before the first request is served
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Energy Insights API",
        version=svc.settings.version,
        docs_url="/docs" if svc.settings.env != "prod" else None,
        redoc_url=None,
        # A trailing slash is a 404, not a redirect: every status the API answers is documented.
        redirect_slashes=False,
    )
    set_log_level(svc.settings.log_level)
    app.state.services = svc
    for router in ROUTERS:
        _include(app, router)
    # app.routes holds the docs routes; the API's own are read from their routers.
    http_errors.install(app, [*app.routes, *(route for r in ROUTERS for route in r.routes)])
    document.install(app)
    app.add_middleware(RequestEnvelope, version=svc.settings.version, faults=svc.faults)
    return app

"""The one FastAPI app: served by uvicorn locally and by Mangum on Lambda."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import http_errors
from app.contract import document
from app.middleware import RequestEnvelope
from app.routes import health, readings, reports, sites
from app.services import Services
from app.settings import Settings, load_settings

ROUTERS = (health.router, sites.router, readings.router, reports.router)


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
    app.state.services = svc
    for router in ROUTERS:
        app.include_router(router)
    # app.routes holds the docs routes; the API's own are read from their routers.
    http_errors.install(app, [*app.routes, *(route for r in ROUTERS for route in r.routes)])
    document.install(app)
    app.add_middleware(RequestEnvelope, version=svc.settings.version, faults=svc.faults)
    return app

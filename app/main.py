"""The one FastAPI app: served by uvicorn locally and by Mangum on Lambda."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, FastAPI, Request

from app import http_errors
from app.middleware import RequestEnvelope
from app.observability import set_log_level
from app.routes import health, readings, reports, sites
from app.services import Services
from app.settings import Feature, Settings, load_settings


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


def create_app(settings: Settings | None = None, svc: Services | None = None) -> FastAPI:
    """Build the app; settings default to the environment (SettingsError names a bad variable)."""
    if svc is None:
        svc = Services(settings if settings is not None else load_settings())
    app = FastAPI(
        title="Energy Insights API",
        version=svc.settings.version,
        docs_url="/docs" if svc.settings.env != "prod" else None,
        redoc_url=None,
    )
    set_log_level(svc.settings.log_level)
    app.state.services = svc
    http_errors.install(app)
    for module in (health, sites, readings):
        app.include_router(module.router)
    app.include_router(reports.router, dependencies=[Depends(feature_on(Feature.REPORTS))])
    app.add_middleware(RequestEnvelope, version=svc.settings.version, faults=svc.faults)
    return app

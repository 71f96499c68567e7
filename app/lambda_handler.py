"""The Lambda entry point: `app.lambda_handler.handler` (API Gateway HTTP API, payload v2)."""

from __future__ import annotations

from mangum import Mangum

from app.main import create_app

# Built at import, once per execution environment; AWS clients are created on first use.
handler = Mangum(create_app(), lifespan="off")

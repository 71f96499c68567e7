"""The per-request envelope: request id, version headers, fault injection, access log, metrics.

A plain ASGI middleware (not BaseHTTPMiddleware): cheaper per request, and it still sees
unhandled exceptions, which it turns into a logged 500 that carries the version headers.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.faults import FaultInjector
from app.observability import access_log, emit_request_metrics, logger, request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str:
    """Lambda's request id when on Lambda, else a sane client-sent X-Request-Id, else a new one."""
    context = scope.get("aws.context")
    aws_id = getattr(context, "aws_request_id", None)
    if isinstance(aws_id, str) and aws_id:
        return aws_id
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The route template (/sites/{site_id}/readings), never the raw path: bounded cardinality."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestEnvelope:
    def __init__(self, app: ASGIApp, version: str, faults: FaultInjector) -> None:
        self.app = app
        self.version = version
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        token = request_id_var.set(request_id)
        extra_headers = [
            (b"x-app-version", self.version.encode()),
            (b"x-request-id", request_id.encode()),
        ]
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                message["headers"] = [*message.get("headers", []), *extra_headers]
            await send(message)

        try:
            decision = self.faults.next(scope["path"])
            if decision.delay_ms:
                await asyncio.sleep(decision.delay_ms / 1000)
            if decision.fail:
                await _send_json(send_with_headers, 500, injected_fault_body())
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error", extra={"path": scope["path"]})
            if not response_started:
                await _send_json(send_with_headers, 500, internal_error_body())
            status = 500
        finally:
            latency_ms = (time.perf_counter() - started) * 1000
            route = route_of(scope)
            access_log(
                {
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "latency_ms": round(latency_ms, 2),
                }
            )
            emit_request_metrics(route, status, latency_ms, self.version)
            request_id_var.reset(token)


def injected_fault_body() -> dict[str, Any]:
    return {"error": "injected_fault", "message": "fault injection is enabled (drill)"}


def internal_error_body() -> dict[str, Any]:
    return {"error": "internal", "message": "internal error; the request id is in X-Request-Id"}


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

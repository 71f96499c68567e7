"""One JSON error shape for every 4xx/5xx, and the mapping from domain errors to statuses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Route

from app.auth import KeysUnavailable, TokenRejected
from app.observability import logger
from app.readings import FieldError
from app.storage.errors import InvalidCursor, StoreUnavailable

RETRY_AFTER_S = "2"
UNAUTHORIZED_MESSAGE = "a valid bearer token is required"
MALFORMED_JSON = "the request body is not valid JSON"


class InvalidInput(Exception):
    """Client input that passed parsing but broke a rule (ranges, future time, conflicts)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)


class NotFound(Exception):
    """The addressed site or report does not exist (or is not the caller's to see)."""


class Forbidden(Exception):
    """A valid token that may not do this: a scope or the site is missing (message says which)."""

    def __init__(self, message: str, scope: str | None = None) -> None:
        super().__init__(message)
        self.scope = scope


def error_body(code: str, message: str, errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return body


def malformed_json(exc: RequestValidationError) -> list[FieldError]:
    """The body's JSON syntax errors (FastAPI reports them as `json_invalid` validation errors)."""
    return [
        FieldError("body", f"malformed JSON near position {err.get('loc', ('body', '?'))[-1]}")
        for err in exc.errors()
        if err.get("type") == "json_invalid"
    ]


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:] or loc
        found.append(FieldError(".".join(loc) or "body", str(err.get("msg", "invalid"))))
    return found


async def on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    syntax = malformed_json(exc)
    if syntax:
        return JSONResponse(error_body("malformed_json", MALFORMED_JSON, syntax), 400)
    errors = field_errors(exc)
    return JSONResponse(error_body("invalid_input", "the request is invalid", errors), 422)


async def on_invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return JSONResponse(error_body("invalid_input", "the request is invalid", exc.errors), 422)


async def on_invalid_cursor(request: Request, exc: Exception) -> JSONResponse:
    errors = [FieldError("cursor", str(exc))]
    return JSONResponse(error_body("invalid_input", "the request is invalid", errors), 422)


async def on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body("not_found", str(exc)), 404)


async def on_forbidden(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Forbidden)
    headers = {}
    if exc.scope is not None:  # RFC 6750: the scope the request needed
        headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
    return JSONResponse(error_body("forbidden", str(exc)), 403, headers=headers)


@dataclass(frozen=True)
class PathMethods:
    """The methods one route serves on the paths its pattern matches."""

    pattern: re.Pattern[str]
    methods: frozenset[str]


def method_index(routes: Iterable[BaseRoute]) -> tuple[PathMethods, ...]:
    return tuple(
        PathMethods(route.path_regex, frozenset(route.methods))
        for route in routes
        if isinstance(route, Route) and route.methods
    )


def allowed_methods(index: Iterable[PathMethods], path: str) -> list[str]:
    """Every method some route serves on `path` (Starlette's 405 names only one route's)."""
    return sorted({m for entry in index if entry.pattern.match(path) for m in entry.methods})


def route_path(request: Request) -> str:
    """The path routes match against: the request path without the app's root path, if any."""
    path, root = str(request.scope["path"]), str(request.scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root + "/") else path


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = allowed_methods(request.app.state.method_index, route_path(request))
        message = f"{request.method} is not allowed here: use {', '.join(allow)}"
        body = error_body("method_not_allowed", message)
        return JSONResponse(body, 405, headers={"Allow": ", ".join(allow)})
    if exc.status_code == 404:
        return JSONResponse(error_body("not_found", "no route matches this path"), 404)
    if exc.status_code == 400:  # FastAPI could not read the body at all (e.g. not UTF-8)
        errors = [FieldError("body", "not readable as JSON text")]
        return JSONResponse(error_body("malformed_json", MALFORMED_JSON, errors), 400)
    return JSONResponse(error_body("http_error", str(exc.detail)), exc.status_code, exc.headers)


async def on_token_rejected(request: Request, exc: Exception) -> JSONResponse:
    logger.debug("token rejected", extra={"reason": str(exc)})
    return JSONResponse(
        error_body("unauthorized", UNAUTHORIZED_MESSAGE),
        401,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    dependency = exc.dependency if isinstance(exc, StoreUnavailable) else "jwks"
    logger.warning("dependency unavailable", extra={"dependency": dependency, "reason": str(exc)})
    return JSONResponse(
        error_body("unavailable", f"{dependency} is unavailable, retry later"),
        503,
        headers={"Retry-After": RETRY_AFTER_S},
    )


def install(app: FastAPI, routes: Iterable[BaseRoute]) -> None:
    """The handlers, and the index of every route's methods that 405 answers list in Allow."""
    app.state.method_index = method_index(routes)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(InvalidInput, on_invalid_input)
    app.add_exception_handler(InvalidCursor, on_invalid_cursor)
    app.add_exception_handler(NotFound, on_not_found)
    app.add_exception_handler(Forbidden, on_forbidden)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(TokenRejected, on_token_rejected)
    app.add_exception_handler(StoreUnavailable, on_unavailable)
    app.add_exception_handler(KeysUnavailable, on_unavailable)

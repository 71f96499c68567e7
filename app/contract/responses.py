"""Every status a route can answer, with its body schema and headers, for the OpenAPI document.

The error bodies are one envelope, `{"error", "message", "errors"?}`; each status has its own
`error` code so a client can branch on it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.contract.bodies import Body


class FieldProblem(Body):
    field: str = Field(description="dotted path: `body`, `readings.3.value`, `from`, `site_id`")
    message: str


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="a stable code per status")
    message: str = Field(description="what went wrong and what to do, for humans")
    errors: list[FieldProblem] | None = Field(None, description="per-field problems (400, 422)")


class MalformedJson(ErrorBody):
    error: Literal["malformed_json"]
    errors: list[FieldProblem] = Field(min_length=1)


class InvalidInput(ErrorBody):
    error: Literal["invalid_input"]
    errors: list[FieldProblem] = Field(min_length=1)


class Unauthorized(ErrorBody):
    error: Literal["unauthorized"]


class Forbidden(ErrorBody):
    error: Literal["forbidden"]


class NotFound(ErrorBody):
    error: Literal["not_found"]


class MethodNotAllowed(ErrorBody):
    error: Literal["method_not_allowed"]


class Unavailable(ErrorBody):
    error: Literal["unavailable"]


class ServerError(ErrorBody):
    error: Literal["internal", "injected_fault"]


def header(description: str, *, required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


RETRY_AFTER = header("seconds to wait before retrying")

# status -> (body model, description, headers)
ERRORS: dict[int, tuple[type[BaseModel], str, dict[str, Any]]] = {
    400: (MalformedJson, "The body is not valid JSON (checked before the token).", {}),
    401: (
        Unauthorized,
        "No bearer token, or one that is malformed, expired, not ours, or not an access token.",
        {"WWW-Authenticate": header("`Bearer`")},
    ),
    403: (
        Forbidden,
        "The token is valid but lacks the route's scope, or its `sites` claim does not list "
        "the addressed site.",
        {
            "WWW-Authenticate": header(
                '`Bearer error="insufficient_scope", scope="..."` when a scope is missing',
                required=False,
            )
        },
    ),
    404: (NotFound, "No such site or report, or no route matches the path.", {}),
    405: (
        MethodNotAllowed,
        "The path exists but not with this method.",
        {"Allow": header("every method the path serves, e.g. `GET, PUT`")},
    ),
    422: (InvalidInput, "A parameter or body field breaks a rule; `errors` names each.", {}),
    500: (ServerError, "An internal error (the request id is in X-Request-Id), or an "
          "injected fault during a rollback drill.", {}),
    503: (Unavailable, "A dependency (DynamoDB, S3, the JWKS endpoint) is unavailable.",
          {"Retry-After": RETRY_AFTER}),
}  # fmt: skip

# What every authenticated route can answer besides its own statuses.
AUTHENTICATED = (401, 403, 500, 503)


def documented(
    *statuses: int, ok: tuple[int, type[BaseModel], str] | None = None, **ok_headers: str
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: its success response and the listed error statuses."""
    responses: dict[int | str, dict[str, Any]] = {}
    if ok is not None:
        status, model, description = ok
        responses[status] = {"model": model, "description": description}
        if ok_headers:
            responses[status]["headers"] = {name: header(text) for name, text in ok_headers.items()}
    for status in sorted(set(statuses)):
        model, description, headers = ERRORS[status]
        responses[status] = {"model": model, "description": description}
        if headers:
            responses[status]["headers"] = headers
    return responses

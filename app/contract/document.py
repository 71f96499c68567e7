"""The OpenAPI document: FastAPI's, plus what it cannot derive from the routes alone.

Added: the response headers every response carries, the 405 response (any path, any method it
does not serve), and a description of authorization and of the error envelope.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.authz import ROUTE_SCOPES, SITES_CLAIM
from app.contract.responses import ERRORS, header

REF = "#/components/schemas/{model}"
ENVELOPE_HEADERS = {
    "X-App-Version": header("the release version that answered (canary attribution)"),
    "X-Request-Id": header("Lambda's request id, a sane client X-Request-Id, or a new one"),
}


def scope_table() -> str:
    rows = [f"| {method} | `{path}` | `{scope.value}` |" for (method, path), scope in
            ROUTE_SCOPES.items()]  # fmt: skip
    return "\n".join(["| method | path | scope |", "|---|---|---|", *rows])


DESCRIPTION = f"""\
Readings, summaries and reports of energy sites.

**Authentication.** `/health` and `/version` are public; every other route needs
`Authorization: Bearer <access token>` (RS256, checked for signature, `iss`, `aud` or Cognito's
`client_id`, `exp`, `iat`, `sub`). Cognito ID tokens (`token_use: id`) are refused: send the
access token. Failures are 401.

**Authorization.** Each route needs one scope, given bare (`readings:read`) or under the API's
Cognito resource server (`energy-insights/readings:read`); and the addressed site must be listed
in the token's `{SITES_CLAIM}` claim (a JSON array of site ids; there is no wildcard). Otherwise
403. A report is visible only to tokens that may read its site; to anyone else it is a 404,
exactly like an unknown id.

{scope_table()}

**Errors.** Every 4xx/5xx body is `{{"error", "message", "errors"?}}` with a stable `error` code
per status; `errors` lists `{{"field", "message"}}` for 400 and 422. Order of checks: malformed
JSON (400), then the token (401), the scope and site (403), the parameters and body (422), then
existence (404). A path no route serves is a 404; a method a path does not serve is a 405 whose
`Allow` header lists every method of that path. 503 carries `Retry-After`.
"""


HEADER_REFS = {name: {"$ref": f"#/components/headers/{name}"} for name in ENVELOPE_HEADERS}


def add_envelope_headers(document: dict[str, Any]) -> None:
    """Every response carries X-App-Version and X-Request-Id (middleware.RequestEnvelope)."""
    document.setdefault("components", {})["headers"] = ENVELOPE_HEADERS
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {}).update(HEADER_REFS)


def add_method_not_allowed(document: dict[str, Any]) -> None:
    """405 belongs to no operation (it answers methods that have none): a shared response."""
    model, description, headers = ERRORS[405]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schema = model.model_json_schema(ref_template=REF, mode="serialization")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    document["components"].setdefault("responses", {})["MethodNotAllowed"] = {
        "description": description,
        "headers": {**headers, **HEADER_REFS},
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }


def openapi_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes
    )
    add_envelope_headers(document)
    add_method_not_allowed(document)
    return document


def install(app: FastAPI) -> None:
    """Serve the extended document at /openapi.json (built once, on first request)."""

    def cached() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app)
        return app.openapi_schema

    app.openapi = cached  # type: ignore[method-assign]

"""The OpenAPI document states the contract: scopes, every status with its schema, constraints."""

from __future__ import annotations

from typing import Any

import pytest

from app.authz import ROUTE_SCOPES
from app.main import create_app
from app.services import Services

from .support import settings

DOCUMENT: dict[str, Any] = create_app(svc=Services(settings())).openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
IDS = [f"{m} {p}" for m, p, _ in OPERATIONS]
ERROR_CODES = {
    "400": "malformed_json",
    "401": "unauthorized",
    "403": "forbidden",
    "404": "not_found",
    "422": "invalid_input",
    "503": "unavailable",
}


def resolve(ref: str) -> dict[str, Any]:
    node: Any = DOCUMENT
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def test_the_operations_are_the_route_table_plus_the_public_ones() -> None:
    operations = {(m, p) for m, p, _ in OPERATIONS}
    assert operations == set(ROUTE_SCOPES) | {("GET", "/health"), ("GET", "/version")}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_each_operation_requires_its_scope_and_documents_every_status(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    statuses = set(operation["responses"])
    scope = ROUTE_SCOPES.get((method, path))
    if scope is None:
        assert "security" not in operation
        assert statuses >= {"200", "500"}
        return
    assert operation["security"] == [{"bearer": [scope.value]}]
    expected = {"401", "403", "404", "422", "500", "503"}
    if "requestBody" in operation:
        expected.add("400")
    assert statuses == expected | ({"201"} if method == "POST" and "reports" in path else {"200"})
    assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert operation["responses"]["503"]["headers"]["Retry-After"]["required"] is True


@pytest.mark.parametrize(("status", "code"), ERROR_CODES.items())
def test_each_error_status_has_its_own_code(status: str, code: str) -> None:
    schemas = {
        operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        for _, path, operation in OPERATIONS
        if status in operation["responses"] and path != "/health"  # its 503 is a Health body
    }
    assert len(schemas) == 1
    schema = resolve(schemas.pop())
    assert schema["properties"]["error"]["const"] == code
    assert schema["additionalProperties"] is False
    assert {"error", "message"} <= set(schema["required"])


def test_every_response_documents_the_envelope_headers() -> None:
    for _, _, operation in OPERATIONS:
        for response in operation["responses"].values():
            assert {"X-App-Version", "X-Request-Id"} <= set(response["headers"])


def test_405_is_a_shared_response_with_allow() -> None:
    response = DOCUMENT["components"]["responses"]["MethodNotAllowed"]
    assert response["headers"]["Allow"]["required"] is True
    schema = resolve(response["content"]["application/json"]["schema"]["$ref"])
    assert schema["properties"]["error"]["const"] == "method_not_allowed"


def parameter(path: str, method: str, name: str) -> dict[str, Any]:
    (found,) = [p for p in DOCUMENT["paths"][path][method]["parameters"] if p["name"] == name]
    return dict(found)


@pytest.mark.parametrize(
    ("path", "method", "name", "constraint"),
    [
        ("/sites/{site_id}", "get", "site_id", {"pattern": "^[A-Za-z0-9_-]{1,64}$"}),
        ("/reports/{report_id}", "get", "report_id", {"pattern": "^[0-9a-f]{32}$"}),
        ("/sites/{site_id}/readings", "get", "limit", {"minimum": 1, "maximum": 1000}),
        ("/sites/{site_id}/readings", "get", "from", {"format": "date-time"}),
    ],
)
def test_parameter_constraints_are_in_the_schema(
    path: str, method: str, name: str, constraint: dict[str, Any]
) -> None:
    schema = parameter(path, method, name)["schema"]
    assert constraint.items() <= schema.items()


def test_the_cursor_pattern_and_the_cross_field_rules_are_stated() -> None:
    cursor = parameter("/sites/{site_id}/readings", "get", "cursor")["schema"]["anyOf"][0]
    assert cursor["pattern"] == "^[A-Za-z0-9_-]{1,200}$"
    for path in ("/sites/{site_id}/readings", "/sites/{site_id}/summary"):
        assert "`from` earlier than `to`" in DOCUMENT["paths"][path]["get"]["description"]
        assert "must be earlier than `to`" in parameter(path, "get", "from")["description"]
    report = DOCUMENT["paths"]["/sites/{site_id}/reports"]["post"]["description"]
    assert "`from` earlier than `to`" in report


def test_body_constraints_are_in_the_schema() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    readings = schemas["ReadingBatch"]["properties"]["readings"]
    assert (readings["minItems"], readings["maxItems"]) == (1, 500)
    ranges = {
        rule["if"]["properties"]["metric"]["const"]: rule["then"]["properties"]["value"]
        for rule in schemas["Reading"]["allOf"]
    }
    assert ranges == {
        "power_kw": {"minimum": -100_000, "maximum": 100_000},
        "energy_kwh": {"minimum": 0, "maximum": 1_000_000},
    }
    capacity = schemas["SiteIn"]["properties"]["capacity_kw"]["anyOf"][0]
    assert (capacity["minimum"], capacity["maximum"]) == (0.001, 10_000_000)
    assert schemas["SiteIn"]["additionalProperties"] is False

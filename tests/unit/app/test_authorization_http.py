"""Authorization through HTTP: every route x missing scope x foreign site, in-process (mock_aws).

Site `own` is the one the tokens grant; site `foreign` exists too, with data and a report, and
must stay out of reach. The pure rules are table-tested in test_authz.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.authz import ROUTE_SCOPES, Scope
from app.main import ROUTERS, create_app
from app.services import Services
from app.storage.clients import AwsClients

from .support import NOW, auth_header, settings

OWN, FOREIGN = "own", "foreign"
WINDOW = {"metric": "power_kw", "from": "2026-05-31T00:00:00Z", "to": "2026-06-01T00:00:00Z"}
BATCH = {"readings": [{"timestamp": "2026-05-31T10:00:00Z", "metric": "power_kw", "value": 5}]}
PUBLIC = {("GET", "/health"), ("GET", "/version")}


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None

    def path(self, site: str, reports: dict[str, str]) -> str:
        return self.template.format(site_id=site, report_id=reports[site])

    @property
    def scope(self) -> Scope:
        return ROUTE_SCOPES[(self.method, self.template)]


CALLS = [
    Call("PUT", "/sites/{site_id}", json={"name": "Site"}),
    Call("GET", "/sites/{site_id}"),
    Call("POST", "/sites/{site_id}/readings", json=BATCH),
    Call("GET", "/sites/{site_id}/readings", params=WINDOW),
    Call("GET", "/sites/{site_id}/summary", params=WINDOW),
    Call("POST", "/sites/{site_id}/reports", json=WINDOW),
    Call("GET", "/reports/{report_id}"),
]
IDS = [f"{c.method} {c.template}" for c in CALLS]


RAW = create_app(svc=Services(settings())).openapi()
DOCUMENT = schemathesis.openapi.from_dict(RAW)


def documented(response: httpx.Response, c: Call) -> httpx.Response:
    """The response, after checking its status, headers and body against the OpenAPI document."""
    responses = RAW["paths"][c.template][c.method.lower()]["responses"]
    assert str(response.status_code) in responses, f"{response.status_code} is not documented"
    for name, spec in responses[str(response.status_code)].get("headers", {}).items():
        if "$ref" in spec:
            spec = RAW["components"]["headers"][spec["$ref"].rsplit("/", 1)[1]]
        if spec["required"]:
            assert name.lower() in response.headers, f"{name} is documented as required"
    DOCUMENT[c.template][c.method].validate_response(response)  # the body's schema
    return response


@pytest.fixture(scope="module")
def api(module_clients: AwsClients) -> Iterator[TestClient]:
    svc = Services(settings(), clients=lambda: module_clients, clock=lambda: NOW)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def reports(api: TestClient) -> dict[str, str]:
    """Both sites with a reading and a report; site -> its report id."""
    admin = auth_header(sites=[OWN, FOREIGN])
    found = {}
    for site in (OWN, FOREIGN):
        assert api.put(f"/sites/{site}", json={"name": site}, headers=admin).status_code == 200
        assert api.post(f"/sites/{site}/readings", json=BATCH, headers=admin).status_code == 200
        created = api.post(f"/sites/{site}/reports", json=WINDOW, headers=admin)
        found[site] = created.json()["report_id"]
    return found


def call(
    api: TestClient, c: Call, site: str, reports: dict[str, str], **token: Any
) -> httpx.Response:
    headers = auth_header(**token)
    response = api.request(
        c.method, c.path(site, reports), json=c.json, params=c.params, headers=headers
    )
    return documented(response, c)


def test_the_table_names_every_route() -> None:
    routes = {
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes == set(ROUTE_SCOPES) | PUBLIC
    assert {(c.method, c.template) for c in CALLS} == set(ROUTE_SCOPES)


@pytest.mark.parametrize("c", CALLS, ids=IDS)
def test_the_routes_scope_on_its_own_site_is_enough(
    api: TestClient, reports: dict[str, str], c: Call
) -> None:
    response = call(api, c, OWN, reports, scopes=[c.scope], sites=[OWN])
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("c", CALLS, ids=IDS)
def test_a_missing_scope_is_403_naming_it(
    api: TestClient, reports: dict[str, str], c: Call
) -> None:
    others = [scope for scope in Scope if scope is not c.scope]
    response = call(api, c, OWN, reports, scopes=others, sites=[OWN])
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": f"the token lacks the scope '{c.scope.value}'",
    }
    assert response.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope", scope="{c.scope.value}"'
    )


@pytest.mark.parametrize("c", CALLS, ids=IDS)
def test_a_foreign_site_is_refused(api: TestClient, reports: dict[str, str], c: Call) -> None:
    response = call(api, c, FOREIGN, reports, sites=[OWN])
    if c.template == "/reports/{report_id}":
        # Another site's report answers exactly like an id that does not exist.
        unknown = api.get(f"/reports/{'0' * 32}", headers=auth_header(sites=[OWN]))
        assert response.status_code == unknown.status_code == 404
        assert response.json() == {
            **unknown.json(),
            "message": f"report '{reports[FOREIGN]}' not found",
        }
        return
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert f"site '{FOREIGN}'" in response.json()["message"]
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("c", CALLS, ids=IDS)
@pytest.mark.parametrize(
    "token",
    [
        {"sites": []},
        {"sites": None},
        {"sites": "own"},  # a string, not a list
        {"sites": ["own", "*"]},  # a wildcard voids the claim
        {"scopes": []},
        {"scopes": ["other-api/readings:read", "other-api/readings:write"]},
    ],
    ids=["no-sites", "sites-null", "sites-string", "sites-wildcard", "no-scopes", "other-rs"],
)
def test_tokens_that_grant_nothing_are_refused(
    api: TestClient, reports: dict[str, str], c: Call, token: dict[str, Any]
) -> None:
    if token.get("sites", ...) is None:
        token = {"extra": {"sites": None}}
    response = call(api, c, OWN, reports, **token)
    if "scopes" in token or c.template != "/reports/{report_id}":
        assert response.status_code == 403  # the scope is checked first, whatever the route
    else:
        assert response.status_code == 404  # a report the token may not read does not exist


@pytest.mark.parametrize("c", CALLS, ids=IDS)
def test_scopes_under_the_resource_server_work(
    api: TestClient, reports: dict[str, str], c: Call
) -> None:
    scope = f"energy-insights/{c.scope.value}"
    response = call(api, c, OWN, reports, scopes=[scope], sites=[OWN])
    assert response.status_code in (200, 201), response.text


def test_the_resource_server_is_configurable(module_clients: AwsClients) -> None:
    auth = replace(settings().auth, resource_server="https://api.example.com")
    svc = Services(settings(auth=auth), clients=lambda: module_clients, clock=lambda: NOW)
    with TestClient(create_app(svc=svc)) as api:
        ours = auth_header(scopes=["https://api.example.com/readings:read"], sites=[OWN])
        default = auth_header(scopes=["energy-insights/readings:read"], sites=[OWN])
        assert api.get(f"/sites/{OWN}", headers=ours).status_code in (200, 404)
        assert api.get(f"/sites/{OWN}", headers=default).status_code == 403


@pytest.mark.parametrize("token_use", ["id", "refresh", ""])
def test_only_access_tokens_are_accepted(api: TestClient, token_use: str) -> None:
    response = api.get(f"/sites/{OWN}", headers=auth_header(extra={"token_use": token_use}))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_authentication_comes_before_authorization(
    api: TestClient, reports: dict[str, str]
) -> None:
    response = api.get(f"/sites/{FOREIGN}", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401

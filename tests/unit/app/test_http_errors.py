"""Error responses: 405 lists every method of the path, malformed JSON is a 400 on `body`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.http_errors import allowed_methods, method_index
from app.main import ROUTERS, create_app
from app.services import Services

from .support import auth_header, settings

INDEX = method_index(route for router in ROUTERS for route in router.routes)


@pytest.fixture(scope="module")
def api() -> TestClient:
    return TestClient(create_app(svc=Services(settings())), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/sites/a", ["GET", "PUT"]),  # two routes share the path: both count
        ("/sites/a/readings", ["GET", "POST"]),
        ("/sites/a/summary", ["GET"]),
        ("/sites/a/reports", ["POST"]),
        ("/reports/x", ["GET"]),
        ("/health", ["GET"]),
        ("/version", ["GET"]),
        ("/nothing", []),
        ("/sites/a/b", []),
        ("/sites/", []),
    ],
)
def test_allowed_methods(path: str, allow: list[str]) -> None:
    assert allowed_methods(INDEX, path) == allow


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/sites/s1", "GET, PUT"),
        ("POST", "/sites/s1", "GET, PUT"),
        ("PATCH", "/sites/s1", "GET, PUT"),
        ("HEAD", "/sites/s1", "GET, PUT"),
        ("OPTIONS", "/sites/s1", "GET, PUT"),
        ("PUT", "/sites/s1/readings", "GET, POST"),
        ("DELETE", "/sites/s1/readings", "GET, POST"),
        ("POST", "/sites/s1/summary", "GET"),
        ("GET", "/sites/s1/reports", "POST"),
        ("DELETE", f"/reports/{'a' * 32}", "GET"),
        ("POST", "/health", "GET"),
        ("PUT", "/version", "GET"),
        ("POST", "/openapi.json", "GET, HEAD"),
    ],
)
def test_405_lists_every_method_of_the_path(
    api: TestClient, method: str, path: str, allow: str
) -> None:
    # A token changes nothing: routing answers before authentication.
    for headers in ({}, auth_header()):
        response = api.request(method, path, headers=headers)
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        if method != "HEAD":
            assert response.json() == {
                "error": "method_not_allowed",
                "message": f"{method} is not allowed here: use {allow}",
            }


@pytest.mark.parametrize("path", ["/nothing", "/sites/s1/", "/sites/s1/readings/", "/sites/"])
def test_unknown_paths_are_404_never_a_redirect(api: TestClient, path: str) -> None:
    response = api.get(path, headers=auth_header(), follow_redirects=False)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no route matches this path"}


def test_405_under_a_root_path() -> None:
    app = create_app(svc=Services(settings()))
    with TestClient(app, root_path="/stage") as client:
        response = client.delete("/stage/sites/s1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT"

"""The HTTP layer in-process (moto's mock_aws): routing, errors, auth, headers, faults, metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from app.settings import FaultSettings
from app.storage.clients import AwsClients

from .support import NOW, auth_header, settings

AUTH = auth_header()
WINDOW = {"metric": "power_kw", "from": "2026-05-31T00:00:00Z", "to": "2026-06-01T00:00:00Z"}


def make_api(clients: AwsClients, **changes: Any) -> TestClient:
    svc = Services(settings(**changes), clients=lambda: clients, clock=lambda: NOW)
    return TestClient(create_app(svc=svc), raise_server_exceptions=False)


@pytest.fixture
def api(clients: AwsClients) -> Iterator[TestClient]:
    with make_api(clients) as client:
        yield client


def test_happy_path_in_process(api: TestClient) -> None:
    assert (
        api.put("/sites/s1", json={"name": "S", "capacity_kw": 10}, headers=AUTH).status_code == 200
    )
    batch = {"readings": [{"timestamp": "2026-05-31T10:00:00Z", "metric": "power_kw", "value": 5}]}
    assert api.post("/sites/s1/readings", json=batch, headers=AUTH).json()["stored"] == 1
    page = api.get("/sites/s1/readings", params=WINDOW, headers=AUTH).json()
    assert page["readings"] == [{"timestamp": "2026-05-31T10:00:00Z", "value": 5.0}]
    summary = api.get("/sites/s1/summary", params=WINDOW, headers=AUTH).json()
    assert summary["buckets"][0]["capacity_factor"] == 0.5
    report = api.post(
        "/sites/s1/reports",
        json={"metric": "power_kw", "from": WINDOW["from"], "to": WINDOW["to"]},
        headers=AUTH,
    ).json()
    fetched = api.get(f"/reports/{report['report_id']}", headers=AUTH).json()
    assert fetched["csv_url"].startswith("https://")
    assert api.get("/health").json()["status"] == "ok"


def test_docs_are_hidden_in_prod(clients: AwsClients) -> None:
    with make_api(clients, env="prod") as api:
        assert api.get("/docs").status_code == 404
    with make_api(clients) as api:
        assert api.get("/docs").status_code == 200


class ThrottledTable:
    """Stands in for the DynamoDB client: every call is throttled."""

    def __getattr__(self, name: str) -> Any:
        def throttled(**_: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                name,
            )

        return throttled


def test_throttling_is_503_with_retry_after_and_logged(
    clients: AwsClients, capfd: pytest.CaptureFixture[str]
) -> None:
    throttled = AwsClients(dynamodb=ThrottledTable(), s3=clients.s3)  # type: ignore[arg-type]
    svc = Services(settings(), clients=lambda: throttled, clock=lambda: NOW)
    with TestClient(create_app(svc=svc)) as api:
        response = api.get("/sites/s1", headers=AUTH)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    logged = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "{" in line]
    warnings = [entry for entry in logged if entry.get("message") == "dependency unavailable"]
    assert warnings[0]["reason"] == "dynamodb unavailable: ProvisionedThroughputExceededException"


def test_programming_errors_are_500_with_version_header(clients: AwsClients) -> None:
    class Broken:
        def get_item(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "ValidationException"}}, "GetItem")

    broken = AwsClients(dynamodb=Broken(), s3=clients.s3)  # type: ignore[arg-type]
    svc = Services(settings(), clients=lambda: broken, clock=lambda: NOW)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as api:
        response = api.get("/sites/s1", headers=AUTH)
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert response.headers["x-app-version"] == "1.2.3"


def test_logs_and_metrics_never_carry_the_token(
    api: TestClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    token = AUTH["Authorization"].split()[1]
    api.get("/sites/s1", headers=AUTH)
    api.get("/sites/s1", headers={"Authorization": "Bearer forged.token.value"})
    out = capfd.readouterr().out
    assert token not in out
    assert "forged.token.value" not in out
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    emf = [d for d in documents if "_aws" in d]
    access = [d for d in documents if d.get("message") == "request"]
    assert [d["route"] for d in emf] == ["/sites/{site_id}", "/sites/{site_id}"]
    assert emf[0]["version"] == "1.2.3"
    assert {d["status"] for d in access} == {404, 401}
    assert all(d["request_id"] != "-" for d in access)


@pytest.mark.parametrize(
    ("faults", "path", "expect"),
    [
        (FaultSettings(error_rate=1.0), "/sites/s1", 500),
        (FaultSettings(error_rate=1.0), "/health", 200),
        (FaultSettings(error_rate=1.0), "/version", 200),
        (FaultSettings(latency_ms=50, latency_rate=1.0), "/sites/s1", 404),
    ],
)
def test_fault_switch_through_http(
    clients: AwsClients, faults: FaultSettings, path: str, expect: int
) -> None:
    with make_api(clients, faults=faults) as api:
        response = api.get(path, headers=AUTH)
    assert response.status_code == expect
    if expect == 500:
        assert response.json()["error"] == "injected_fault"
        assert response.headers["x-app-version"] == "1.2.3"


def test_fault_error_rate_over_many_requests(clients: AwsClients) -> None:
    faults = FaultSettings(error_rate=0.3, seed=1234)
    with make_api(clients, faults=faults) as api:
        statuses = [api.get("/sites/s1", headers=AUTH).status_code for _ in range(300)]
    failed = statuses.count(500)
    assert 60 <= failed <= 120  # 90 expected; +-4 sigma is about 58..122
    assert set(statuses) == {500, 404}


def test_replace_keeps_settings_frozen() -> None:
    with pytest.raises(AttributeError):
        settings().env = "x"  # type: ignore[misc]
    assert replace(settings(), env="x").env == "x"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("POST", "/sites/s1/readings", "{oops", 400, "body"),
        ("POST", "/sites/s1/readings", {"readings": [{"metric": "power_kw"}]}, 422, None),
        ("GET", "/sites/s1/readings?metric=power_kw&from=x&to=y", None, 422, "from"),
        ("GET", f"/sites/s1/readings?{'&'.join(f'{k}={v}' for k, v in WINDOW.items())}"
         "&cursor=bm9wZQ", None, 422, "cursor"),
        ("GET", "/sites/s1/summary?metric=power_kw&from=2026-06-01T00:00:00Z"
         "&to=2026-05-01T00:00:00Z", None, 422, "from"),
        ("GET", "/sites/unknown", None, 404, None),
        ("GET", f"/reports/{'a' * 32}", None, 404, None),
        ("DELETE", "/sites/s1", None, 405, None),
    ],
)  # fmt: skip
def test_client_mistakes_are_4xx_with_fields(
    api: TestClient, method: str, path: str, body: Any, status: int, field: str | None
) -> None:
    api.put("/sites/s1", json={"name": "S"}, headers=AUTH)
    if isinstance(body, str):
        headers = {**AUTH, "content-type": "application/json"}
        response = api.request(method, path, content=body, headers=headers)
    else:
        response = api.request(method, path, json=body, headers=AUTH)
    assert response.status_code == status
    expected = {
        400: "malformed_json",
        404: "not_found",
        405: "method_not_allowed",
        422: "invalid_input",
    }
    assert response.json()["error"] == expected[status]
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]]


def test_summary_refuses_windows_with_too_many_readings(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.routes.readings as readings_route

    monkeypatch.setattr(readings_route, "MAX_SUMMARY_READINGS", 1)
    api.put("/sites/s1", json={"name": "S"}, headers=AUTH)
    batch = {
        "readings": [
            {"timestamp": f"2026-05-31T1{i}:00:00Z", "metric": "power_kw", "value": i}
            for i in range(3)
        ]
    }
    api.post("/sites/s1/readings", json=batch, headers=AUTH)
    response = api.get("/sites/s1/summary", params=WINDOW, headers=AUTH)
    assert response.status_code == 422
    assert "narrow the range" in response.json()["errors"][0]["message"]
    assert api.get("/sites/s1/readings", params={**WINDOW, "limit": 2}, headers=AUTH).json()[
        "next_cursor"
    ]


def test_server_startup_builds_the_aws_clients_before_the_first_request(
    clients: AwsClients,
) -> None:
    built: list[str] = []

    def factory() -> AwsClients:
        built.append("clients")
        return clients

    svc = Services(settings(), clients=factory, clock=lambda: NOW)
    with TestClient(create_app(svc=svc)) as api:  # runs the lifespan, as uvicorn does
        assert built  # before any request
        assert api.get("/health").json()["status"] == "ok"


def test_startup_survives_clients_that_cannot_be_built(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def factory() -> AwsClients:
        raise RuntimeError("no region")

    svc = Services(settings(), clients=factory, clock=lambda: NOW)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as api:
        assert api.get("/version").status_code == 200
        assert api.get("/health").status_code == 503
    assert "AWS clients not built at startup" in capfd.readouterr().out

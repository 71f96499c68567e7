"""The HTTP API end to end against a real moto server: every endpoint, and the bad-input rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from app.storage.clients import AwsClients
from tests.unit.app.support import NOW, auth_header, settings

pytestmark = pytest.mark.emulator

AUTH = auth_header()
DAY_FROM = "2026-05-31T00:00:00Z"
DAY_TO = "2026-06-01T00:00:00Z"


def iso(offset: timedelta) -> str:
    return (NOW - timedelta(days=1) + offset).isoformat()


def put_site(api: TestClient, site: str = "plant-1", capacity: float | None = 100.0) -> None:
    body: dict[str, Any] = {"name": "Plant one", "timezone": "Europe/Berlin"}
    if capacity is not None:
        body["capacity_kw"] = capacity
    assert api.put(f"/sites/{site}", json=body, headers=AUTH).status_code == 200


def hourly_readings(count: int, metric: str = "power_kw") -> list[dict[str, Any]]:
    start = NOW.replace(hour=0) - timedelta(days=1)
    return [
        {"timestamp": (start + timedelta(minutes=15 * i)).isoformat(), "metric": metric, "value": i}
        for i in range(count)
    ]


def test_health_version_and_headers(api: TestClient) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": "1.2.3",
        "commit": "abc1234",
        "checks": {"dynamodb": "ok", "s3": "ok"},
    }
    assert response.headers["x-app-version"] == "1.2.3"
    assert response.headers["x-request-id"]
    version = api.get("/version", headers={"X-Request-Id": "trace-123"})
    assert version.json()["artifact_digest"] == "sha256:feed"
    assert version.headers["x-request-id"] == "trace-123"


def test_health_names_the_failing_dependency(clients: AwsClients, names: tuple[str, str]) -> None:
    svc = Services(settings(names[0], "no-such-bucket"), clients=lambda: clients)
    with TestClient(create_app(svc=svc)) as api:
        response = api.get("/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["s3"]
    assert response.json()["checks"]["dynamodb"] == "ok"
    assert response.headers["retry-after"]


def test_site_round_trip(api: TestClient) -> None:
    put_site(api)
    site = api.get("/sites/plant-1", headers=AUTH).json()
    assert site["name"] == "Plant one"
    assert site["capacity_kw"] == 100.0
    assert site["timezone"] == "Europe/Berlin"
    assert api.get("/sites/plant-2", headers=AUTH).status_code == 404


def test_ingest_query_paginate_and_idempotency(api: TestClient) -> None:
    put_site(api)
    batch = {"readings": hourly_readings(96)}
    first = api.post("/sites/plant-1/readings", json=batch, headers=AUTH)
    assert first.status_code == 200
    assert first.json() == {"site_id": "plant-1", "received": 96, "stored": 96}
    replay = api.post("/sites/plant-1/readings", json=batch, headers=AUTH)
    assert replay.status_code == 200

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"metric": "power_kw", "from": DAY_FROM, "to": DAY_TO, "limit": 40}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/sites/plant-1/readings", params=params, headers=AUTH).json()
        seen.extend(page["readings"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 96  # the replay added nothing
    assert seen[0] == {"timestamp": "2026-05-31T00:00:00Z", "value": 0.0}
    assert [r["timestamp"] for r in seen] == sorted(r["timestamp"] for r in seen)


def test_summary_per_hour_and_day_with_capacity_factor(api: TestClient) -> None:
    put_site(api, capacity=200.0)
    api.post("/sites/plant-1/readings", json={"readings": hourly_readings(8)}, headers=AUTH)
    hourly = api.get(
        "/sites/plant-1/summary",
        params={"metric": "power_kw", "period": "hour", "from": DAY_FROM, "to": DAY_TO},
        headers=AUTH,
    ).json()
    assert [(b["count"], b["sum"], b["min"], b["max"]) for b in hourly["buckets"]] == [
        (4, 6.0, 0.0, 3.0),
        (4, 22.0, 4.0, 7.0),
    ]
    assert hourly["buckets"][0]["capacity_factor"] == pytest.approx(1.5 / 200)
    daily = api.get(
        "/sites/plant-1/summary",
        params={"metric": "power_kw", "from": DAY_FROM, "to": DAY_TO},
        headers=AUTH,
    ).json()
    assert daily["period"] == "day"
    assert daily["buckets"][0]["mean"] == 3.5


def test_report_is_written_to_s3_and_downloadable(api: TestClient) -> None:
    put_site(api)
    api.post("/sites/plant-1/readings", json={"readings": hourly_readings(4)}, headers=AUTH)
    created = api.post(
        "/sites/plant-1/reports",
        json={"metric": "power_kw", "period": "hour", "from": DAY_FROM, "to": DAY_TO},
        headers=AUTH,
    )
    assert created.status_code == 201
    report_id = created.json()["report_id"]
    assert created.headers["location"] == f"/reports/{report_id}"
    meta = api.get(f"/reports/{report_id}", headers=AUTH).json()
    assert meta["bucket_count"] == 1
    csv_text = httpx.get(meta["csv_url"]).text
    assert csv_text.splitlines() == [
        "start,count,sum,mean,min,max,capacity_factor",
        "2026-05-31T00:00:00Z,4,6.0,1.5,0.0,3.0,0.015",
    ]
    assert httpx.get(meta["json_url"]).json()["buckets"][0]["count"] == 4
    assert api.get(f"/reports/{'0' * 32}", headers=AUTH).status_code == 404
    assert api.get("/reports/not-an-id", headers=AUTH).status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/sites/plant-1"),
        ("GET", "/sites/plant-1"),
        ("POST", "/sites/plant-1/readings"),
        ("GET", f"/sites/plant-1/readings?metric=power_kw&from={DAY_FROM}&to={DAY_TO}"),
        ("GET", f"/sites/plant-1/summary?metric=power_kw&from={DAY_FROM}&to={DAY_TO}"),
        ("POST", "/sites/plant-1/reports"),
        ("GET", f"/reports/{'0' * 32}"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, auth_header(issuer="https://evil.test")],
)
def test_every_data_endpoint_needs_a_valid_token(
    api: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = api.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "a valid bearer token is required",
    }
    assert response.headers["www-authenticate"] == "Bearer"


def reading(**changes: Any) -> dict[str, Any]:
    return {"timestamp": iso(timedelta(0)), "metric": "power_kw", "value": 1.0, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({}, "readings"),
        ({"readings": []}, "readings"),
        ({"readings": [reading()] * 501}, "readings"),
        ({"readings": [reading(value="high")]}, "readings.0.value"),
        ({"readings": [reading(value=1e9)]}, "readings.0.value"),
        ({"readings": [reading(metric="volts")]}, "readings.0.metric"),
        ({"readings": [reading(timestamp="2026-05-31T10:00:00")]}, "readings.0.timestamp"),
        ({"readings": [reading(timestamp="2099-01-01T00:00:00Z")]}, "readings.0.timestamp"),
        ({"readings": [reading(), reading(value=2.0)]}, "readings.1"),
    ],
)
def test_bad_batches_are_422_with_field_errors(api: TestClient, body: Any, field: str) -> None:
    put_site(api)
    response = api.post("/sites/plant-1/readings", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/sites/plant-1"),
        ("POST", "/sites/plant-1/readings"),
        ("POST", "/sites/plant-1/reports"),
    ],
)
@pytest.mark.parametrize(
    "text", [b"{not json", b'{"readings": [}', b"[1,]", b"nul", b"\xff\xfe\x00"]
)
def test_malformed_json_is_400_on_field_body(
    api: TestClient, method: str, path: str, text: bytes
) -> None:
    headers = {**AUTH, "content-type": "application/json"}
    response = api.request(method, path, content=text, headers=headers)
    assert response.status_code == 400
    document = response.json()
    assert document["error"] == "malformed_json"
    assert document["message"] == "the request body is not valid JSON"
    assert [e["field"] for e in document["errors"]] == ["body"]


READINGS = f"/sites/plant-1/readings?metric=power_kw&from={DAY_FROM}&to={DAY_TO}"
SUMMARY = "/sites/plant-1/summary?metric=power_kw"


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        (f"/sites/plant-1/readings?metric=power_kw&from={DAY_TO}&to={DAY_FROM}", 422, "from"),
        (f"/sites/plant-1/readings?metric=power_kw&from=2024-01-01T00:00Z&to={DAY_TO}", 422, "to"),
        (f"/sites/plant-1/readings?metric=power_kw&from=yesterday&to={DAY_TO}", 422, "from"),
        (f"/sites/plant-1/readings?metric=watts&from={DAY_FROM}&to={DAY_TO}", 422, "metric"),
        (f"{READINGS}&limit=0", 422, "limit"),
        (f"{READINGS}&limit=1001", 422, "limit"),
        (f"{READINGS}&cursor=%%%", 422, "cursor"),
        (f"{SUMMARY}&period=week&from={DAY_FROM}&to={DAY_TO}", 422, "period"),
        (f"{SUMMARY}&period=hour&from=2026-01-01T00:00:00Z&to={DAY_TO}", 422, "to"),
        (f"{SUMMARY}&period=day&from=2025-01-01T00:00:00Z&to={DAY_TO}", 422, "to"),
        (f"/sites/nope/summary?metric=power_kw&from={DAY_FROM}&to={DAY_TO}", 404, None),
        (f"/sites/bad%20id/summary?metric=power_kw&from={DAY_FROM}&to={DAY_TO}", 422, "site_id"),
    ],
)
def test_bad_queries_are_4xx(api: TestClient, path: str, status: int, field: str | None) -> None:
    put_site(api)
    response = api.get(path, headers=AUTH)
    assert response.status_code == status
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]]
    else:
        assert "PUT /sites/nope" in response.json()["message"]


def test_unknown_site_cannot_receive_readings(api: TestClient) -> None:
    response = api.post("/sites/ghost/readings", json={"readings": [reading()]}, headers=AUTH)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x", "capacity_kw": 0},
        {"name": "x", "capacity_kw": -5},
        {"name": "x", "timezone": "Mars/Olympus Mons"},
        {"name": "x", "owner": "me"},
    ],
)
def test_bad_site_bodies_are_422(api: TestClient, body: dict[str, Any]) -> None:
    assert api.put("/sites/plant-1", json=body, headers=AUTH).status_code == 422


def test_unknown_route_is_json_404(api: TestClient) -> None:
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.headers["x-app-version"] == "1.2.3"

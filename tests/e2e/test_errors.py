"""Error handling a client sees: bad input (422 naming the field, 400 for malformed JSON),
missing sites and reports (404 saying what to do), always the one error shape with the version
headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infra.perf.suite_sites import missing_site
from tests.e2e.conftest import body
from tests.e2e.identity import Identity

NOW = datetime.now(UTC)


def reading(**changes: Any) -> dict[str, Any]:
    return {
        "timestamp": (NOW - timedelta(hours=1)).isoformat(),
        "metric": "power_kw",
        "value": 1.0,
        **changes,
    }


@pytest.fixture(scope="module")
def site(api: httpx.Client, sites: tuple[str, ...]) -> str:
    body(api.put(f"/sites/{sites[0]}", json={"name": "E2E errors"}), 200)
    return sites[0]


def invalid(response: httpx.Response, field: str) -> dict[str, Any]:
    document: dict[str, Any] = body(response, 422)
    assert document["error"] == "invalid_input"
    fields = [e["field"] for e in document["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert response.headers.get("x-app-version")
    assert response.headers.get("x-request-id")
    return document


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"readings": [reading(value="12")]}, "readings.0.value"),
        ({"readings": [reading(value=True)]}, "readings.0.value"),
        ({"readings": [reading(timestamp="2026-01-01T10:00:00")]}, "readings.0.timestamp"),
        (
            {"readings": [reading(timestamp=(NOW + timedelta(hours=1)).isoformat())]},
            "readings.0.timestamp",
        ),
        ({"readings": [reading(metric="voltage")]}, "readings.0.metric"),
        ({"readings": [reading(value=1e9)]}, "readings.0.value"),
        ({"readings": []}, "readings"),
        ({"readings": [reading()] * 501}, "readings"),
    ],
)
def test_bad_readings_name_the_field(
    api: httpx.Client, site: str, payload: dict[str, Any], field: str
) -> None:
    invalid(api.post(f"/sites/{site}/readings", json=payload), field)


def test_malformed_json_is_a_400_naming_the_body(api: httpx.Client, site: str) -> None:
    response = api.post(
        f"/sites/{site}/readings",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    document = body(response, 400)
    assert document["error"] == "malformed_json"
    assert [e["field"] for e in document["errors"]] == ["body"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (NOW, NOW - timedelta(days=1), "from"),
        (NOW - timedelta(days=400), NOW, "to"),
    ],
)
def test_bad_query_windows_are_refused(
    api: httpx.Client, site: str, start: datetime, end: datetime, field: str
) -> None:
    params = {"metric": "power_kw", "from": start.isoformat(), "to": end.isoformat()}
    invalid(api.get(f"/sites/{site}/readings", params=params), field)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sites/{missing}"),
        ("POST", "/sites/{missing}/readings"),
        ("GET", "/sites/{missing}/summary"),
        ("POST", "/sites/{missing}/reports"),
    ],
)
def test_a_missing_site_is_a_404_saying_how_to_create_it(
    api: httpx.Client, identity: Identity, sites: tuple[str, ...], method: str, path: str
) -> None:
    missing = missing_site(sites[0])
    # A token that may use the site: authorization passes, so existence is what is checked.
    allowed = {"Authorization": f"Bearer {identity.token((missing,))}"}
    window = {
        "metric": "power_kw",
        "from": (NOW - timedelta(days=1)).isoformat(),
        "to": NOW.isoformat(),
    }
    json_body = {"readings": [reading()]} if path.endswith("readings") else window
    response = api.request(
        method,
        path.format(missing=missing),
        params=window if method == "GET" else None,
        json=json_body if method == "POST" else None,
        headers=allowed,
    )
    document = body(response, 404)
    assert document["error"] == "not_found"
    assert f"create it with PUT /sites/{missing}" in document["message"]


def test_a_missing_report_is_404_and_a_malformed_id_422(api: httpx.Client) -> None:
    assert body(api.get("/reports/" + "f" * 32), 404)["error"] == "not_found"
    invalid(api.get("/reports/not-an-id"), "report_id")
